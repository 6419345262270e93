package dev.titan.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code registerOnStart(false)}: {@code start()} connects, subscribes and answers lookups but
 * writes nothing for this node; {@code register()} (or {@code registerNode}) registers it later
 * with the identity it has then; a service that never registered leaves nothing behind.
 */
class RegisterLaterTest extends RedisTestBase {

  private static final String MARKER = "marker";

  @Test
  void startWritesNothingAndRegisterMakesTheNodeVisibleWithItsServices() {
    List<String> channel = t.recordChannel();
    DiscoveryService d = t.started(t.builder().nodeId("late").address("10.0.0.5:8080")
        .services(List.of(ServiceInfo.of("svc", "1"))).registerOnStart(false));
    // identity changes while started but not registered stay local
    d.registerService(ServiceInfo.of("extra")).join();
    d.updateAddress("10.0.0.5:9090").join();

    assertThat(d.status().started()).isTrue();
    assertThat(d.isRegistered()).isFalse();
    assertThat(d.status().heartbeatsSent()).isZero();
    assertNothingWrittenButTheSweeperLease();
    assertNothingPublishedSoFar(channel);

    // lookups work
    DiscoveryService other = t.node("other", "10.0.0.6:80", ServiceInfo.of("svc", "1"));
    EventLog seen = new EventLog();
    other.onEvent(seen);
    assertThat(d.findNodesByService("svc").join()).extracting(NodeInfo::nodeId).containsExactly("other");
    assertThat(d.getActiveNodes().join()).extracting(NodeInfo::nodeId).containsExactly("other");
    assertThat(d.nodeExists("late").join()).isFalse();

    d.register().join();
    assertThat(d.isRegistered()).isTrue();
    assertThat(other.getNodeInfo("late").join()).hasValueSatisfying(n -> {
      assertThat(n.address()).isEqualTo("10.0.0.5:9090");
      assertThat(n.services()).containsExactly(ServiceInfo.of("svc", "1"), ServiceInfo.of("extra"));
    });
    assertThat(other.findNodesByService("extra").join()).extracting(NodeInfo::nodeId).containsExactly("late");
    await().atMost(Duration.ofSeconds(5)).until(() -> seen.has(DiscoveryEvent.Type.NODE_REGISTERED, "late"));
    DiscoveryEvent registered = seen.events().stream()
        .filter(e -> e.nodeId().equals("late")).findFirst().orElseThrow();
    assertThat(registered.type()).isEqualTo(DiscoveryEvent.Type.NODE_REGISTERED);
    assertThat(registered.address()).isEqualTo("10.0.0.5:9090");
    assertThat(registered.services()).containsExactly(ServiceInfo.of("svc", "1"), ServiceInfo.of("extra"));

    // idempotent; once registered, changes are written at once
    d.register().join();
    d.registerService(ServiceInfo.of("after")).join();
    assertThat(other.findNodesByService("after").join()).extracting(NodeInfo::nodeId).containsExactly("late");
    await().atMost(Duration.ofSeconds(5)).until(() -> seen.has(DiscoveryEvent.Type.NODE_UPDATED, "late"));
    assertThat(seen.count(DiscoveryEvent.Type.NODE_REGISTERED, "late")).isOne();
    await().atMost(Duration.ofSeconds(5)).until(() -> d.status().heartbeatsSent() >= 3); // the heartbeat runs

    d.stop().join();
    assertThat(d.isRegistered()).isFalse();
    assertThat(other.nodeExists("late").join()).isFalse();
    await().atMost(Duration.ofSeconds(5)).until(() -> seen.has(DiscoveryEvent.Type.NODE_DEREGISTERED, "late"));
  }

  @Test
  void stopOfANeverRegisteredServiceLeavesNothingAndPublishesNothing() {
    List<String> channel = t.recordChannel();
    DiscoveryService d = t.started(t.builder().nodeId("never").address("10.0.0.5:8080")
        .services(List.of(ServiceInfo.of("svc", "1"))).registerOnStart(false));
    d.registerService(ServiceInfo.of("extra")).join();
    assertThat(d.findNodes().join()).isEmpty();
    d.stop().join();
    assertThat(d.isRegistered()).isFalse();
    assertThat(t.keys()).isEmpty(); // not even the sweeper lease
    assertNothingPublishedSoFar(channel);
  }

  @Test
  void registerFailsBeforeStartAfterStopAndInClientMode() {
    DiscoveryService d = t.builder().nodeId("n1").address("10.0.0.1:80").registerOnStart(false).build();
    t.track(d);
    assertThatThrownBy(() -> d.register().join()).hasCauseInstanceOf(IllegalStateException.class).hasMessageContaining("start()");
    d.start().join();
    d.stop().join();
    assertThatThrownBy(() -> d.register().join()).hasCauseInstanceOf(IllegalStateException.class).hasMessageContaining("stopped");

    DiscoveryService client = t.client();
    assertThatThrownBy(() -> client.register().join()).hasCauseInstanceOf(IllegalStateException.class).hasMessageContaining("client mode");
    assertThat(t.keys()).doesNotContain(t.prefix + ":index:nodes");
  }

  @Test
  void registerNodeRegistersAfterStartAndOnStartWhenCalledBefore() {
    DiscoveryService a = t.started(t.builder().nodeId("a").address("10.0.0.1:80").registerOnStart(false));
    a.registerNode("a2", "10.0.0.2:81", List.of(ServiceInfo.of("svc"))).join();
    assertThat(a.isRegistered()).isTrue();
    assertThat(a.findNodesByService("svc").join()).extracting(NodeInfo::nodeId, NodeInfo::address)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("a2", "10.0.0.2:81"));

    DiscoveryService b = t.builder().nodeId("b").address("10.0.0.3:80").registerOnStart(false).build();
    t.track(b);
    b.registerNode("b", "10.0.0.3:82", List.of(ServiceInfo.of("other"))).join(); // before start: local
    assertThat(t.redis().sismember(t.prefix + ":index:nodes", "b")).isFalse();
    b.start().join();
    assertThat(b.isRegistered()).isTrue();
    assertThat(a.findNodesByService("other").join()).extracting(NodeInfo::address).containsExactly("10.0.0.3:82");
  }

  @Test
  void theDefaultStillRegistersOnStart() {
    DiscoveryService d = t.started(t.builder().nodeId("n1").address("10.0.0.1:80").services(List.of(ServiceInfo.of("svc"))));
    assertThat(d.isRegistered()).isTrue();
    d.register().join(); // a no-op resync
    assertThat(t.redis().smembers(t.prefix + ":index:nodes")).containsExactly("n1");
  }

  /**
   * Nothing under the prefix but the sweeper lease, which every running service (client mode
   * too) takes to remove dead nodes and which names no node of the registry.
   */
  private void assertNothingWrittenButTheSweeperLease() {
    assertThat(t.keys()).isSubsetOf(t.prefix + ":index:sweeper");
  }

  /** Publishes a marker and, once it has arrived, checks that nothing came before it. */
  private void assertNothingPublishedSoFar(List<String> channel) {
    t.redis().publish(t.channel, MARKER);
    await().atMost(Duration.ofSeconds(5)).until(() -> channel.contains(MARKER));
    assertThat(channel).containsExactly(MARKER);
    channel.clear();
  }
}
