package dev.titan.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A node that dies without deregistering (a child JVM killed with SIGKILL) leaves lookups within
 * TTL + 1 s. Removal without queries, exactly-once announcements and TypeScript-written nodes are
 * covered by {@link ExpiryWithoutQueriesTest}.
 */
class ExpiryTest extends RedisTestBase {

  private static final long TTL = 1000;

  @Test
  void aKilledNodeLeavesActiveNodesWithinTtlPlusOneSecond() throws Exception {
    DiscoveryService watcher = t.client();
    Process child = NodeProcessMain.spawn(t.server.uri(), t.prefix, t.channel, "victim", "200", Long.toString(TTL));
    try {
      assertThat(watcher.findNodesByService("child").join()).extracting(NodeInfo::nodeId).containsExactly("victim");
      child.destroyForcibly().waitFor();
      await().atMost(Duration.ofMillis(TTL + 1000)).pollInterval(Duration.ofMillis(20))
          .until(() -> watcher.getActiveNodes().join().stream().noneMatch(n -> n.nodeId().equals("victim")));
      assertThat(watcher.findNodesByService("child").join()).isEmpty();
      assertThat(t.redis().sismember(t.prefix + ":index:nodes", "victim")).isFalse();
    } finally {
      child.destroyForcibly();
    }
  }
}
