package dev.titan.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.titan.discovery.DiscoveryEvent.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class EventsTest extends RedisTestBase {


  private static List<DiscoveryEvent> record(DiscoveryService d) {
    List<DiscoveryEvent> events = new CopyOnWriteArrayList<>();
    d.onEvent(events::add);
    return events;
  }

  private static List<String> describe(List<DiscoveryEvent> events) {
    List<String> out = new ArrayList<>();
    for (DiscoveryEvent e : events) {
      out.add(e.type() + " " + e.nodeId());
    }
    return out;
  }

  @Test
  void joinsChangesAndDeparturesArriveInOrderWithFullData() {
    DiscoveryService watcher = t.client();
    List<DiscoveryEvent> events = record(watcher);
    DiscoveryService b = t.node("b", "10.0.0.2:80", ServiceInfo.of("users", "1"));
    b.registerService(ServiceInfo.of("auth")).join();
    b.updateAddress("10.0.0.3:81").join();
    b.stop().join();
    await().atMost(Duration.ofSeconds(5)).until(() -> events.size() >= 4);
    assertThat(describe(events)).containsExactly("NODE_REGISTERED b", "NODE_UPDATED b", "NODE_UPDATED b", "NODE_DEREGISTERED b");
    assertThat(events.get(0).address()).isEqualTo("10.0.0.2:80");
    assertThat(events.get(0).services()).containsExactly(ServiceInfo.of("users", "1"));
    assertThat(events.get(1).services()).containsExactly(ServiceInfo.of("users", "1"), ServiceInfo.of("auth"));
    assertThat(events.get(2).address()).isEqualTo("10.0.0.3:81");
    assertThat(events.get(3).address()).isEqualTo("10.0.0.3:81");
    assertThat(events.get(3).services()).hasSize(2);
  }

  @Test
  void periodicHeartbeatsPublishNothing() {
    List<String> raw = t.recordChannel();
    DiscoveryService b = t.node("b", "10.0.0.2:80");
    long sent = b.status().heartbeatsSent();
    await().atMost(Duration.ofSeconds(10)).until(() -> b.status().heartbeatsSent() >= sent + 5);
    assertThat(raw).hasSize(1);
    assertThat(raw.get(0)).contains("NODE_REGISTERED");
  }

  @Test
  void aNodeDoesNotHearItsOwnEvents() {
    DiscoveryService a = t.node("a", "10.0.0.1:80");
    List<DiscoveryEvent> heardByA = record(a);
    DiscoveryService watcher = t.client();
    List<DiscoveryEvent> heardByWatcher = record(watcher);
    a.registerService(ServiceInfo.of("x")).join();
    DiscoveryService b = t.node("b", "10.0.0.2:80");
    await().atMost(Duration.ofSeconds(5)).until(() -> heardByWatcher.size() >= 2 && !heardByA.isEmpty());
    assertThat(describe(heardByA)).containsExactly("NODE_REGISTERED b");
    assertThat(describe(heardByWatcher)).containsExactly("NODE_UPDATED a", "NODE_REGISTERED b");
    b.close();
  }

  @Test
  void listenersRunOffTheRedisThreadsAndAThrowingListenerStopsNoOther() {
    DiscoveryService watcher = t.client();
    List<String> threads = new CopyOnWriteArrayList<>();
    List<DiscoveryEvent> second = new CopyOnWriteArrayList<>();
    watcher.onEvent(e -> {
      threads.add(Thread.currentThread().getName());
      throw new IllegalStateException("listener bug (expected in this test)");
    });
    watcher.onEvent(second::add);
    t.node("b", "10.0.0.2:80");
    t.node("c", "10.0.0.3:80");
    await().atMost(Duration.ofSeconds(5)).until(() -> second.size() >= 2);
    assertThat(threads).hasSize(2).allSatisfy(name -> assertThat(name).startsWith("titan-discovery-events").doesNotContain("lettuce", "nio"));
  }

  @Test
  void garbageOnTheChannelIsSkippedAndDeliveryGoesOn() {
    DiscoveryService watcher = t.client();
    List<DiscoveryEvent> events = record(watcher);
    for (String garbage : List.of("", "{", "null", "[1,2]", "{\"type\":\"NODE_REGISTERED\"}", "\u0000\u00ff", "x".repeat(100_000))) {
      t.redis().publish(t.channel, garbage);
    }
    t.redis().publish(t.channel, Fixtures.events().get(0));
    await().atMost(Duration.ofSeconds(5)).until(() -> !events.isEmpty());
    assertThat(describe(events)).containsExactly("NODE_REGISTERED node-1");
    assertThat(watcher.status().eventsReceived()).isEqualTo(8);
  }

  @Test
  void typeScriptEventsAreDeliveredAsPublished() {
    DiscoveryService watcher = t.client();
    List<DiscoveryEvent> events = record(watcher);
    for (String line : Fixtures.events()) {
      t.redis().publish(t.channel, line);
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> events.size() >= 4);
    assertThat(describe(events)).containsExactly(
        "NODE_REGISTERED node-1", "NODE_UPDATED node-1", "NODE_UPDATED node-1", "NODE_DEREGISTERED node-1");
    assertThat(events.get(2).address()).isEqualTo("10.0.0.6:3000");
    assertThat(events.get(3).timestamp()).isEqualTo(1795746061224L);
  }

  @Test
  void offEventStopsDelivery() {
    DiscoveryService watcher = t.client();
    List<DiscoveryEvent> removed = new CopyOnWriteArrayList<>();
    List<DiscoveryEvent> kept = new CopyOnWriteArrayList<>();
    DiscoveryListener listener = removed::add;
    watcher.onEvent(listener);
    watcher.onEvent(kept::add);
    t.node("b", "10.0.0.2:80");
    await().atMost(Duration.ofSeconds(5)).until(() -> removed.size() == 1 && kept.size() == 1);
    watcher.offEvent(listener);
    t.node("c", "10.0.0.3:80");
    await().atMost(Duration.ofSeconds(5)).until(() -> kept.size() == 2);
    assertThat(removed).hasSize(1);
  }

  @Test
  void awkwardServiceNamesSurviveRedisAndEvents() {
    DiscoveryService watcher = t.client();
    List<DiscoveryEvent> events = record(watcher);
    ServiceInfo awkward = ServiceInfo.of("q\"uote\\slash/ünï ✓ 日本", "1.0 \"beta\"");
    t.node("b", "10.0.0.2:80", awkward);
    await().atMost(Duration.ofSeconds(5)).until(() -> !events.isEmpty());
    assertThat(events.get(0).services()).containsExactly(awkward);
    assertThat(watcher.findNodesByService(awkward.name(), awkward.version()).join()).extracting(NodeInfo::nodeId).containsExactly("b");
    assertThat(watcher.getNodeInfo("b").join().orElseThrow().services()).containsExactly(awkward);
  }

  @Test
  void withoutPubSubNoEventsAndNoSubscription() {
    DiscoveryService quiet = t.started(t.builder().options(t.fastOptions().pubSubEnabled(false).build()).nodeId("q").address("10.0.0.9:80"));
    List<String> raw = t.recordChannel();
    List<DiscoveryEvent> events = Collections.synchronizedList(new ArrayList<>());
    quiet.onEvent(events::add);
    quiet.registerService(ServiceInfo.of("s")).join();
    t.node("b", "10.0.0.2:80"); // b publishes (pub/sub on)
    await().atMost(Duration.ofSeconds(5)).until(() -> raw.size() == 1);
    assertThat(raw.get(0)).contains("\"nodeId\":\"b\""); // q published nothing
    assertThat(events).isEmpty();
    assertThat(quiet.status().eventsReceived()).isZero();
  }
}
