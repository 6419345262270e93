package dev.titan.discovery.internal.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.titan.discovery.DiscoveryEvent;
import dev.titan.discovery.ServiceInfo;
import dev.titan.discovery.internal.wire.WireCodec;
import dev.titan.discovery.testkit.RedisServer;
import dev.titan.discovery.testkit.RedisServerExtension;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What the subscription hands to the hub's thread: only what somebody there needs (listeners,
 * this node's own events, malformed messages); the observer sees everything on the I/O thread.
 */
@ExtendWith(RedisServerExtension.class)
class EventSubscriptionTest {

  private static final String CHANNEL = "test:sub:events";
  private static final Duration WAIT = Duration.ofSeconds(10);

  private RedisClient client;
  private StatefulRedisConnection<String, String> publisher;
  private EventHub hub;
  private EventSubscription subscription;
  private final List<String> own = new CopyOnWriteArrayList<>();
  private final List<String> ownThreads = new CopyOnWriteArrayList<>();

  @BeforeEach
  void open(RedisServer server) {
    client = RedisClient.create(server.uri());
    publisher = client.connect();
    hub = new EventHub();
    subscription = new EventSubscription(client.connectPubSub(), CHANNEL, () -> "me", hub, () -> {}, e -> {
      own.add(e.nodeId());
      ownThreads.add(Thread.currentThread().getName());
    }, () -> {});
    subscription.start().join();
  }

  @AfterEach
  void close() {
    subscription.close().join();
    hub.close();
    publisher.close();
    client.shutdown();
  }

  private void publish(String id) {
    publisher.sync().publish(CHANNEL, WireCodec.encodeEvent(new DiscoveryEvent(
        DiscoveryEvent.Type.NODE_UPDATED, id, "10.0.0.1:80", List.of(ServiceInfo.of("a", "1.0.0")), 1)));
  }

  @Test
  void eventsNobodyListensToAreCountedButNotHandedOff() {
    for (int i = 0; i < 5; i++) {
      publish("other-" + i);
    }
    await().atMost(WAIT).until(() -> subscription.received() == 5);
    assertThat(hub.queued()).isZero();
  }

  @Test
  void ownEventsStillReachTheHubThreadWithoutListeners() {
    publish("other");
    publish("me");
    await().atMost(WAIT).until(() -> own.size() == 1);
    assertThat(own).containsExactly("me");
    assertThat(ownThreads.get(0)).startsWith("titan-discovery-events-");
    assertThat(subscription.received()).isEqualTo(2);
    assertThat(hub.queued()).isEqualTo(1);
  }

  @Test
  void malformedMessagesAreStillCountedOnTheHubThread() {
    publisher.sync().publish(CHANNEL, "not json");
    await().atMost(WAIT).until(() -> subscription.received() == 1);
    assertThat(hub.queued()).isEqualTo(1);
  }

  @Test
  void aListenerAddedLaterGetsTheEventsAfterItOffTheIoThread() {
    publish("before");
    await().atMost(WAIT).until(() -> subscription.received() == 1);
    List<String> seen = new CopyOnWriteArrayList<>();
    List<String> threads = new CopyOnWriteArrayList<>();
    hub.add(e -> {
      seen.add(e.nodeId());
      threads.add(Thread.currentThread().getName());
    });
    publish("after-1");
    publish("me");
    publish("after-2");
    await().atMost(WAIT).until(() -> seen.size() == 2 && own.size() == 1);
    assertThat(seen).containsExactly("after-1", "after-2");
    assertThat(threads).allMatch(t -> t.startsWith("titan-discovery-events-"));
  }

  @Test
  void theObserverSeesEveryMessageInOrderWithoutListeners() {
    List<String> observed = new CopyOnWriteArrayList<>();
    subscription.observe(new EventSubscription.Observer() {
      @Override
      public void onSequence(String message) {
        observed.add("seq " + message);
      }

      @Override
      public void onEvent(@Nullable DiscoveryEvent event) {
        observed.add(event == null ? "malformed" : event.nodeId());
      }
    }).join();
    publisher.sync().publish(CHANNEL + ":seq", "7 x");
    publish("x");
    publisher.sync().publish(CHANNEL, "{");
    publish("me");
    await().atMost(WAIT).until(() -> observed.size() == 4 && own.size() == 1);
    assertThat(observed).containsExactly("seq 7 x", "x", "malformed", "me");
    assertThat(hub.queued()).isEqualTo(2); // the malformed one and our own; not x
  }
}
