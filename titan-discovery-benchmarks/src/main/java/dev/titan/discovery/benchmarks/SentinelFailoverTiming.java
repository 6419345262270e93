package dev.titan.discovery.benchmarks;

import dev.titan.discovery.Discovery;
import dev.titan.discovery.DiscoveryOptions;
import dev.titan.discovery.DiscoveryService;
import dev.titan.discovery.ServiceInfo;
import dev.titan.discovery.testkit.RedisSentinelSetup;
import dev.titan.discovery.testkit.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * How fast heartbeats reach the new master after a Sentinel failover: per run a fresh master,
 * replica and three sentinels ({@code down-after-milliseconds} 1000), one node (heartbeat
 * interval 500 ms, pub/sub on: two connections), the master SIGKILLed at a random moment of the
 * heartbeat interval. Measured: kill to the first {@code +switch-master} a client of the sentinels
 * hears, to the first heartbeat on the new master (its heartbeat key polled every 2 ms), and the
 * age the node's heartbeat key reached on the new master before that heartbeat (from the last
 * heartbeat replicated before the kill): a heartbeat TTL must exceed it, or the node expires
 * during the failover.
 *
 * <p>Run: {@code mvn -B -q -pl titan-discovery-benchmarks -am package -DskipTests && java -cp
 * titan-discovery-benchmarks/target/benchmarks.jar
 * dev.titan.discovery.benchmarks.SentinelFailoverTiming [runs] [--baseline]}. {@code
 * --baseline} hands the library a caller's client with the back-off alone (jittered, at most 1 s
 * apart), as before the reconnect on {@code +switch-master}.
 */
public final class SentinelFailoverTiming {

  private static final Duration INTERVAL = Duration.ofMillis(500);
  private static final Duration TTL = Duration.ofSeconds(10); // long enough never to expire here
  private static final String PREFIX = "timing";

  private SentinelFailoverTiming() {}

  /** One failover. */
  private record Run(long switchMillis, long firstBeatMillis, long keyAgeMillis) {}

  /**
   * Runs the measurement and prints the figures.
   *
   * @param args {@code [runs] [--baseline]}
   * @throws Exception when a run fails
   */
  public static void main(String[] args) throws Exception {
    int runs = 7;
    boolean baseline = false;
    for (String a : args) {
      if (a.equals("--baseline")) {
        baseline = true;
      } else {
        runs = Integer.parseInt(a);
      }
    }
    List<Run> results = new ArrayList<>();
    for (int i = 1; i <= runs; i++) {
      Run r = once(baseline);
      results.add(r);
      System.out.printf(Locale.ROOT, "run %d: +switch-master %d ms after the kill, first heartbeat on the new master %d ms"
          + " after the kill (%d ms after +switch-master); heartbeat key %d ms old by then%n",
          i, r.switchMillis(), r.firstBeatMillis(), r.firstBeatMillis() - r.switchMillis(), r.keyAgeMillis());
    }
    System.out.printf(Locale.ROOT, "%n%s, %d runs, interval %d ms, Sentinel down-after %d ms (median / max):%n",
        baseline ? "baseline (a caller's client, back-off only)" : "library-owned client", runs, INTERVAL.toMillis(),
        RedisSentinelSetup.DOWN_AFTER_MILLIS);
    print("kill -> +switch-master", results, Run::switchMillis);
    print("+switch-master -> first heartbeat on the new master", results, r -> r.firstBeatMillis() - r.switchMillis());
    print("kill -> first heartbeat on the new master", results, Run::firstBeatMillis);
    print("age of the heartbeat key at that heartbeat", results, Run::keyAgeMillis);
    long worst = results.stream().mapToLong(r -> r.firstBeatMillis() + INTERVAL.toMillis()).max().orElseThrow();
    System.out.printf(Locale.ROOT, "worst case (last heartbeat a full interval before the kill): interval + kill -> first"
        + " heartbeat = %d ms; a heartbeatTtl above it rides through these failovers%n", worst);
  }

  private static void print(String what, List<Run> results, java.util.function.ToLongFunction<Run> f) {
    long[] v = results.stream().mapToLong(f).sorted().toArray();
    long median = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    System.out.printf(Locale.ROOT, "  %-55s %5d / %5d ms%n", what, median, v[v.length - 1]);
  }

  private static Run once(boolean baseline) throws Exception {
    try (RedisSentinelSetup sentinel = RedisSentinelSetup.start()) {
      ClientResources resources = null;
      RedisClient callers = null;
      Discovery.Builder b = Discovery.builder().redisUri(sentinel.uri())
          .options(DiscoveryOptions.builder().heartbeatInterval(INTERVAL).heartbeatTtl(TTL)
              .retryDelay(Duration.ofMillis(100)).commandTimeout(Duration.ofSeconds(1))
              .pubSubEnabled(true).redisPrefix(PREFIX).pubSubChannel(PREFIX + ":events").build())
          .nodeId("p1").address("10.0.0.1:7000").services(List.of(ServiceInfo.of("svc", "1")));
      if (baseline) {
        resources = DefaultClientResources.builder()
            .reconnectDelay(Delay.fullJitter(Duration.ofMillis(20), Duration.ofSeconds(1), 100, TimeUnit.MILLISECONDS))
            .build();
        callers = RedisClient.create(resources);
        b.redisClient(callers);
      }
      RedisClient listener = RedisClient.create();
      DiscoveryService node = b.build();
      try {
        node.start().join();
        AtomicLong switchedAt = new AtomicLong();
        for (int port : sentinel.sentinelPorts()) {
          StatefulRedisPubSubConnection<String, String> c = listener.connectPubSub(RedisURI.create("127.0.0.1", port));
          c.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
              switchedAt.compareAndSet(0, System.nanoTime());
            }
          });
          c.sync().subscribe("+switch-master");
        }
        RedisServer replica = sentinel.replica();
        String key = PREFIX + ":heartbeat:p1";
        // the replica's copy of the heartbeat key, and when it last changed
        String value = get(replica, key);
        long changedAt = System.nanoTime();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (value.isEmpty() && System.nanoTime() < until) {
          Thread.sleep(10);
          value = get(replica, key);
        }
        long killAfter = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(
            INTERVAL.toMillis() * 2 + ThreadLocalRandom.current().nextLong(INTERVAL.toMillis()));
        while (System.nanoTime() < killAfter) {
          String v = get(replica, key);
          if (!v.equals(value)) {
            value = v;
            changedAt = System.nanoTime();
          }
          Thread.sleep(2);
        }
        String atKill = get(replica, key);
        if (!atKill.equals(value)) {
          value = atKill;
          changedAt = System.nanoTime();
        }
        long killedAt = System.nanoTime();
        sentinel.killMaster();
        long deadline = killedAt + TimeUnit.SECONDS.toNanos(60);
        long firstBeatAt = 0;
        while (System.nanoTime() < deadline) {
          String v = get(replica, key);
          if (!v.isEmpty() && !v.equals(value)) {
            firstBeatAt = System.nanoTime();
            break;
          }
          Thread.sleep(2);
        }
        if (firstBeatAt == 0 || switchedAt.get() == 0) {
          throw new IllegalStateException("no failover or no heartbeat on the new master within 60 s");
        }
        LongFunction<Long> ms = t -> TimeUnit.NANOSECONDS.toMillis(t);
        return new Run(ms.apply(switchedAt.get() - killedAt), ms.apply(firstBeatAt - killedAt), ms.apply(firstBeatAt - changedAt));
      } finally {
        node.close();
        listener.shutdown();
        if (callers != null) {
          callers.shutdown();
        }
        if (resources != null) {
          resources.shutdown();
        }
      }
    }
  }

  private static String get(RedisServer server, String key) {
    try {
      String reply = server.command("GET", key);
      String[] lines = reply.split("\r\n");
      return reply.startsWith("$-1") || lines.length < 2 ? "" : lines[1];
    } catch (RuntimeException e) {
      return "";
    }
  }
}
