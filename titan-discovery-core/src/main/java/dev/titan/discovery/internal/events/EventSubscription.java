package dev.titan.discovery.internal.events;

import dev.titan.discovery.DiscoveryEvent;
import dev.titan.discovery.internal.wire.WireCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The subscription to the events channel, on its own connection. Messages are decoded once, on
 * the connection's I/O thread (about 2 µs for an event of a few hundred bytes), and handed to the
 * hub's thread only when somebody there needs them: a listener of the service, this node's own
 * events (see {@code ownEvents}), or a malformed message (logged there). With no listener, an
 * event costs no thread hand-off: waking the dispatch thread for nothing costs a context switch
 * on every event, on the machine's busiest moment (see BENCHMARKS.md, propagation). An {@link
 * Observer} (the local view) sees every message on the I/O thread, in order, before anything is
 * handed off. With an observer, the sequence channel ({@code {channel}:seq}) is read too.
 * Lettuce subscribes again by itself after a reconnect; each such re-subscription is reported,
 * since events published meanwhile are lost (pub/sub is at-most-once).
 */
public final class EventSubscription {

  private static final Logger LOG = LoggerFactory.getLogger(EventSubscription.class);
  private static final int MAX_LOGGED = 200;

  private final StatefulRedisPubSubConnection<String, String> connection;
  private final String channel;
  private final Supplier<String> ownNodeId;
  private final EventHub hub;
  private final Runnable onResubscribed;
  private final java.util.function.Consumer<DiscoveryEvent> ownEvents;
  private final AtomicBoolean subscribedOnce = new AtomicBoolean();
  private final AtomicLong malformed = new AtomicLong();
  private final AtomicLong received = new AtomicLong();
  private final Listener listener = new Listener();
  private final String sequenceChannel;
  private final Runnable onRegistered;
  private volatile @Nullable Observer observer;

  /**
   * Sees every message, this node's own events included, before listeners do: what a local view
   * needs. It is called on the connection's I/O thread, in the order of the messages, so that a
   * change is visible without a thread hand-off; it must be quick and never block.
   */
  public interface Observer {
    /**
     * A message on the sequence channel ({@code "{version} {id}"}, published by our scripts right
     * before each event, or {@code "{version}* {id}"} alone for a change that has no event).
     *
     * @param message the message
     */
    void onSequence(String message);

    /**
     * A message on the events channel.
     *
     * @param event the event, or null when the message was malformed
     */
    void onEvent(@Nullable DiscoveryEvent event);
  }

  /**
   * Creates the subscription; nothing happens before {@link #start()}.
   *
   * @param connection the pub/sub connection
   * @param channel the channel
   * @param ownNodeId this node's id (events about it are dropped)
   * @param hub where events go
   * @param onResubscribed called (on the hub thread) after each re-subscription
   */
  public EventSubscription(
      StatefulRedisPubSubConnection<String, String> connection,
      String channel,
      Supplier<String> ownNodeId,
      EventHub hub,
      Runnable onResubscribed) {
    this(connection, channel, ownNodeId, hub, onResubscribed, e -> {}, () -> {});
  }

  /**
   * Creates the subscription; nothing happens before {@link #start()}.
   *
   * @param connection the pub/sub connection
   * @param channel the events channel
   * @param ownNodeId this node's id (events about it go to {@code ownEvents}, not to listeners)
   * @param hub where events go
   * @param onResubscribed called (on the hub thread) after each re-subscription
   * @param ownEvents told (on the hub thread) of events about this node, such as a status an
   *     operator set
   * @param onRegistered called on the connection's I/O thread for every NODE_REGISTERED, this
   *     node's own included (the sweeper's cue to look for a new deadline); it must be quick
   */
  public EventSubscription(
      StatefulRedisPubSubConnection<String, String> connection,
      String channel,
      Supplier<String> ownNodeId,
      EventHub hub,
      Runnable onResubscribed,
      java.util.function.Consumer<DiscoveryEvent> ownEvents,
      Runnable onRegistered) {
    this.onRegistered = onRegistered;
    this.ownEvents = ownEvents;
    this.connection = connection;
    this.channel = channel;
    this.ownNodeId = ownNodeId;
    this.hub = hub;
    this.onResubscribed = onResubscribed;
    this.sequenceChannel = channel + ":seq";
  }

  /**
   * Adds the observer (one at most) and subscribes to the sequence channel as well.
   *
   * @param o the observer
   * @return completes when Redis confirmed the subscription
   */
  public CompletableFuture<Void> observe(Observer o) {
    observer = o;
    return connection.async().subscribe(sequenceChannel).toCompletableFuture();
  }

  /**
   * Subscribes.
   *
   * @return completes when Redis confirmed the subscription
   */
  public CompletableFuture<Void> start() {
    connection.addListener(listener);
    return connection.async().subscribe(channel).toCompletableFuture();
  }

  /**
   * Events received and delivered or dropped so far (malformed included).
   *
   * @return the count
   */
  public long received() {
    return received.get();
  }

  /**
   * Whether the pub/sub connection is up (messages are being received).
   *
   * @return true when connected
   */
  public boolean isConnected() {
    return connection.isOpen();
  }

  /**
   * Unsubscribes (best effort; the connection is closed right after).
   *
   * @return completes when done
   */
  public CompletableFuture<Void> close() {
    connection.removeListener(listener);
    if (!connection.isOpen()) {
      return CompletableFuture.completedFuture(null);
    }
    String[] channels = observer == null ? new String[] {channel} : new String[] {channel, sequenceChannel};
    return connection.async().unsubscribe(channels).toCompletableFuture().handle((v, e) -> null);
  }

  private void deliver(String message, @Nullable DiscoveryEvent event) {
    received.incrementAndGet();
    if (event == null) {
      long n = malformed.incrementAndGet();
      if (n <= 10 || n % 1000 == 0) {
        LOG.warn("Skipping malformed message #{} on {}: {}", n, channel, abbreviate(message));
      }
      return;
    }
    if (event.nodeId().equals(ownNodeId.get())) {
      ownEvents.accept(event);
      return;
    }
    LOG.debug("Event {} for node {}", event.type(), event.nodeId());
    hub.deliver(event);
  }

  private static String abbreviate(String s) {
    String one = s.replaceAll("\\p{Cntrl}", "?");
    return one.length() <= MAX_LOGGED ? one : one.substring(0, MAX_LOGGED) + "...(" + s.length() + " chars)";
  }

  private final class Listener extends RedisPubSubAdapter<String, String> {
    @Override
    public void message(String ch, String message) {
      if (message == null) {
        return;
      }
      Observer o = observer;
      if (channel.equals(ch)) {
        DiscoveryEvent event = WireCodec.decodeEvent(message);
        if (event != null && event.type() == DiscoveryEvent.Type.NODE_REGISTERED) {
          onRegistered.run();
        }
        if (o != null) {
          try {
            o.onEvent(event);
          } catch (RuntimeException e) {
            LOG.warn("Observer failed on a message of {}", channel, e);
          }
        }
        if (event == null || hub.hasListeners() || event.nodeId().equals(ownNodeId.get())) {
          hub.submit(() -> deliver(message, event));
        } else {
          received.incrementAndGet(); // nobody to tell: no hand-off
        }
      } else if (sequenceChannel.equals(ch) && o != null) {
        try {
          o.onSequence(message);
        } catch (RuntimeException e) {
          LOG.warn("Observer failed on a message of {}", sequenceChannel, e);
        }
      }
    }

    @Override
    public void subscribed(String ch, long count) {
      if (channel.equals(ch) && !subscribedOnce.compareAndSet(false, true)) {
        LOG.info("Subscribed to {} again after a reconnect; events published meanwhile were missed", channel);
        hub.execute(onResubscribed);
      }
    }
  }
}
