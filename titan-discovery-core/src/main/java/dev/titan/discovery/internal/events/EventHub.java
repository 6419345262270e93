package dev.titan.discovery.internal.events;

import dev.titan.discovery.DiscoveryEvent;
import dev.titan.discovery.DiscoveryListener;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listeners of one discovery service and the single thread that calls them, in order, off
 * the Redis I/O threads. A listener that throws is logged and the others still run. Internal
 * observers (the local view) get events before user listeners.
 */
public final class EventHub implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EventHub.class);
  private static final AtomicInteger COUNT = new AtomicInteger();

  private final List<DiscoveryListener> listeners = new CopyOnWriteArrayList<>();
  private final ExecutorService dispatcher;

  /** Creates the hub and its (lazily started) dispatch thread. */
  public EventHub() {
    int n = COUNT.incrementAndGet();
    this.dispatcher = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "titan-discovery-events-" + n);
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Adds a listener.
   *
   * @param listener the listener
   */
  public void add(DiscoveryListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Removes a listener (the first one equal to it); events not yet delivered no longer reach it.
   *
   * @param listener the listener
   */
  public void remove(DiscoveryListener listener) {
    listeners.remove(listener);
  }

  /**
   * Runs a task on the dispatch thread, after every event queued before it.
   *
   * @param task the task
   */
  public void execute(Runnable task) {
    try {
      dispatcher.execute(task);
    } catch (RejectedExecutionException e) {
      LOG.debug("Event dropped: the discovery service is stopped");
    }
  }

  /**
   * Delivers an event to every listener; call it on the dispatch thread.
   *
   * @param event the event
   */
  public void deliver(DiscoveryEvent event) {
    for (DiscoveryListener l : listeners) {
      try {
        l.onEvent(event);
      } catch (RuntimeException | Error e) {
        if (e instanceof VirtualMachineError) {
          throw e;
        }
        LOG.warn("Discovery listener {} threw on {} of node {}", l, event.type(), event.nodeId(), e);
      }
    }
  }

  /** Stops the dispatch thread after the events already queued. */
  @Override
  public void close() {
    dispatcher.shutdown();
  }
}
