package dev.titan.discovery.internal.events;

import dev.titan.discovery.DiscoveryEvent;
import dev.titan.discovery.DiscoveryListener;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listeners of one discovery service and the single thread that calls them, in order, off
 * the Redis I/O threads. A listener that throws is logged and the others still run. Internal
 * observers (the local view) get events before user listeners.
 *
 * <p>Back-pressure: at most {@link #DEFAULT_CAPACITY} deliveries wait for the listeners. When
 * listeners are slower than the events arrive, the oldest waiting delivery is dropped (counted,
 * and logged at WARN at most every {@link #DROP_LOG_PERIOD_NANOS} ns): the subscriber thread,
 * which is a Redis I/O thread, is never blocked and memory stays bounded. Internal tasks ({@link
 * #execute}), such as the local view's resync after a reconnect, are never dropped. After {@link
 * #close()} nothing more is delivered: waiting deliveries are discarded.
 */
public final class EventHub implements AutoCloseable {

  /** Deliveries that may wait for the listeners before the oldest is dropped. */
  public static final int DEFAULT_CAPACITY = 10_000;
  /** At most one WARN about dropped deliveries per this many nanoseconds (10 s). */
  static final long DROP_LOG_PERIOD_NANOS = 10_000_000_000L;

  private static final Logger LOG = LoggerFactory.getLogger(EventHub.class);
  private static final AtomicInteger COUNT = new AtomicInteger();

  /** A queued job: a delivery (may be dropped) or an internal task (never dropped). */
  private record Job(Runnable run, boolean delivery) {}

  private final List<DiscoveryListener> listeners = new CopyOnWriteArrayList<>();
  private final ExecutorService dispatcher;
  private final int capacity;
  private final LongSupplier nanoTime;
  private final ArrayDeque<Job> queue = new ArrayDeque<>(); // guarded by itself
  private int waitingDeliveries; // guarded by queue
  private boolean draining; // guarded by queue
  private volatile boolean closed;
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong queued = new AtomicLong();
  private long lastDropLog = Long.MIN_VALUE; // guarded by queue

  /** Creates the hub with {@link #DEFAULT_CAPACITY} and its (lazily started) dispatch thread. */
  public EventHub() {
    this(DEFAULT_CAPACITY, System::nanoTime);
  }

  /**
   * Creates the hub.
   *
   * @param capacity deliveries that may wait before the oldest is dropped (at least 1)
   * @param nanoTime clock for the rate of drop warnings
   */
  public EventHub(int capacity, LongSupplier nanoTime) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
    }
    this.capacity = capacity;
    this.nanoTime = nanoTime;
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
   * Whether any listener is registered: when none is, a delivery would wake the dispatch thread
   * for nothing, and callers may skip it (a listener added meanwhile only misses events that
   * arrived before it was added, as it would anyway).
   *
   * @return true when at least one listener is registered
   */
  public boolean hasListeners() {
    return !listeners.isEmpty();
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
   * Runs an internal task on the dispatch thread, after every job queued before it; never dropped.
   *
   * @param task the task
   */
  public void execute(Runnable task) {
    enqueue(new Job(task, false));
  }

  /**
   * Queues a delivery to listeners (it runs on the dispatch thread, in order with every other job).
   * When {@link #DEFAULT_CAPACITY capacity} deliveries already wait, the oldest of them is
   * dropped. Never blocks.
   *
   * @param delivery the delivery
   */
  public void submit(Runnable delivery) {
    enqueue(new Job(delivery, true));
  }

  /**
   * Deliveries dropped so far because listeners were too slow.
   *
   * @return the count
   */
  public long dropped() {
    return dropped.get();
  }

  /**
   * Jobs handed to the dispatch thread so far (deliveries and internal tasks, dropped ones
   * included): each may have cost a thread wake-up.
   *
   * @return the count
   */
  public long queued() {
    return queued.get();
  }

  private void enqueue(Job job) {
    if (closed) {
      return;
    }
    queued.incrementAndGet();
    boolean start;
    long droppedNow = 0;
    synchronized (queue) {
      queue.addLast(job);
      if (job.delivery()) {
        waitingDeliveries++;
        if (waitingDeliveries > capacity) {
          dropOldestDelivery();
          droppedNow = dropped.incrementAndGet();
          long now = nanoTime.getAsLong();
          if (lastDropLog != Long.MIN_VALUE && now - lastDropLog < DROP_LOG_PERIOD_NANOS) {
            droppedNow = 0; // logged recently
          } else {
            lastDropLog = now;
          }
        }
      }
      start = !draining;
      draining = true;
    }
    if (droppedNow > 0) {
      LOG.warn("Discovery listeners are too slow: {} event deliveries waiting, the oldest dropped ({} dropped so far)",
          capacity, droppedNow);
    }
    if (start) {
      try {
        dispatcher.execute(this::drain);
      } catch (RejectedExecutionException e) {
        LOG.debug("Event dropped: the discovery service is stopped");
      }
    }
  }

  private void dropOldestDelivery() {
    for (Iterator<Job> it = queue.iterator(); it.hasNext(); ) {
      if (it.next().delivery()) {
        it.remove();
        waitingDeliveries--;
        return;
      }
    }
  }

  private void drain() {
    while (true) {
      Job job;
      synchronized (queue) {
        job = closed ? null : queue.pollFirst();
        if (job == null) {
          queue.clear();
          waitingDeliveries = 0;
          draining = false;
          return;
        }
        if (job.delivery()) {
          waitingDeliveries--;
        }
      }
      try {
        job.run().run();
      } catch (RuntimeException e) {
        LOG.warn("Event task failed", e);
      }
    }
  }

  /**
   * Delivers an event to every listener; call it on the dispatch thread. Nothing is delivered
   * once the hub is closed.
   *
   * @param event the event
   */
  public void deliver(DiscoveryEvent event) {
    for (DiscoveryListener l : listeners) {
      if (closed) {
        return;
      }
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

  /**
   * Whether {@link #close()} was called.
   *
   * @return true once closed
   */
  public boolean isClosed() {
    return closed;
  }

  /** Discards waiting deliveries and tasks and stops the dispatch thread; nothing runs after this. */
  @Override
  public void close() {
    closed = true;
    synchronized (queue) {
      queue.clear();
      waitingDeliveries = 0;
    }
    dispatcher.shutdown();
  }
}
