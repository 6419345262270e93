package dev.titan.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.titan.discovery.testkit.RedisServer;
import dev.titan.discovery.testkit.TcpProxy;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Network faults through a TCP proxy between a node and Redis (stall, slow, drop), and a Redis
 * restarted empty. Each test has its own server.
 */
class NetworkFaultTest {

  private RedisServer server;
  private TestRedis t;
  private TcpProxy proxy;
  private ScheduledExecutorService poller;

  @BeforeEach
  void setUp() {
    server = RedisServer.start();
    t = new TestRedis(server);
    proxy = TcpProxy.start(server.port());
    poller = Executors.newSingleThreadScheduledExecutor();
  }

  @AfterEach
  void tearDown() {
    poller.shutdownNow();
    t.close();
    proxy.close();
    server.close();
  }

  /** A node behind the proxy: interval 200 ms, TTL 2.5 s, command timeout 300 ms. */
  private DiscoveryService nodeBehindProxy(String id) {
    DiscoveryOptions o = t.fastOptions()
        .heartbeatInterval(Duration.ofMillis(200))
        .heartbeatTtl(Duration.ofMillis(2500))
        .commandTimeout(Duration.ofMillis(300))
        .build();
    return t.started(Discovery.builder().redisUri(proxy.uri()).options(o).nodeId(id).address("10.0.0.1:1")
        .services(List.of(ServiceInfo.of("svc"))));
  }

  /** Polls a direct watcher's lookups every 50 ms; counts lookups that lacked the node. */
  private AtomicInteger watchMissing(DiscoveryService watcher, String id, AtomicLong lookups) {
    AtomicInteger missing = new AtomicInteger();
    poller.scheduleWithFixedDelay(() -> {
      try {
        Set<String> ids = watcher.getActiveNodes().get(2, TimeUnit.SECONDS).stream().map(NodeInfo::nodeId).collect(Collectors.toSet());
        lookups.incrementAndGet();
        if (!ids.contains(id)) {
          missing.incrementAndGet();
        }
      } catch (Exception e) {
        // the watcher is not behind the proxy; a failure here would show as too few lookups
      }
    }, 0, 50, TimeUnit.MILLISECONDS);
    return missing;
  }

  @Test
  void stallsBelowTheTtlNeverMakeALiveNodeFlapAndHeartbeatsRetry() {
    DiscoveryService node = nodeBehindProxy("stalled");
    DiscoveryService watcher = t.client();
    EventLog log = new EventLog();
    watcher.onEvent(log);
    AtomicLong lookups = new AtomicLong();
    AtomicInteger missing = watchMissing(watcher, "stalled", lookups);

    for (int round = 0; round < 3; round++) { // three stalls of 1.2 s, well below the 2.5 s TTL
      long failedBefore = node.status().heartbeatsFailed();
      long sentBefore = node.status().heartbeatsSent();
      proxy.stall();
      await().atMost(Duration.ofSeconds(3)).until(() -> node.status().heartbeatsFailed() > failedBefore);
      // the stall lasts while the watcher looks 24 times (every 50 ms: about 1.2 s, below the TTL)
      long lookupsInStall = lookups.get();
      await().atMost(Duration.ofSeconds(10)).until(() -> lookups.get() >= lookupsInStall + 24);
      proxy.pass();
      await().atMost(Duration.ofSeconds(2)).until(() -> node.status().heartbeatsSent() > sentBefore);
    }
    proxy.slow(Duration.ofMillis(150)); // and a slow link for a while
    long sent = node.status().heartbeatsSent();
    await().atMost(Duration.ofSeconds(5)).until(() -> node.status().heartbeatsSent() >= sent + 5);
    proxy.pass();

    assertThat(lookups.get()).as("lookups done by the watcher").isGreaterThan(50);
    assertThat(missing.get()).as("lookups that lost the live node").isZero();
    assertThat(log.count(DiscoveryEvent.Type.NODE_DEREGISTERED, "stalled")).isZero();
    assertThat(log.count(DiscoveryEvent.Type.NODE_REGISTERED, "stalled")).isZero();
    assertThat(node.status().heartbeatsFailed()).as("failed attempts, each retried").isGreaterThan(0);
    assertThat(node.isRegistered()).isTrue();
  }

  @Test
  void afterADropTheEventStreamResumes() {
    DiscoveryService watcher = t.started(Discovery.builder().redisUri(proxy.uri())
        .options(t.fastOptions().clientMode(true).build()));
    EventLog log = new EventLog();
    watcher.onEvent(log);
    DiscoveryService node = t.node("mover", "10.0.0.1:1", ServiceInfo.of("svc"));
    await().atMost(Duration.ofSeconds(3)).until(() -> log.has(DiscoveryEvent.Type.NODE_REGISTERED, "mover"));

    for (int round = 0; round < 2; round++) {
      log.clear();
      long droppedAt = System.nanoTime();
      proxy.drop();
      // keep changing the node until the watcher hears it again (changes before the
      // re-subscription are lost: pub/sub is at-most-once)
      AtomicInteger port = new AtomicInteger(2 + round * 100);
      await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100)).until(() -> {
        node.updateAddress("10.0.0.1:" + port.incrementAndGet()).join();
        return log.has(DiscoveryEvent.Type.NODE_UPDATED, "mover");
      });
      long resumedMillis = (log.received().get(0).atNanos() - droppedAt) / 1_000_000;
      System.out.printf("Proxy drop %d: events flow again after %d ms%n", round + 1, resumedMillis);
      assertThat(resumedMillis).isLessThan(3000);
      // and the watcher's lookups see the latest address
      String expected = "10.0.0.1:" + port.get();
      await().atMost(Duration.ofSeconds(2)).until(() -> watcher.getNodeInfo("mover").join()
          .map(NodeInfo::address).orElse("").equals(expected));
    }
    assertThat(proxy.accepted()).as("the watcher reconnected").isGreaterThanOrEqualTo(6);
  }

  @Test
  void aChangeMadeWhileTheWatcherIsCutOffReachesItsLocalView() {
    DiscoveryService watcher = t.started(Discovery.builder().redisUri(proxy.uri())
        .options(t.fastOptions().clientMode(true).build()));
    RegistryView view = watcher.view();
    view.ready().join();
    DiscoveryService node = t.node("mover", "10.0.0.1:1", ServiceInfo.of("svc"));
    await().atMost(Duration.ofSeconds(3)).until(() -> view.node("mover").isPresent());
    for (int round = 0; round < 3; round++) {
      proxy.drop();
      String address = "10.0.0.1:" + (100 + round);
      node.updateAddress(address).join(); // published while the watcher's subscription is cut
      // no further change is made: the view must notice the gap and read the registry again
      await().atMost(Duration.ofSeconds(10)).until(() ->
          view.node("mover").map(NodeInfo::address).orElse("").equals(address));
    }
    await().atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() ->
        view.nodes().stream().map(n -> n.nodeId() + "@" + n.address()).collect(Collectors.toSet())
            .equals(watcher.getActiveNodes().join().stream().map(n -> n.nodeId() + "@" + n.address()).collect(Collectors.toSet())));
  }

  @Test
  void redisRestartedEmptyEveryNodeIsBackWithinAnIntervalWithoutABurst() {
    Duration interval = Duration.ofMillis(200);
    DiscoveryOptions o = t.fastOptions().heartbeatInterval(interval).heartbeatTtl(Duration.ofMillis(2000)).build();
    List<String> ids = List.of("r1", "r2", "r3", "r4", "r5");
    List<DiscoveryService> nodes = ids.stream()
        .map(id -> t.started(Discovery.builder().redisUri(server.uri()).options(o).nodeId(id).address("10.0.0.2:1")))
        .toList();
    assertThat(t.redis().smembers(t.prefix + ":index:nodes")).containsExactlyInAnyOrderElementsOf(ids);

    long[] failedAtKill = nodes.stream().mapToLong(n -> n.status().heartbeatsFailed()).toArray();
    server.kill();
    // an outage of many heartbeats (every node fails 15 attempts): the reference would fire the
    // heartbeats it queued meanwhile
    await().atMost(Duration.ofSeconds(20)).until(() -> java.util.stream.IntStream.range(0, nodes.size())
        .allMatch(i -> nodes.get(i).status().heartbeatsFailed() >= failedAtKill[i] + 15));
    long[] sentAtRestart = nodes.stream().mapToLong(n -> n.status().heartbeatsSent()).toArray();
    server.restart(); // same port, empty (script cache too)
    long restartedAt = System.nanoTime();
    // when each node is back, to see that the fleet does not come back in lock-step (jitter)
    java.util.Map<String, Long> backAt = new java.util.concurrent.ConcurrentHashMap<>();
    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5)).until(() -> {
      String members = server.command("SMEMBERS", t.prefix + ":index:nodes");
      long now = System.nanoTime();
      for (String id : ids) {
        if (members.contains(id + "\r\n")) {
          backAt.putIfAbsent(id, now);
        }
      }
      return backAt.size() == ids.size();
    });
    long backMillis = (System.nanoTime() - restartedAt) / 1_000_000;
    List<Long> offsets = backAt.values().stream().map(v -> (v - restartedAt) / 1_000_000).sorted().toList();
    // how soon they are back is a timing figure: printed below, measured as such in the benchmarks

    long windowStart = System.nanoTime();
    String before = server.command("INFO", "commandstats");
    long sentAtWindow = nodes.stream().mapToLong(n -> n.status().heartbeatsSent()).sum();
    // a window of five heartbeats per node
    await().atMost(Duration.ofSeconds(10))
        .until(() -> nodes.stream().mapToLong(n -> n.status().heartbeatsSent()).sum() >= sentAtWindow + 5L * nodes.size());
    double windowSeconds = (System.nanoTime() - windowStart) / 1e9;
    String after = server.command("INFO", "commandstats");
    long scriptCalls = calls(after, "evalsha") + calls(after, "eval");
    long totalSent = 0;
    for (int i = 0; i < nodes.size(); i++) {
      long sent = nodes.get(i).status().heartbeatsSent() - sentAtRestart[i];
      totalSent += sent;
      // from the restart to now: back in one write, then one per interval, never a batch
      long elapsedIntervals = (System.nanoTime() - restartedAt) / interval.toNanos();
      assertThat(sent).as("heartbeats of %s since the restart", ids.get(i)).isLessThanOrEqualTo(elapsedIntervals + 2);
    }
    // since the restart: per node a first write (renew + register, each EVALSHA then EVAL on
    // NOSCRIPT) and then one EVALSHA per interval; per service a sweep every 500 ms
    long elapsedMillis = (System.nanoTime() - restartedAt) / 1_000_000;
    long expectedMax = ids.size() * (4 + elapsedMillis / interval.toMillis() + 1) + (ids.size() + 1) * (elapsedMillis / 500 + 2);
    System.out.printf("Redis restarted empty: %d nodes back %d ms after the restart (each node, ms: %s); %d script"
        + " calls in the %d ms since (bound %d), %d heartbeats%n",
        ids.size(), backMillis, offsets, scriptCalls, elapsedMillis, expectedMax, totalSent);
    // reconnect delays are jittered: the nodes do not all come back at the same moment
    assertThat(offsets.get(offsets.size() - 1) - offsets.get(0)).as("spread of the comebacks %s", offsets).isGreaterThan(10);
    assertThat(before).contains("cmdstat_evalsha");
    assertThat(scriptCalls).isLessThanOrEqualTo(expectedMax);
    assertThat(windowSeconds).isPositive();
  }

  private static long calls(String commandstats, String command) {
    for (String line : commandstats.split("\r\n")) {
      if (line.startsWith("cmdstat_" + command + ":calls=")) {
        String v = line.substring(("cmdstat_" + command + ":calls=").length());
        return Long.parseLong(v.substring(0, v.indexOf(',')));
      }
    }
    return 0;
  }
}
