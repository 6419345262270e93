package dev.titan.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.titan.discovery.testkit.RedisServer;
import dev.titan.discovery.testkit.RedisServerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The sweeper's schedule end to end, with TTLs long enough that the lease holder checks by the
 * deadlines it has seen (seconds apart) rather than every period, and nodes in child JVMs killed
 * with SIGKILL: a dead node is removed once and never before its TTL, and a dead lease holder is
 * replaced in time for its own node to be removed once too. How long after the TTL is printed (a
 * figure: timing targets live in the benchmarks), never asserted.
 */
@ExtendWith(RedisServerExtension.class)
class SweeperScheduleTest {

  /** TTL 12 s, interval 2 s: the holder checks up to 10.5 s apart. */
  private static final Duration TTL = Duration.ofSeconds(12);
  private static final Duration INTERVAL = Duration.ofSeconds(2);

  private TestRedis t;
  private List<String> raw;
  private final List<EventLog> logs = new ArrayList<>();

  @BeforeEach
  void setUp(RedisServer server) {
    t = new TestRedis(server);
    raw = t.recordChannel();
  }

  @AfterEach
  void tearDown() {
    t.close();
  }

  private DiscoveryService watcher() {
    DiscoveryService w = t.started(Discovery.builder().redisUri(t.server.uri())
        .options(t.fastOptions().heartbeatInterval(INTERVAL).heartbeatTtl(TTL).clientMode(true).build()));
    EventLog log = new EventLog();
    w.onEvent(log);
    logs.add(log);
    return w;
  }

  private Process child(String id) throws Exception {
    return NodeProcessMain.spawn(t.server.uri(), t.prefix, t.channel, id,
        Long.toString(INTERVAL.toMillis()), Long.toString(TTL.toMillis()));
  }

  private String lease() {
    return t.redis().get(t.prefix + ":index:sweeper");
  }

  private long deregistrations(String id) {
    return raw.stream().filter(m -> m.contains("\"NODE_DEREGISTERED\"") && m.contains("\"nodeId\":\"" + id + "\"")).count();
  }

  /** Kills the child, then waits for its one NODE_DEREGISTERED; returns how long after its TTL it came. */
  private long killAndAwaitRemoval(Process child, String id) throws Exception {
    return killAndAwaitRemoval(child, id, TTL.toMillis());
  }

  private long killAndAwaitRemoval(Process child, String id, long ttlMillis) throws Exception {
    long clientsBefore = t.redis().clientList().strip().lines().count();
    child.destroyForcibly(); // SIGKILL: no deregistration, no lease release
    child.waitFor();
    // Redis has seen the child's connections close, so it has run everything the child sent
    await().atMost(Duration.ofSeconds(5)).until(() -> t.redis().clientList().strip().lines().count() < clientsBefore);
    long lastHeartbeat = Long.parseLong(t.redis().get(t.prefix + ":heartbeat:" + id));
    await().atMost(TTL.plusSeconds(15)).pollInterval(Duration.ofMillis(50))
        .until(() -> logs.stream().allMatch(l -> l.has(DiscoveryEvent.Type.NODE_DEREGISTERED, id)));
    await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(4))
        .until(() -> deregistrations(id) == 1 && logs.stream().allMatch(l -> l.count(DiscoveryEvent.Type.NODE_DEREGISTERED, id) == 1));
    DiscoveryEvent e = logs.get(0).events().stream()
        .filter(x -> x.type() == DiscoveryEvent.Type.NODE_DEREGISTERED && x.nodeId().equals(id)).findFirst().orElseThrow();
    assertThat(e.address()).as("the sweeper kept its address before its hash expired").isEqualTo("10.7.7.7:7000");
    assertThat(t.keys()).noneMatch(k -> k.endsWith(":" + id));
    return e.timestamp() - lastHeartbeat - ttlMillis;
  }

  @Test
  void aKilledNodeIsRemovedOnceByAHolderThatChecksByDeadlines() throws Exception {
    watcher();
    watcher();
    await().atMost(Duration.ofSeconds(10)).until(() -> lease() != null);
    Process child = child("child-1");
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> logs.stream().allMatch(l -> l.has(DiscoveryEvent.Type.NODE_REGISTERED, "child-1")));
      long late = killAndAwaitRemoval(child, "child-1");
      System.out.printf("Killed node, holder checking by deadlines: NODE_DEREGISTERED %d ms after its TTL (TTL %d ms)%n",
          late, TTL.toMillis());
      assertThat(late).as("never before the TTL").isGreaterThanOrEqualTo(-50);
    } finally {
      child.destroyForcibly();
    }
  }

  @Test
  void aNewcomerWithAShorterTtlThanTheHoldersIsRemovedOnceWithItsAddress() throws Exception {
    watcher();
    watcher();
    await().atMost(Duration.ofSeconds(10)).until(() -> lease() != null);
    // TTL 3 s against the holder's 12 s: the holder's longest gap (10.5 s) is longer than this
    // node's whole life; its NODE_REGISTERED brings the holder's next check forward
    Process child = NodeProcessMain.spawn(t.server.uri(), t.prefix, t.channel, "short-1", "1000", "3000");
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> logs.stream().allMatch(l -> l.has(DiscoveryEvent.Type.NODE_REGISTERED, "short-1")));
      long late = killAndAwaitRemoval(child, "short-1", 3000);
      System.out.printf("Killed newcomer with a shorter TTL: NODE_DEREGISTERED %d ms after its TTL (TTL 3000 ms)%n", late);
      assertThat(late).as("never before the TTL").isGreaterThanOrEqualTo(-50);
    } finally {
      child.destroyForcibly();
    }
  }

  @Test
  void aKilledLeaseHolderIsReplacedAndItsOwnNodeRemovedOnce() throws Exception {
    Process child = child("holder-1"); // alone: it takes the lease
    try {
      await().atMost(Duration.ofSeconds(15)).until(() -> "holder-1".equals(lease()));
      DiscoveryService w = watcher();
      watcher();
      assertThat(w.findNodesByService("child").join()).extracting(NodeInfo::nodeId).containsExactly("holder-1");
      long late = killAndAwaitRemoval(child, "holder-1");
      System.out.printf("Killed lease holder: its NODE_DEREGISTERED %d ms after its TTL (TTL %d ms)%n",
          late, TTL.toMillis());
      assertThat(late).as("never before the TTL").isGreaterThanOrEqualTo(-50);
      assertThat(lease()).as("a watcher holds the lease now").isNotNull().isNotEqualTo("holder-1");
    } finally {
      child.destroyForcibly();
    }
  }
}
