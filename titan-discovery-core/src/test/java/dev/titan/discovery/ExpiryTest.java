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

/** Nodes that die without deregistering: a child JVM killed with SIGKILL, or a raw TypeScript node. */
@ExtendWith(RedisServerExtension.class)
class ExpiryTest {

  private static final long TTL = 1000;
  private TestRedis t;

  @BeforeEach
  void setUp(RedisServer server) {
    t = new TestRedis(server);
  }

  @AfterEach
  void tearDown() {
    t.close();
  }

  private long deregistrations(List<String> raw, String id) {
    return raw.stream().filter(m -> m.startsWith("{\"type\":\"NODE_DEREGISTERED\",\"nodeId\":\"" + id + "\"")).count();
  }

  @Test
  void aKilledNodeLeavesActiveNodesWithinTtlPlusOneSecond() throws Exception {
    DiscoveryService watcher = t.client();
    Process child = NodeProcessMain.spawn(t.server.uri(), t.prefix, t.channel, "victim", TTL, 200);
    try {
      assertThat(watcher.findNodesByService("doomed").join()).extracting(NodeInfo::nodeId).containsExactly("victim");
      child.destroyForcibly().waitFor();
      await().atMost(Duration.ofMillis(TTL + 1000)).pollInterval(Duration.ofMillis(20))
          .until(() -> watcher.getActiveNodes().join().stream().noneMatch(n -> n.nodeId().equals("victim")));
      assertThat(watcher.findNodesByService("doomed").join()).isEmpty();
      assertThat(t.redis().sismember(t.prefix + ":index:nodes", "victim")).isFalse();
    } finally {
      child.destroyForcibly();
    }
  }

  @Test
  void withoutAnyQueryTheSweeperRemovesItAndExactlyOneDepartureIsPublished() throws Exception {
    List<String> raw = t.recordChannel();
    // several services, each running a sweeper; none of them queries
    t.client();
    t.client();
    t.node("survivor", "10.0.0.1:80");
    Process child = NodeProcessMain.spawn(t.server.uri(), t.prefix, t.channel, "victim", TTL, 200);
    try {
      child.destroyForcibly().waitFor();
      await().atMost(Duration.ofMillis(TTL + 1000)).pollInterval(Duration.ofMillis(20))
          .until(() -> !t.redis().sismember(t.prefix + ":index:nodes", "victim"));
      await().atMost(Duration.ofSeconds(2)).until(() -> deregistrations(raw, "victim") >= 1);
      assertThat(t.redis().exists(t.prefix + ":nodes:victim", t.prefix + ":heartbeat:victim")).isZero();
      assertThat(t.redis().zscore(t.prefix + ":index:deadlines", "victim")).isNull();
      assertThat(t.redis().hget(t.prefix + ":index:meta", "victim")).isNull();
      assertThat(t.redis().exists(t.prefix + ":index:services:doomed")).isZero();
      // later sweeps and queries do not announce it again
      DiscoveryService late = t.client();
      late.getActiveNodes().join();
      late.findNodesByService("doomed").join();
      t.redis().publish(t.channel, "{\"type\":\"NODE_REGISTERED\",\"nodeId\":\"marker\"}");
      await().atMost(Duration.ofSeconds(5)).until(() -> raw.stream().anyMatch(m -> m.contains("marker")));
      assertThat(deregistrations(raw, "victim")).isEqualTo(1);
      assertThat(raw.stream().filter(m -> m.contains("NODE_DEREGISTERED")).findFirst().orElseThrow())
          .contains("\"address\":\"10.1.1.1:8080\"").contains("\"services\":[{\"name\":\"doomed\",\"version\":\"1\"}]");
      assertThat(t.redis().sismember(t.prefix + ":index:nodes", "survivor")).isTrue();
    } finally {
      child.destroyForcibly();
    }
  }

  @Test
  void aTypeScriptNodeThatStopsBeatingIsSweptToo() {
    List<String> raw = t.recordChannel();
    t.client(); // runs a sweeper, never queries
    t.writeTypeScriptNode("ts-node", "10.2.2.2:3000", "[{\"name\":\"legacy\"}]", TTL);
    await().atMost(Duration.ofMillis(TTL + 2000)).pollInterval(Duration.ofMillis(20))
        .until(() -> !t.redis().sismember(t.prefix + ":index:nodes", "ts-node"));
    await().atMost(Duration.ofSeconds(2)).until(() -> deregistrations(raw, "ts-node") == 1);
    assertThat(t.keys()).doesNotContain(t.prefix + ":nodes:ts-node");
  }
}
