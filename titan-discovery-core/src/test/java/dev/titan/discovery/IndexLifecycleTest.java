package dev.titan.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.titan.discovery.internal.Keys;
import dev.titan.discovery.internal.registry.RegistryWriter;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Our index entries (service sets, service names, deadlines, change counter, sequence messages) appear and
 * disappear with their node, and nodes written by the TypeScript implementation are still found.
 */
class IndexLifecycleTest extends RedisTestBase {


  private boolean indexed(String service, String id) {
    return t.redis().sismember(t.prefix + ":index:services:" + service, id);
  }

  private void assertNoEntries(String id, String... services) {
    assertThat(t.redis().sismember(t.prefix + ":index:nodes", id)).isFalse();
    assertThat(t.redis().zscore(t.prefix + ":index:deadlines", id)).isNull();
    assertThat(t.redis().hexists(t.prefix + ":index:departing", id)).isFalse();
    for (String s : services) {
      assertThat(indexed(s, id)).as("index of " + s).isFalse();
    }
  }

  @Test
  void entriesFollowRegistrationUpdateAndDeregistration() {
    DiscoveryService node = t.node("n1", "10.0.0.1:80", ServiceInfo.of("web", "1"), ServiceInfo.of("api"));
    DiscoveryService other = t.node("n2", "10.0.0.2:80", ServiceInfo.of("web", "2"));
    assertThat(indexed("web", "n1")).isTrue();
    assertThat(indexed("api", "n1")).isTrue();
    assertThat(t.redis().zscore(t.prefix + ":index:deadlines", "n1")).isNotNull();
    assertThat(t.redis().smembers(t.prefix + ":index:names")).containsExactlyInAnyOrder("web", "api");

    node.updateServices(List.of(ServiceInfo.of("api"), ServiceInfo.of("db", "3"))).join();
    assertThat(indexed("web", "n1")).isFalse();
    assertThat(indexed("db", "n1")).isTrue();
    assertThat(other.findNodesByService("web").join()).extracting(NodeInfo::nodeId).containsExactly("n2");
    assertThat(other.findNodesByService("db", "3").join()).extracting(NodeInfo::nodeId).containsExactly("n1");
    assertThat(other.findNodesByService("db", "4").join()).isEmpty();

    other.updateNodeServices("n1", List.of(ServiceInfo.of("cache"))).join(); // written by another node
    assertThat(indexed("api", "n1")).isFalse();
    assertThat(indexed("cache", "n1")).isTrue();

    node.stop().join();
    assertNoEntries("n1", "web", "api", "db", "cache");
    other.stop().join();
    assertThat(t.keys()).isEmpty();
  }

  @Test
  void entriesOfAnExpiredNodeAreRemovedByTheSweeper() throws Exception {
    DiscoveryService watcher = t.client();
    RedisClient client = RedisClient.create(t.server.uri());
    try (StatefulRedisConnection<String, String> conn = client.connect()) {
      RegistryWriter writer = new RegistryWriter(conn.async(), new Keys(t.prefix), 300, t.channel);
      writer.register("dying", "10.0.0.9:80", List.of(ServiceInfo.of("web"), ServiceInfo.of("db", "1"))).join();
      assertThat(indexed("web", "dying")).isTrue();
      // never renewed: the sweeper of the watcher removes it once its deadline passed
      await().atMost(Duration.ofSeconds(10)).until(() -> !t.redis().sismember(t.prefix + ":index:nodes", "dying"));
      assertNoEntries("dying", "web", "db");
      assertThat(watcher.findNodesByService("web").join()).isEmpty();
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  @Test
  void typeScriptNodesAreFoundByEveryQueryAndAdoptedForExpiry() {
    DiscoveryService ours = t.node("java-1", "10.0.0.1:80", ServiceInfo.of("web", "1"));
    t.writeTypeScriptNode("ts-1", "10.0.0.7:80", "[{\"name\":\"web\",\"version\":\"2\"},{\"name\":\"db\"}]", 60_000);
    assertThat(ours.findNodesByService("web").join()).extracting(NodeInfo::nodeId).containsExactlyInAnyOrder("java-1", "ts-1");
    assertThat(ours.findNodesByService("web", "2").join()).extracting(NodeInfo::nodeId).containsExactly("ts-1");
    assertThat(ours.findNodesByService("db").join()).extracting(NodeInfo::nodeId).containsExactly("ts-1");
    assertThat(ours.getActiveNodes().join()).extracting(NodeInfo::nodeId).containsExactlyInAnyOrder("java-1", "ts-1");
    assertThat(ours.getNodeInfo("ts-1").join()).isPresent();
    // the sweeper adopts it into the deadline index so that it can expire without a query
    await().atMost(Duration.ofSeconds(5)).until(() -> t.redis().zscore(t.prefix + ":index:deadlines", "ts-1") != null);
    t.redis().del(t.prefix + ":heartbeat:ts-1"); // its process died
    t.redis().zadd(t.prefix + ":index:deadlines", 1, "ts-1");
    await().atMost(Duration.ofSeconds(5)).until(() -> !t.redis().sismember(t.prefix + ":index:nodes", "ts-1"));
    assertThat(ours.findNodesByService("db").join()).isEmpty();
  }

  @Test
  void everyChangeIsAnnouncedWithTheNextVersionRightBeforeItsEvent() {
    List<String> seq = t.recordChannel(t.channel + ":seq");
    List<String> events = t.recordChannel();
    DiscoveryService a = t.node("a", "10.0.0.1:80", ServiceInfo.of("web"));
    a.updateAddress("10.0.0.1:81").join();
    a.stop().join();
    await().atMost(Duration.ofSeconds(5)).until(() -> seq.size() >= 3 && events.size() >= 3);
    assertThat(seq).hasSize(3);
    long first = Long.parseLong(seq.get(0).split(" ")[0]);
    assertThat(seq).containsExactly(first + " a", (first + 1) + " a", (first + 2) + " a");
    assertThat(events).hasSize(3);
    // the registry became empty: the counter is gone, so a new one starts from the clock
    assertThat(t.redis().exists(t.prefix + ":index:version")).isZero();
    assertThat(t.redis().exists(t.prefix + ":index:version:log")).as("and so is the change log").isZero();
  }
}
