package dev.titan.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.titan.discovery.testkit.RedisServer;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Redis killed and restarted empty, connections cut, script cache flushed, server stalled. */
class FaultsTest {

  private RedisServer server;
  private TestRedis t;

  @BeforeEach
  void setUp() {
    server = RedisServer.start();
    t = new TestRedis(server);
  }

  @AfterEach
  void tearDown() {
    t.close();
    server.close();
  }

  /** Publishes marker events until the watcher hears one: proves its subscription works again. */
  private void awaitEventsFlow(List<DiscoveryEvent> heard) {
    await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).until(() -> {
      String id = "marker-" + UUID.randomUUID().toString().substring(0, 8);
      try (TestRedis fresh = new TestRedis(server, t.prefix)) {
        fresh.redis().publish(t.channel, "{\"type\":\"NODE_REGISTERED\",\"nodeId\":\"" + id + "\",\"address\":\"x:1\",\"services\":[],\"timestamp\":1}");
      }
      return await().atMost(Duration.ofMillis(500)).pollInterval(Duration.ofMillis(10))
          .until(() -> heard.stream().anyMatch(e -> e.nodeId().equals(id)), ok -> true);
    });
  }

  private boolean registered(String id) {
    try (TestRedis fresh = new TestRedis(server, t.prefix)) {
      return fresh.redis().exists(t.prefix + ":nodes:" + id, t.prefix + ":heartbeat:" + id) == 2
          && fresh.redis().sismember(t.prefix + ":index:nodes", id);
    } catch (RuntimeException e) {
      return false;
    }
  }

  @Test
  void redisRestartedEmptyTheNodeWritesItselfBackAndEventsFlowAgain() {
    DiscoveryService node = t.node("a", "10.0.0.1:80", ServiceInfo.of("svc"));
    DiscoveryService watcher = t.client();
    List<DiscoveryEvent> heard = new CopyOnWriteArrayList<>();
    watcher.onEvent(heard::add);
    server.restart(); // SIGKILL, then a new empty server on the same port
    await().atMost(Duration.ofSeconds(5)).until(() -> registered("a"));
    // the watcher's own connection may still be reconnecting (commands are rejected meanwhile)
    await().atMost(Duration.ofSeconds(5)).ignoreExceptions()
        .untilAsserted(() -> assertThat(watcher.findNodesByService("svc").join()).extracting(NodeInfo::nodeId)
            .containsExactly("a"));
    awaitEventsFlow(heard);
    assertThat(node.isRegistered()).isTrue();
  }

  @Test
  void heartbeatsRetryWhileRedisIsDownAndResumeWhenItIsBack() {
    DiscoveryService node = t.started(t.builder().options(t.fastOptions().maxRetries(2).build()).nodeId("a").address("10.0.0.1:80"));
    server.kill();
    // every attempt fails; the schedule goes on after each round of retries
    await().atMost(Duration.ofSeconds(10)).until(() -> node.status().heartbeatsFailed() >= 6);
    assertThat(node.isRegistered()).isTrue(); // as in the reference: still registered while failing
    server.restart();
    await().atMost(Duration.ofSeconds(5)).until(() -> registered("a"));
  }

  @Test
  void cutConnectionsAreReopenedAndTheSubscriptionRestored() {
    DiscoveryService node = t.node("a", "10.0.0.1:80");
    DiscoveryService watcher = t.client();
    List<DiscoveryEvent> heard = new CopyOnWriteArrayList<>();
    watcher.onEvent(heard::add);
    long sent = node.status().heartbeatsSent();
    assertThat(server.command("CLIENT", "KILL", "TYPE", "pubsub")).startsWith(":");
    server.command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
    await().atMost(Duration.ofSeconds(5)).until(() -> node.status().heartbeatsSent() > sent + 2);
    assertThat(registered("a")).isTrue();
    awaitEventsFlow(heard);
  }

  @Test
  void aFlushedScriptCacheIsReloadedTransparently() {
    DiscoveryService node = t.node("a", "10.0.0.1:80");
    t.redis().scriptFlush();
    long sent = node.status().heartbeatsSent();
    await().atMost(Duration.ofSeconds(5)).until(() -> node.status().heartbeatsSent() > sent + 2);
    assertThat(node.status().heartbeatsFailed()).isZero();
    assertThat(node.getActiveNodes().join()).extracting(NodeInfo::nodeId).containsExactly("a");
  }

  @Test
  void aStalledServerGetsOneHeartbeatNotAQueuedBurst() {
    DiscoveryService node = t.started(t.builder()
        .options(t.fastOptions().heartbeatInterval(Duration.ofMillis(100)).commandTimeout(Duration.ofSeconds(5)).build())
        .nodeId("a").address("10.0.0.1:80"));
    await().atMost(Duration.ofSeconds(5)).until(() -> node.status().heartbeatsSent() >= 3);
    long before = evalshaCalls();
    long sentBefore = node.status().heartbeatsSent();
    server.command("CLIENT", "PAUSE", "1500", "ALL"); // 15 intervals without any reply
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5)).until(() -> node.status().heartbeatsSent() > sentBefore);
    long during = evalshaCalls() - before;
    // one heartbeat was in flight during the stall, then the schedule resumed: not 15 queued ones
    assertThat(during).isLessThanOrEqualTo(4);
    assertThat(node.status().heartbeatsFailed()).isZero();
  }

  private long evalshaCalls() {
    String info = server.command("INFO", "commandstats");
    Matcher m = Pattern.compile("cmdstat_evalsha:calls=(\\d+)").matcher(info);
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }
}
