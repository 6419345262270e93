package dev.titan.discovery.benchmarks;

import dev.titan.discovery.ServiceInfo;
import dev.titan.discovery.internal.Keys;
import dev.titan.discovery.internal.redis.Scripts;
import dev.titan.discovery.internal.registry.RegistryWriter;
import dev.titan.discovery.internal.registry.Sweeper;
import dev.titan.discovery.internal.wire.WireCodec;
import dev.titan.discovery.testkit.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What one lone heartbeat costs Redis, call by call (issue 15 item 6, one service running). With
 * one service, {@link FleetCost} sees a handful of heartbeats per window, each on a Redis that sat
 * idle before it, and means of a handful of cold calls swing by half from one run to the next.
 * This benchmark takes many samples of each call instead, paced so that Redis idles before each
 * as it does between a lone service's beats, in a shuffled order per round (so that drift and
 * the machine's other load hit every kind alike), and reports medians of each call's execution
 * time from the slow log (threshold 0; a script's time includes the commands it runs, which are
 * listed under it and not added again):
 *
 * <ul>
 *   <li><b>renew</b>: our heartbeat of an unchanged node, exactly as the writer sends it (its
 *       clock advanced one interval per beat, so the deadline moves every other beat, as with
 *       the default TTL = 3 x interval);
 *   <li><b>reference</b>: the reference heartbeat, {@code EVAL} of its script and {@code PUBLISH}
 *       of NODE_UPDATED to {@value FleetCost#REFERENCE_LISTENERS} listeners;
 *   <li><b>keep-alive</b> and <b>check</b>: what the sweeper lease holder sends between sweeps
 *       ({@link RegistryWriter#sweeperKeepAlive}, {@link RegistryWriter#sweepCheck}).
 * </ul>
 *
 * <p>Arguments: {@code --sizes 10000,100000} (registry of N static nodes, as FleetCost's), {@code
 * --gaps 1000,100,5} (milliseconds Redis idles before each call), {@code --samples 60} (calls of
 * each kind per gap).
 */
public final class LoneBeat {

  private static final String CONTROL = "lone-control";
  private static final List<String> KINDS = List.of("renew", "reference", "keep-alive", "check");
  private static final String MOVED = "renew, deadline moved";
  private static final String KEPT = "renew, deadline not moved";
  private static final long TTL_MILLIS = 15_000;
  private static final long INTERVAL_MILLIS = 5_000;

  private LoneBeat() {}

  /**
   * Runs alone: starts its own redis-server.
   *
   * @param args see the class comment
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    List<Integer> sizes = List.of(10_000, 100_000);
    List<Integer> gaps = List.of(1000, 100, 5);
    int samples = 60;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--sizes" -> sizes = ints(args[++i]);
        case "--gaps" -> gaps = ints(args[++i]);
        case "--samples" -> samples = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
      }
    }
    try (RedisServer server = RedisServer.start()) {
      System.out.print(run(server.uri(), sizes, gaps, samples));
    }
  }

  private static List<Integer> ints(String s) {
    return Arrays.stream(s.split(",")).map(x -> Integer.parseInt(x.trim().replace("k", "000"))).toList();
  }

  /**
   * Measures every (N, gap) on the server at {@code uri} (it is flushed).
   *
   * @param uri the server
   * @param sizes registry sizes N
   * @param gaps milliseconds Redis idles before each call
   * @param samples calls of each kind per (N, gap)
   * @return the tables, markdown
   * @throws Exception on failure
   */
  static String run(String uri, List<Integer> sizes, List<Integer> gaps, int samples) throws Exception {
    StringBuilder md = new StringBuilder();
    RedisClient client = RedisClient.create(RedisURI.builder(RedisURI.create(uri))
        .withTimeout(Duration.ofSeconds(120)).build());
    try (StatefulRedisConnection<String, String> control = client.connect();
        StatefulRedisConnection<String, String> ours = client.connect();
        StatefulRedisConnection<String, String> refPipelined = client.connect();
        StatefulRedisConnection<String, String> refDirect = client.connect()) {
      RedisCommands<String, String> redis = control.sync();
      redis.clientSetname(CONTROL);
      String version = redis.info("server").lines().filter(l -> l.startsWith("redis_version:")).findFirst().orElse("?");
      md.append(String.format(Locale.ROOT, "# lone heartbeat: %s; interval %d ms, TTL %d ms; %d samples per kind and gap%n",
          version.trim(), INTERVAL_MILLIS, TTL_MILLIS, samples));
      redis.configSet("slowlog-max-len", "10000");
      for (Scripts script : Scripts.values()) { // cached, as in a registry that has run a while
        redis.scriptLoad(script.body());
      }
      List<StatefulRedisPubSubConnection<String, String>> listeners = new ArrayList<>();
      for (int i = 0; i < FleetCost.REFERENCE_LISTENERS; i++) {
        listeners.add(BenchData.referenceListener(client));
      }
      try {
        for (int n : sizes) {
          redis.flushall();
          FleetCost.loadStatic(control.async(), n);
          for (int gap : gaps) {
            md.append(measure(redis, ours, refPipelined, refDirect, n, gap, samples));
          }
        }
      } finally {
        listeners.forEach(StatefulRedisPubSubConnection::close);
        redis.configSet("slowlog-log-slower-than", "10000");
      }
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
    return md.toString();
  }

  private static String measure(RedisCommands<String, String> redis, StatefulRedisConnection<String, String> ours,
      StatefulRedisConnection<String, String> refPipelined, StatefulRedisConnection<String, String> refDirect,
      int n, int gapMillis, int samples) throws Exception {
    // one interval passes per beat on the writer's clock: the deadline moves every other beat
    AtomicLong clock = new AtomicLong(System.nanoTime());
    RegistryWriter writer = new RegistryWriter(ours.async(), new Keys(BenchData.PREFIX), TTL_MILLIS, INTERVAL_MILLIS,
        BenchData.CHANNEL, clock::get, Runnable::run);
    String id = "lone-ours";
    writer.register(id, "10.252.0.1:8080", List.of(ServiceInfo.of(BenchData.serviceName(1), "1.0.0")))
        .get(60, TimeUnit.SECONDS);
    redis.set(new Keys(BenchData.PREFIX).sweeperLease(), id); // this node holds the lease
    ReferenceClient ref = new ReferenceClient(refPipelined, refDirect, BenchData.PREFIX);
    String refId = "lone-ref";
    String refJson = WireCodec.encodeServices(List.of(ServiceInfo.of(BenchData.serviceName(2), "1.0.0")));
    long lease = Sweeper.LEASE.toMillis();
    Map<String, List<Long>> top = new LinkedHashMap<>();
    Map<String, Map<String, List<Long>>> inner = new LinkedHashMap<>();
    for (String k : List.of("renew", MOVED, KEPT, "reference", "keep-alive", "check")) { // the order printed
      top.put(k, new ArrayList<>());
    }
    KINDS.forEach(k -> inner.put(k, new TreeMap<>()));
    Random random = new Random(42);
    for (int s = 0; s < samples + 5; s++) { // the first 5 rounds warm the JVM up, not counted
      List<String> order = new ArrayList<>(KINDS);
      Collections.shuffle(order, random);
      for (String kind : order) {
        redis.configSet("slowlog-log-slower-than", "0");
        redis.slowlogReset();
        Thread.sleep(gapMillis); // Redis idles, as between a lone service's beats
        switch (kind) {
          case "renew" -> {
            clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(INTERVAL_MILLIS));
            writer.renew(id).get(60, TimeUnit.SECONDS);
          }
          case "reference" -> ref.heartbeat(refId, "10.252.0.2:8080", refJson, TTL_MILLIS).get(60, TimeUnit.SECONDS);
          case "keep-alive" -> writer.sweeperKeepAlive(lease).get(60, TimeUnit.SECONDS);
          default -> writer.sweepCheck(lease).get(60, TimeUnit.SECONDS);
        }
        redis.configSet("slowlog-log-slower-than", "-1");
        if (s >= 5) {
          List<Object> log = redis.slowlogGet(-1);
          long micros = record(log, inner.get(kind));
          top.get(kind).add(micros);
          if (kind.equals("renew")) { // split: the beats that move the deadline and the others
            boolean moved = log.stream().anyMatch(o -> String.valueOf(((List<?>) ((List<?>) o).get(3)).get(0)).equalsIgnoreCase("ZADD"));
            top.get(moved ? MOVED : KEPT).add(micros);
          }
        }
      }
    }
    return table(n, gapMillis, top, inner);
  }

  /** One call's top-level time (every command of the call); its commands go to {@code inner}. */
  private static long record(List<Object> log, Map<String, List<Long>> inner) {
    long total = 0;
    for (Object o : log) {
      List<?> entry = (List<?>) o;
      long micros = ((Number) entry.get(2)).longValue();
      List<?> args = (List<?>) entry.get(3);
      String cmd = String.valueOf(args.get(0)).toUpperCase(Locale.ROOT);
      String addr = entry.size() > 4 ? String.valueOf(entry.get(4)) : "";
      String name = entry.size() > 5 ? String.valueOf(entry.get(5)) : "";
      if (name.equals(CONTROL)) {
        continue;
      }
      if (addr.equals("?:0")) { // run by a script, included in the script's own time
        inner.computeIfAbsent("· · inside: " + cmd, k -> new ArrayList<>()).add(micros);
        continue;
      }
      inner.computeIfAbsent("· " + cmd, k -> new ArrayList<>()).add(micros);
      total += micros;
    }
    return total;
  }

  private static String table(int n, int gapMillis, Map<String, List<Long>> top, Map<String, Map<String, List<Long>>> inner) {
    StringBuilder b = new StringBuilder();
    double refMedian = median(top.get("reference"));
    b.append(String.format(Locale.ROOT, "%n## N = %d, Redis idle %d ms before each call%n%n", n, gapMillis));
    b.append("| call (µs of Redis execution) | samples | p25 | median | p75 | reference's heartbeat / this |\n");
    b.append("|---|---:|---:|---:|---:|---:|\n");
    for (var e : top.entrySet()) {
      List<Long> v = sorted(e.getValue());
      if (v.isEmpty()) {
        continue;
      }
      b.append(String.format(Locale.ROOT, "| %s | %d | %d | **%.0f** | %d | %.2fx |%n", e.getKey(), v.size(),
          v.get(v.size() / 4), median(v), v.get(3 * v.size() / 4), refMedian / median(v)));
      for (var c : inner.getOrDefault(e.getKey(), Map.of()).entrySet()) {
        b.append(String.format(Locale.ROOT, "| %s | %d | | %.0f | | |%n", c.getKey(), c.getValue().size(), median(c.getValue())));
      }
    }
    double renew = median(top.get("renew"));
    double keepAlive = median(top.get("keep-alive"));
    double perInterval = INTERVAL_MILLIS / (Sweeper.LEASE.toMillis() / 2.0);
    b.append(String.format(Locale.ROOT, "%nOne service alone, per interval, from medians: renew %.0f µs against the "
        + "reference's %.0f (%.2fx); with the holder's %.1f keep-alives: %.0f µs (%.2fx), checks not counted.%n",
        renew, refMedian, refMedian / renew, perInterval, renew + perInterval * keepAlive,
        refMedian / (renew + perInterval * keepAlive)));
    return b.toString();
  }

  private static List<Long> sorted(List<Long> v) {
    List<Long> s = new ArrayList<>(v);
    Collections.sort(s);
    return s;
  }

  private static double median(List<Long> v) {
    List<Long> s = sorted(v);
    int m = s.size() / 2;
    return s.size() % 2 == 1 ? s.get(m) : (s.get(m - 1) + s.get(m)) / 2.0;
  }
}
