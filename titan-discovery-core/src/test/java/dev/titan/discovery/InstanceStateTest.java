package dev.titan.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Instance state on a real Redis: status and metadata written by one service and seen by another
 * service's view, lookups and listeners, each change exactly once; an operator's status kept by
 * the node; the drain timeline; queries by range, status, zone and metadata.
 */
class InstanceStateTest extends RedisTestBase {

  private static final ServiceInfo ORDERS = ServiceInfo.of("orders", "2.1.0");

  private DiscoveryService provider(String id, Map<String, String> metadata, ServiceInfo... services) {
    return t.started(t.builder().nodeId(id).address("10.0.0.1:" + (8000 + id.hashCode() % 1000 + 1000))
        .services(List.of(services)).metadata(metadata));
  }

  private static Optional<NodeInfo> node(List<NodeInfo> nodes, String id) {
    return nodes.stream().filter(n -> n.nodeId().equals(id)).findFirst();
  }

  @Test
  void statusAndMetadataAreSeenByAnotherViewLookupsAndListenersExactlyOnce() {
    DiscoveryService watcher = t.client();
    RegistryView view = watcher.view();
    view.ready().join();
    EventLog log = new EventLog();
    watcher.onEvent(log);

    DiscoveryService a = provider("a", Map.of("zone", "eu-1", "weight", "3"), ORDERS);
    await().atMost(Duration.ofSeconds(5)).until(() -> view.node("a").isPresent());
    assertThat(view.node("a").get().metadata()).containsExactlyInAnyOrderEntriesOf(Map.of("zone", "eu-1", "weight", "3"));
    assertThat(view.node("a").get().status()).isEqualTo(NodeStatus.UP);
    assertThat(view.node("a").get().weight()).isEqualTo(3);
    assertThat(view.node("a").get().zone()).contains("eu-1");

    a.setStatus(NodeStatus.DRAINING).join();
    a.setStatus(NodeStatus.DRAINING).join(); // the same value: nothing written, no event
    await().atMost(Duration.ofSeconds(5)).until(() -> view.node("a").map(NodeInfo::status).orElse(null) == NodeStatus.DRAINING);
    Map<String, String> next = new LinkedHashMap<>();
    next.put("zone", "eu-2");
    next.put("tier", "gold");
    a.updateMetadata(next).join();
    a.updateMetadata(Map.of("tier", "gold", "zone", "eu-2")).join(); // same map, other order: nothing
    await().atMost(Duration.ofSeconds(5)).until(() -> view.node("a").map(n -> n.metadata().get("zone")).orElse("").equals("eu-2"));

    // lookups from Redis (no view) and from the view agree
    NodeInfo fromRedis = node(t.client().findNodesByService("orders").join(), "a").orElseThrow();
    assertThat(fromRedis.status()).isEqualTo(NodeStatus.DRAINING);
    assertThat(fromRedis.metadata()).isEqualTo(Map.of("tier", "gold", "zone", "eu-2"));
    assertThat(watcher.getNodeInfo("a").join()).map(NodeInfo::metadata).contains(Map.of("tier", "gold", "zone", "eu-2"));

    // the status change and the metadata change: one NODE_UPDATED each, carrying the new state
    await().atMost(Duration.ofSeconds(5)).until(() -> log.count(DiscoveryEvent.Type.NODE_UPDATED, "a") >= 2);
    await().during(Duration.ofMillis(400)).atMost(Duration.ofSeconds(2))
        .until(() -> log.count(DiscoveryEvent.Type.NODE_UPDATED, "a") == 2);
    List<DiscoveryEvent> updates = log.events().stream()
        .filter(e -> e.nodeId().equals("a") && e.type() == DiscoveryEvent.Type.NODE_UPDATED).toList();
    assertThat(updates.get(0).status()).isEqualTo(NodeStatus.DRAINING);
    assertThat(updates.get(0).metadata()).containsEntry("zone", "eu-1");
    assertThat(updates.get(1).metadata()).isEqualTo(Map.of("tier", "gold", "zone", "eu-2"));
    assertThat(log.count(DiscoveryEvent.Type.NODE_REGISTERED, "a")).isEqualTo(1);

    // what Redis holds: the reference's three fields plus ours
    Map<String, String> hash = t.redis().hgetall(t.prefix + ":nodes:a");
    assertThat(hash).containsEntry("status", "DRAINING").containsEntry("metadata", "{\"tier\":\"gold\",\"zone\":\"eu-2\"}");
    a.setStatus(NodeStatus.UP).join();
    a.updateMetadata(Map.of()).join();
    assertThat(t.redis().hkeys(t.prefix + ":nodes:a")).containsExactlyInAnyOrder("address", "services", "timestamp");
  }

  @Test
  void anOperatorsStatusIsKeptByTheNodeAndAdoptedAsItsOwn() {
    DiscoveryService a = provider("a", Map.of(), ORDERS);
    DiscoveryService operator = t.client();
    EventLog log = new EventLog();
    operator.onEvent(log);
    operator.setNodeStatus("a", NodeStatus.OUT_OF_SERVICE).join();
    await().atMost(Duration.ofSeconds(5)).until(() -> a.getStatus() == NodeStatus.OUT_OF_SERVICE);
    // a full write of the node (its address changed) keeps the operator's status
    a.updateAddress("10.0.0.9:9000").join();
    assertThat(t.redis().hget(t.prefix + ":nodes:a", "status")).isEqualTo("OUT_OF_SERVICE");
    assertThat(node(operator.find(ServiceQuery.service("orders").build()).join(), "a"))
        .map(NodeInfo::status).contains(NodeStatus.OUT_OF_SERVICE);
    // an unknown node changes nothing, the same status publishes nothing
    operator.setNodeStatus("ghost", NodeStatus.DRAINING).join();
    assertThat(t.redis().exists(t.prefix + ":nodes:ghost")).isZero();
    long updates = log.count(DiscoveryEvent.Type.NODE_UPDATED, "a");
    operator.setNodeStatus("a", NodeStatus.OUT_OF_SERVICE).join();
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
        .until(() -> log.count(DiscoveryEvent.Type.NODE_UPDATED, "a") == updates);
    // back to UP by the node itself
    a.setStatus(NodeStatus.UP).join();
    assertThat(t.redis().hexists(t.prefix + ":nodes:a", "status")).isFalse();
  }

  @Test
  void aNodeWithoutPubSubStillOverridesAnOperatorsStatusWhenItSetsItsOwn() {
    DiscoveryService a = t.started(t.builder().nodeId("a").address("10.0.0.1:80").services(List.of(ORDERS))
        .options(t.fastOptions().pubSubEnabled(false).build()));
    t.client().setNodeStatus("a", NodeStatus.OUT_OF_SERVICE).join();
    assertThat(t.redis().hget(t.prefix + ":nodes:a", "status")).isEqualTo("OUT_OF_SERVICE");
    assertThat(a.getStatus()).isEqualTo(NodeStatus.UP); // not adopted: it hears no events
    a.setStatus(NodeStatus.UP).join(); // the same here, but not in Redis: written
    assertThat(t.redis().hexists(t.prefix + ":nodes:a", "status")).isFalse();
  }

  @Test
  void drainPublishesDrainingKeepsHeartbeatingForTheGraceThenDeregisters() {
    DiscoveryService watcher = t.client();
    EventLog log = new EventLog();
    watcher.onEvent(log);
    DiscoveryService a = provider("a", Map.of(), ORDERS);
    await().atMost(Duration.ofSeconds(5)).until(() -> log.has(DiscoveryEvent.Type.NODE_REGISTERED, "a"));

    var drained = a.drain(Duration.ofSeconds(4)); // long enough for heartbeats on a loaded machine
    await().atMost(Duration.ofSeconds(5)).until(() -> log.events().stream()
        .anyMatch(e -> e.nodeId().equals("a") && e.type() == DiscoveryEvent.Type.NODE_UPDATED && e.status() == NodeStatus.DRAINING));
    // during the grace: still registered, still heartbeating, found as DRAINING
    long sent = a.status().heartbeatsSent();
    await().atMost(Duration.ofSeconds(5)).until(() -> a.status().heartbeatsSent() >= sent + 2 || drained.isDone());
    assertThat(drained).as("heartbeats continue during the grace").isNotDone();
    assertThat(a.isRegistered()).isTrue();
    assertThat(node(watcher.findNodesByService("orders").join(), "a")).map(NodeInfo::status).contains(NodeStatus.DRAINING);
    assertThat(log.has(DiscoveryEvent.Type.NODE_DEREGISTERED, "a")).isFalse();

    drained.join();
    assertThat(a.isRegistered()).isFalse();
    await().atMost(Duration.ofSeconds(5)).until(() -> log.has(DiscoveryEvent.Type.NODE_DEREGISTERED, "a"));
    assertThat(log.events().stream().filter(e -> e.nodeId().equals("a")).map(DiscoveryEvent::type).toList())
        .containsExactly(DiscoveryEvent.Type.NODE_REGISTERED, DiscoveryEvent.Type.NODE_UPDATED, DiscoveryEvent.Type.NODE_DEREGISTERED);
    assertThat(t.redis().exists(t.prefix + ":nodes:a", t.prefix + ":heartbeat:a")).isZero();
    // the service still answers lookups, and changes of its own stay local now
    assertThat(a.findNodesByService("orders").join()).isEmpty();
    a.updateAddress("10.0.0.2:1").join();
    assertThat(t.redis().exists(t.prefix + ":nodes:a")).isZero();
    assertThat(t.client().drain(Duration.ZERO)).isCompletedExceptionally();
  }

  @Test
  void findFiltersByRangeStatusZoneAndMetadataFromRedisAndFromTheView() {
    provider("v200", Map.of("zone", "eu-1"), ServiceInfo.of("orders", "2.0.0"));
    provider("v210", Map.of("zone", "eu-1", "tier", "gold"), ServiceInfo.of("orders", "2.1.0"));
    provider("v253", Map.of("zone", "eu-2", "tier", "gold"), ServiceInfo.of("orders", "2.5.3"));
    provider("v300", Map.of("zone", "eu-1"), ServiceInfo.of("orders", "3.0.0"));
    provider("beta", Map.of("zone", "eu-1"), ServiceInfo.of("orders", "2.2.0-beta.1"));
    provider("latest", Map.of("zone", "eu-1"), ServiceInfo.of("orders", "latest"));
    provider("nover", Map.of("zone", "eu-1"), ServiceInfo.of("orders"));
    provider("other", Map.of("zone", "eu-1"), ServiceInfo.of("billing", "2.1.0"));
    DiscoveryService out = provider("v260", Map.of("zone", "eu-1"), ServiceInfo.of("orders", "2.6.0"));
    out.setStatus(NodeStatus.OUT_OF_SERVICE).join();

    DiscoveryService fromRedis = t.client();
    DiscoveryService withView = t.client();
    withView.view().ready().join();
    for (DiscoveryService d : List.of(fromRedis, withView)) {
      assertThat(ids(d, ServiceQuery.service("orders").versionRange("^2.1").build()))
          .containsExactlyInAnyOrder("v210", "v253", "v260");
      assertThat(ids(d, ServiceQuery.service("orders").versionRange("^2.1").status(NodeStatus.UP).build()))
          .containsExactlyInAnyOrder("v210", "v253");
      assertThat(ids(d, ServiceQuery.service("orders").versionRange(">=2.2.0-beta.0 <2.3").build()))
          .containsExactlyInAnyOrder("beta");
      assertThat(ids(d, ServiceQuery.service("orders").versionRange("*").zone("eu-1").status(NodeStatus.UP).build()))
          .containsExactlyInAnyOrder("v200", "v210", "v300");
      assertThat(ids(d, ServiceQuery.service("orders").metadata("tier", "gold").build()))
          .containsExactlyInAnyOrder("v210", "v253");
      assertThat(ids(d, ServiceQuery.service("orders").version("latest").build())).containsExactly("latest");
      assertThat(ids(d, ServiceQuery.service("orders").build()))
          .containsExactlyInAnyOrder("v200", "v210", "v253", "v300", "beta", "latest", "nover", "v260");
      assertThat(ids(d, ServiceQuery.service("nothing").versionRange("^1").build())).isEmpty();
    }
  }

  private static List<String> ids(DiscoveryService d, ServiceQuery q) {
    await().atMost(Duration.ofSeconds(5)).until(() -> d.find(q).join() != null);
    return d.find(q).join().stream().map(NodeInfo::nodeId).collect(Collectors.toList());
  }

  @Test
  void badMetadataAndRangesAreRejectedNamingTheArgumentAndValue() {
    assertThatThrownBy(() -> t.builder().metadata(Map.of("weight", "0")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("weight").hasMessageContaining("'0'");
    assertThatThrownBy(() -> t.builder().metadata(Map.of("weight", "1.5"))).hasMessageContaining("'1.5'");
    assertThatThrownBy(() -> t.builder().metadata(Map.of("bad key", "v")))
        .hasMessageContaining("metadata key").hasMessageContaining("'bad key'");
    assertThatThrownBy(() -> t.builder().metadata(Map.of("k", "x".repeat(513))))
        .hasMessageContaining("metadata value of 'k'").hasMessageContaining("512");
    assertThatThrownBy(() -> t.builder().metadata(Map.of("k", "a\nb"))).hasMessageContaining("control");
    assertThatThrownBy(() -> t.builder().metadata(Map.of("zone", " "))).hasMessageContaining("zone");
    Map<String, String> many = new LinkedHashMap<>();
    for (int i = 0; i < 33; i++) {
      many.put("k" + i, "v");
    }
    assertThatThrownBy(() -> t.builder().metadata(many)).hasMessageContaining("32").hasMessageContaining("33");
    assertThatThrownBy(() -> ServiceQuery.service("orders").versionRange("^2.x.y.z"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("versionRange").hasMessageContaining("'^2.x.y.z'");
    assertThatThrownBy(() -> ServiceQuery.service("orders").versionRange("latest")).hasMessageContaining("'latest'");
    assertThatThrownBy(() -> ServiceQuery.service(" ")).hasMessageContaining("service name");
    DiscoveryService a = provider("a", Map.of(), ORDERS);
    assertThatThrownBy(() -> a.updateMetadata(Map.of("weight", "-1"))).hasMessageContaining("'-1'");
    assertThatThrownBy(() -> a.drain(Duration.ofSeconds(-1))).hasMessageContaining("grace");
  }
}
