package dev.titan.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.titan.discovery.testkit.RedisServer;
import dev.titan.discovery.testkit.RedisServerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A node that dies without deregistering is removed, and NODE_DEREGISTERED published exactly
 * once, within TTL + 1 s of its last heartbeat, while nobody queries: only the sweepers of three
 * running services (one holds the lease) notice. Times are compared in Redis server time (the
 * heartbeat's and the event's timestamps both come from Redis TIME), never a client's clock.
 */
@ExtendWith(RedisServerExtension.class)
class ExpiryWithoutQueriesTest {

  private static final long TTL = 1000;
  private static final long BOUND = TTL + 1000;

  private TestRedis t;
  private final List<EventLog> logs = new ArrayList<>();
  private List<String> raw;

  @BeforeEach
  void setUp(RedisServer server) {
    t = new TestRedis(server);
    raw = t.recordChannel();
    for (int i = 0; i < 3; i++) { // three services, three sweepers, no queries
      DiscoveryService watcher = t.client();
      EventLog log = new EventLog();
      watcher.onEvent(log);
      logs.add(log);
    }
  }

  @AfterEach
  void tearDown() {
    t.close();
  }

  private long redisNow() {
    List<String> time = t.redis().time();
    return Long.parseLong(time.get(0)) * 1000 + Long.parseLong(time.get(1)) / 1000;
  }

  private long deregisteredCount(String id) {
    return raw.stream().filter(m -> m.contains("\"NODE_DEREGISTERED\"") && m.contains("\"nodeId\":\"" + id + "\"")).count();
  }

  /** Waits for the one NODE_DEREGISTERED of {@code id} and returns its (Redis) timestamp. */
  private long awaitSingleDeregistration(String id) {
    await().atMost(Duration.ofMillis(BOUND + 3000)).pollInterval(Duration.ofMillis(20))
        .until(() -> logs.stream().allMatch(l -> l.has(DiscoveryEvent.Type.NODE_DEREGISTERED, id)));
    // nothing more arrives: exactly once on the channel and at every listener
    await().during(Duration.ofMillis(1200)).atMost(Duration.ofSeconds(3))
        .until(() -> deregisteredCount(id) == 1 && logs.stream().allMatch(l -> l.count(DiscoveryEvent.Type.NODE_DEREGISTERED, id) == 1));
    assertThat(t.keys()).noneMatch(k -> k.endsWith(":" + id));
    assertThat(t.redis().sismember(t.prefix + ":index:nodes", id)).isFalse();
    return logs.get(0).events().stream()
        .filter(e -> e.type() == DiscoveryEvent.Type.NODE_DEREGISTERED && e.nodeId().equals(id))
        .findFirst().orElseThrow().timestamp();
  }

  @Test
  void aKilledJavaNodeIsRemovedOnceWithinTtlPlusOneSecond() throws Exception {
    long clientsBefore = t.redis().clientList().strip().lines().count();
    Process child = NodeProcessMain.spawn(t.server.uri(), t.prefix, t.channel, "child-1", "200", Long.toString(TTL));
    try {
      await().atMost(Duration.ofSeconds(5)).until(() -> logs.stream().allMatch(l -> l.has(DiscoveryEvent.Type.NODE_REGISTERED, "child-1")));
      child.destroyForcibly(); // SIGKILL: no deregistration
      child.waitFor();
    } finally {
      child.destroyForcibly();
    }
    // Redis has seen the child's connections close, so it has run everything the child sent
    await().atMost(Duration.ofSeconds(5)).until(() -> t.redis().clientList().strip().lines().count() <= clientsBefore);
    long lastHeartbeat = Long.parseLong(t.redis().get(t.prefix + ":heartbeat:child-1"));
    long removedAt = awaitSingleDeregistration("child-1");
    System.out.printf("Killed Java node: NODE_DEREGISTERED %d ms after its last heartbeat (TTL %d ms)%n",
        removedAt - lastHeartbeat, TTL);
    assertThat(removedAt - lastHeartbeat).isGreaterThanOrEqualTo(TTL - 50); // never before the TTL; the upper bound is a figure (printed)
  }

  @Test
  void aTypeScriptNodeIsRemovedOnceWithinTtlPlusOneSecond() {
    long written = redisNow();
    t.writeTypeScriptNode("ts-1", "10.3.3.3:3000", "[{\"name\":\"api\",\"version\":\"1.0.0\"}]", TTL);
    long removedAt = awaitSingleDeregistration("ts-1");
    System.out.printf("TypeScript node: NODE_DEREGISTERED %d ms after its last heartbeat (TTL %d ms)%n",
        removedAt - written, TTL);
    assertThat(removedAt - written).isGreaterThanOrEqualTo(TTL - 50); // never before the TTL; the upper bound is a figure (printed)
    DiscoveryEvent e = logs.get(1).events().stream().filter(x -> x.nodeId().equals("ts-1")).findFirst().orElseThrow();
    // the TypeScript hash expires with the heartbeat (EXPIRE ceil(ttl)); the sweeper keeps its
    // data in index:departing only if it looked at the node shortly before: the event names the
    // node but may have lost its address and services
    assertThat(e.address()).isIn("10.3.3.3:3000", "");
  }

  @Test
  void clientClocksDoNotMatter() {
    // two TypeScript writers whose clocks are an hour off either way: their timestamps lie,
    // the heartbeat TTL (kept by Redis) decides
    long written = redisNow();
    long wall = System.currentTimeMillis();
    for (Map.Entry<String, Long> skew : Map.of("behind", -3_600_000L, "ahead", 3_600_000L).entrySet()) {
      String id = "skew-" + skew.getKey();
      String ts = Long.toString(wall + skew.getValue());
      t.redis().hset(t.prefix + ":nodes:" + id, Map.of("address", "10.4.4.4:1", "services", "[]", "timestamp", ts));
      t.redis().expire(t.prefix + ":nodes:" + id, 3600); // even a hash that would outlive the heartbeat
      t.redis().psetex(t.prefix + ":heartbeat:" + id, TTL, ts);
      t.redis().sadd(t.prefix + ":index:nodes", id);
    }
    long behind = awaitSingleDeregistration("skew-behind");
    long ahead = awaitSingleDeregistration("skew-ahead");
    assertThat(behind - written).isGreaterThanOrEqualTo(TTL - 50); // never before the TTL; the upper bound is a figure (printed)
    assertThat(ahead - written).isGreaterThanOrEqualTo(TTL - 50); // never before the TTL; the upper bound is a figure (printed)
  }

  @Test
  void aLiveNodeIsNeverRemovedBySweepers() {
    DiscoveryService live = t.node("live-1", "10.5.5.5:1", ServiceInfo.of("x"));
    // several TTLs of sweeping by three services: the live node stays, no event about it
    await().during(Duration.ofMillis(3 * TTL)).atMost(Duration.ofMillis(3 * TTL + 2000))
        .until(() -> t.redis().exists(t.prefix + ":heartbeat:live-1") == 1);
    assertThat(deregisteredCount("live-1")).isZero();
    assertThat(live.isRegistered()).isTrue();
  }
}
