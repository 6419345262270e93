package dev.titan.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.titan.discovery.testkit.RedisServer;
import dev.titan.discovery.testkit.RedisServerExtension;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(RedisServerExtension.class)
class QueriesTest {

  private TestRedis t;
  private DiscoveryService client;

  @BeforeEach
  void setUp(RedisServer server) {
    t = new TestRedis(server);
    t.node("a", "10.0.0.1:80", ServiceInfo.of("users", "1.0.0"), ServiceInfo.of("auth"));
    t.node("b", "10.0.0.2:80", ServiceInfo.of("users", "2.0.0"));
    t.node("c", "[::1]:8080", ServiceInfo.of("billing", "1.0.0"));
    client = t.client();
  }

  @AfterEach
  void tearDown() {
    t.close();
  }

  @Test
  void everyQueryMethodAnswers() {
    assertThat(client.getActiveNodes().join()).extracting(NodeInfo::nodeId).containsExactlyInAnyOrder("a", "b", "c");
    assertThat(client.findNodes().join()).extracting(NodeInfo::nodeId).containsExactlyInAnyOrder("a", "b", "c");
    assertThat(client.getAllNodes().join()).extracting(NodeInfo::nodeId).containsExactlyInAnyOrder("a", "b", "c");
    assertThat(client.findNodesByService("users").join()).extracting(NodeInfo::nodeId).containsExactlyInAnyOrder("a", "b");
    assertThat(client.findNodesByService("users", "2.0.0").join()).extracting(NodeInfo::nodeId).containsExactly("b");
    assertThat(client.findNodesByService("users", null).join()).hasSize(2);
    assertThat(client.findNodesByService("users", "3").join()).isEmpty();
    assertThat(client.findNodesByService("nobody").join()).isEmpty();
    NodeInfo c = client.getNodeInfo("c").join().orElseThrow();
    assertThat(c.address()).isEqualTo("[::1]:8080");
    assertThat(c.services()).containsExactly(ServiceInfo.of("billing", "1.0.0"));
    assertThat(c.timestamp()).isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(60_000L));
    assertThat(client.getNodeInfo("zzz").join()).isEmpty();
    assertThat(client.nodeExists("a").join()).isTrue();
    assertThat(client.nodeExists("zzz").join()).isFalse();
    assertThat(client.isNodeActive("a").join()).isTrue();
    assertThat(client.isNodeActive("zzz").join()).isFalse();
  }

  @Test
  void returnedListsAreUnmodifiable() {
    List<NodeInfo> nodes = client.getActiveNodes().join();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> nodes.remove(0)).isInstanceOf(UnsupportedOperationException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> nodes.get(0).services().clear()).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void aNodeWrittenByTheTypeScriptImplementationIsFoundByEveryQuery() {
    t.writeTypeScriptNode("ts-1", "10.9.9.9:3000", "[{\"name\":\"users\",\"version\":\"1.0.0\"},{\"name\":\"legacy\"}]", 15_000);
    assertThat(client.getActiveNodes().join()).extracting(NodeInfo::nodeId).contains("ts-1");
    assertThat(client.getAllNodes().join()).extracting(NodeInfo::nodeId).contains("ts-1");
    assertThat(client.findNodesByService("users").join()).extracting(NodeInfo::nodeId).containsExactlyInAnyOrder("a", "b", "ts-1");
    assertThat(client.findNodesByService("users", "1.0.0").join()).extracting(NodeInfo::nodeId).containsExactlyInAnyOrder("a", "ts-1");
    assertThat(client.findNodesByService("legacy").join()).extracting(NodeInfo::nodeId).containsExactly("ts-1");
    assertThat(client.getNodeInfo("ts-1").join()).get().extracting(NodeInfo::address).isEqualTo("10.9.9.9:3000");
    assertThat(client.nodeExists("ts-1").join()).isTrue();
    assertThat(client.isNodeActive("ts-1").join()).isTrue();
  }

  @Test
  void aTypeScriptNodeWhoseHeartbeatIsGoneIsHiddenAndRemovedByTheNextQuery() {
    t.writeTypeScriptNode("ts-dead", "10.9.9.9:3000", "[{\"name\":\"users\"}]", 15_000);
    t.redis().del(t.prefix + ":heartbeat:ts-dead");
    assertThat(client.findNodesByService("users").join()).extracting(NodeInfo::nodeId).doesNotContain("ts-dead");
    assertThat(client.getActiveNodes().join()).extracting(NodeInfo::nodeId).doesNotContain("ts-dead");
    assertThat(t.redis().sismember(t.prefix + ":index:nodes", "ts-dead")).isFalse();
    assertThat(t.redis().exists(t.prefix + ":nodes:ts-dead")).isZero();
  }

  @Test
  void malformedHashesAndWrongKeyTypesAreSkippedNeverFatal() {
    String p = t.prefix;
    t.writeMalformedNodes();
    // a service index of the wrong type
    t.redis().set(p + ":index:services:users", "oops");

    assertThat(client.getActiveNodes().join()).extracting(NodeInfo::nodeId).containsExactlyInAnyOrder("a", "b", "c", "m4");
    assertThat(client.getAllNodes().join()).extracting(NodeInfo::nodeId).containsExactlyInAnyOrder("a", "b", "c", "m4");
    assertThat(client.getNodeInfo("m3").join()).isEmpty();
    assertThat(client.getNodeInfo("m2").join()).isEmpty();
    assertThat(client.findNodesByService("billing").join()).extracting(NodeInfo::nodeId).containsExactly("c");
    // the users index is unusable, so users are found through a full scan
    assertThat(client.findNodesByService("users").join()).extracting(NodeInfo::nodeId).containsExactlyInAnyOrder("a", "b");
    // a registration repairs the corrupt index instead of failing for ever
    t.redis().set(p + ":index:version", "not a number");
    t.node("e", "10.0.0.5:80", ServiceInfo.of("users", "9"));
    assertThat(t.redis().type(p + ":index:services:users")).isEqualTo("set");
    assertThat(client.findNodesByService("users", "9").join()).extracting(NodeInfo::nodeId).containsExactly("e");
  }

  @Test
  void theNodesIndexOfTheWrongTypeBreaksNoQuery() {
    TestRedis other = new TestRedis(t.server);
    try {
      other.redis().set(other.prefix + ":index:nodes", "not a set");
      DiscoveryService c = other.client();
      assertThat(c.getActiveNodes().join()).isEmpty();
      assertThat(c.getAllNodes().join()).isEmpty();
      assertThat(c.findNodesByService("x").join()).isEmpty();
    } finally {
      other.close();
    }
  }

  @Test
  void serviceIndexFollowsTheNode() {
    DiscoveryService d = t.node("d", "10.0.0.4:80", ServiceInfo.of("ship", "1"));
    assertThat(t.redis().smembers(t.prefix + ":index:services:ship")).containsExactly("d");
    d.updateServices(List.of(ServiceInfo.of("dock"))).join();
    assertThat(t.redis().exists(t.prefix + ":index:services:ship")).isZero();
    assertThat(t.redis().smembers(t.prefix + ":index:services:dock")).containsExactly("d");
    assertThat(client.findNodesByService("ship").join()).isEmpty();
    assertThat(client.findNodesByService("dock").join()).extracting(NodeInfo::nodeId).containsExactly("d");
    d.stop().join();
    assertThat(t.redis().exists(t.prefix + ":index:services:dock")).isZero();
    assertThat(client.findNodesByService("dock").join()).isEmpty();
  }

  @Test
  void heartbeatsKeepTheNodeAliveWellPastItsTtl() {
    // TTL is 1 s in these tests; after 3 s the node must still be active (renewed, not re-registered)
    long before = Long.parseLong(t.redis().hget(t.prefix + ":nodes:a", "timestamp"));
    await().atMost(Duration.ofSeconds(10)).until(() ->
        Long.parseLong(t.redis().hget(t.prefix + ":nodes:a", "timestamp")) > before + 3000);
    assertThat(client.isNodeActive("a").join()).isTrue();
    assertThat(client.getActiveNodes().join()).extracting(NodeInfo::nodeId).contains("a", "b", "c");
  }
}
