package dev.titan.discovery.benchmarks;

import dev.titan.discovery.DiscoveryService;
import dev.titan.discovery.ServiceInfo;
import dev.titan.discovery.internal.Keys;
import dev.titan.discovery.internal.registry.RegistryWriter;
import dev.titan.discovery.internal.wire.WireCodec;
import dev.titan.discovery.testkit.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import org.openjdk.jmh.util.Statistics;

/**
 * The one command: starts its own redis-server, and for each registry size N loads N nodes, runs
 * our code and the reference-command baseline side by side (JMH, same Redis, same data), measures
 * heartbeat bytes and Redis CPU (INFO stats/commandstats), memory per node (INFO memory),
 * dead-node detection and local-view propagation, and prints one table of medians, p99s and
 * ratios (also written to {@code target/benchmark-results.md}).
 *
 * <p>Arguments: {@code --sizes 100,1000,10000,100000} (default), {@code --quick} (short JMH
 * iterations), {@code --out FILE}, {@code --load instances|script} (how our N nodes are loaded, see
 * {@link Load}; default {@code script}), {@code --pubsub} (the loading instances subscribe to the
 * events channel), {@code --fleet-cost} (adds {@link FleetCost}'s section at the
 * end) or {@code --fleet-cost-only} (runs only that section), with its options ({@code --services},
 * {@code --interval}, {@code --ttl}, {@code --window}, {@code --rounds}, {@code --views}), {@code
 * --view-scale} (adds {@link ViewAtScale}'s section at the end: resync, heap and lookups of a local
 * view at the same sizes).
 */
public final class BenchmarkMain {

  private static final int HEARTBEAT_SAMPLES = 20_000;
  private static final int HEARTBEAT_ROUNDS = 9;
  private static final int ALONE_SAMPLES = 3_000;
  /** Nodes listening to the events channel in the fleet heartbeat row. */
  private static final int FLEET_LISTENERS = 10;
  private static final int FLEET_ROUNDS = 5;
  private static final int PROPAGATION_SAMPLES = 2_000;

  private BenchmarkMain() {}

  /**
   * How our N nodes get into Redis. The memory row, the heartbeat, sweep and propagation rows and
   * every JMH row then run on that registry.
   */
  enum Load {
    /**
     * One library instance per node ({@link InstanceLoad}: {@code Discovery.builder()...start()}
     * in child JVMs killed afterwards, so every node stays until its TTL), the registry a fleet
     * leaves in production.
     */
    INSTANCES,
    /** Our registration script called once per node over one pipelined connection: fast. */
    SCRIPT
  }

  /** One line of the table. */
  private record Row(int n, String what, String unit, double oursP50, double oursP99, double refP50, double refP99,
      String ratio, String target) {}

  /**
   * Runs the benchmarks.
   *
   * @param args see the class comment
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    List<Integer> sizes = List.of(100, 1_000, 10_000, 100_000);
    boolean quick = false;
    Load load = Load.SCRIPT;
    boolean pubSub = false;
    boolean fleetCost = false;
    boolean fleetCostOnly = false;
    boolean viewScale = false;
    Path out = Path.of("target", "benchmark-results.md");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--sizes" -> sizes = Arrays.stream(args[++i].split(",")).map(s -> Integer.parseInt(s.trim().replace("k", "000"))).toList();
        case "--quick" -> quick = true;
        case "--out" -> out = Path.of(args[++i]);
        case "--load" -> load = Load.valueOf(args[++i].toUpperCase(Locale.ROOT));
        case "--pubsub" -> pubSub = true;
        case "--fleet-cost" -> fleetCost = true;
        case "--fleet-cost-only" -> fleetCostOnly = true;
        case "--view-scale" -> viewScale = true;
        case "--services", "--interval", "--ttl", "--window", "--rounds" -> i++; // FleetCost's
        case "--views" -> { } // FleetCost's
        default -> {
          System.err.println("unknown argument " + args[i]
              + " (use --sizes 100,1000,10000 --quick --out FILE --load instances|script --pubsub; "
              + "--view-scale; --fleet-cost or --fleet-cost-only with --services 1,10,100 --interval 5s --ttl 15s --window 20s --rounds 2 --views)");
          System.exit(2);
        }
      }
    }
    List<Row> rows = new ArrayList<>();
    if (fleetCostOnly) {
      try (RedisServer server = RedisServer.start()) {
        String md = FleetCost.run(server.uri(), FleetCost.parse(args, sizes));
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, md);
        System.out.println("# written to " + out.toAbsolutePath());
      }
      return;
    }
    String fleetMd = "";
    StringBuilder splitMd = new StringBuilder();
    try (RedisServer server = RedisServer.start()) {
      RedisClient client = RedisClient.create(
          io.lettuce.core.RedisURI.builder(io.lettuce.core.RedisURI.create(server.uri())).withTimeout(Duration.ofSeconds(120)).build());
      try (StatefulRedisConnection<String, String> conn = client.connect()) {
        RedisCommands<String, String> redis = conn.sync();
        String version = redis.info("server").lines().filter(l -> l.startsWith("redis_version:")).findFirst().orElse("?");
        System.out.println("# redis-server " + RedisServer.binary() + " " + version);
        for (int n : sizes) {
          System.out.println("# N = " + n + ": loading and measuring");
          rows.addAll(measureRedisSide(client, conn, n, server.uri(), load, pubSub));
          rows.addAll(measurePropagation(server.uri(), client, n));
          ReadCostSplit.table(n, ReadCostSplit.measure(server.uri(), client, n), splitMd);
          rows.addAll(runJmh(server.uri(), n, quick));
          print(rows.stream().filter(r -> r.n() == n).toList(), System.out);
        }
        if (fleetCost) {
          System.out.println("# fleet cost (issue 15 item 6)");
          fleetMd = "\n## Whole Redis cost of a node (fleet cost)\n\n" + FleetCost.run(server.uri(), FleetCost.parse(args, sizes));
        }
        if (viewScale) {
          System.out.println("# local view at scale (issue 15 item 7)");
          fleetMd += "\n## Local view at scale\n\n" + ViewAtScale.run(server.uri(), sizes);
        }
      } finally {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      }
    }
    StringBuilder md = new StringBuilder();
    table(rows, md);
    md.append(splitMd);
    md.append(fleetMd);
    System.out.println();
    System.out.println("# All sizes");
    System.out.print(md);
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, md.toString());
    System.out.println("# written to " + out.toAbsolutePath());
  }

  // ------------------------------------------------------------------ memory, bytes, CPU, sweeps

  private static List<Row> measureRedisSide(RedisClient client, StatefulRedisConnection<String, String> conn, int n,
      String uri, Load load, boolean pubSub) throws Exception {
    RedisCommands<String, String> redis = conn.sync();
    RedisStats stats = new RedisStats(redis);
    List<Row> rows = new ArrayList<>();

    redis.flushall();
    long m0 = stats.settledUsedMemory();
    BenchData.loadReference(conn, n);
    long refBytes = (stats.settledUsedMemory() - m0) / n;
    redis.flushall();
    m0 = stats.settledUsedMemory();
    String how;
    if (load == Load.INSTANCES) {
      double seconds = InstanceLoad.load(uri, n, InstanceLoad.PER_CHILD, pubSub, conn);
      how = "one library instance per node, " + InstanceLoad.PER_CHILD + " per child JVM killed after start()"
          + (pubSub ? ", pub/sub on" : "") + ", loaded in " + fmt(seconds) + " s";
      System.out.println("# " + n + " nodes loaded (" + how + ")");
    } else {
      BenchData.loadOurs(conn.async(), n);
      how = "our registration script per node";
    }
    long ourBytes = (stats.settledUsedMemory() - m0) / n;
    rows.add(new Row(n, "Redis memory per node (" + how + "; ref: raw reference writes)", "B", ourBytes, Double.NaN,
        refBytes, Double.NaN, fmt((double) ourBytes / refBytes) + "x of ref", ourBytes <= 1200 ? "<= 1200 B: met" : "<= 1200 B: NOT met"));

    // heartbeat bytes and CPU, nothing else talking to Redis; alternating rounds, median of the
    // rounds' usec/call, because a busy machine descheduling Redis mid-call inflates the usec
    int h = Math.min(BenchState.HEARTBEAT_NODES, n);
    BeatClock clock = new BeatClock(h);
    RegistryWriter writer = clock.writer(conn.async(), BenchData.CHANNEL);
    writer.renew(BenchData.id(0)).join(); // script cached
    double[] ourUsec = new double[HEARTBEAT_ROUNDS];
    double[] refUsec = new double[HEARTBEAT_ROUNDS];
    long ourIn = 0;
    long ourOut = 0;
    long refIn = 0;
    long refOut = 0;
    int perRound = HEARTBEAT_SAMPLES / HEARTBEAT_ROUNDS / h * h;
    long ourCalls = 0;
    double[] ourAloneUsec = new double[HEARTBEAT_ROUNDS];
    double[] refAloneUsec = new double[HEARTBEAT_ROUNDS];
    double[] refScriptAloneUsec = new double[HEARTBEAT_ROUNDS];
    Row throughput;
    double[][] fleet;
    double[] ourAloneProcess = new double[HEARTBEAT_ROUNDS];
    double[] ourProcess = new double[HEARTBEAT_ROUNDS];
    double[] refProcess = new double[HEARTBEAT_ROUNDS];
    double[] refAloneProcess = new double[HEARTBEAT_ROUNDS];
    try (StatefulRedisConnection<String, String> refConn = client.connect();
        StatefulRedisConnection<String, String> refDirect = client.connect();
        var listener = BenchData.referenceListener(client)) {
      ReferenceClient ref = new ReferenceClient(refConn, refDirect, BenchData.PREFIX);
      String[] json = new String[h];
      for (int i = 0; i < h; i++) {
        json[i] = WireCodec.encodeServices(BenchData.services(i));
      }
      for (int round = 0; round < HEARTBEAT_ROUNDS; round++) {
        stats.resetStats();
        long in0 = stats.netInputBytes();
        long out0 = stats.netOutputBytes();
        double p0 = stats.cpuMicros();
        for (int done = 0; done < perRound; done += h) {
          CompletableFuture<?>[] batch = new CompletableFuture<?>[h];
          for (int i = 0; i < h; i++) {
            clock.tick();
            batch[i] = writer.renew(BenchData.id(i));
          }
          CompletableFuture.allOf(batch).join();
        }
        ourProcess[round] = (stats.cpuMicros() - p0) / perRound;
        ourIn += stats.netInputBytes() - in0;
        ourOut += stats.netOutputBytes() - out0;
        long[] cpu = stats.commandStats("evalsha");
        ourUsec[round] = (double) cpu[1] / perRound; // per heartbeat: one call renews a batch
        ourCalls += cpu[0];

        stats.resetStats();
        in0 = stats.netInputBytes();
        out0 = stats.netOutputBytes();
        p0 = stats.cpuMicros();
        for (int done = 0; done < perRound; done += h) {
          List<CompletableFuture<Long>> batch = new ArrayList<>(h);
          for (int i = 0; i < h; i++) {
            batch.add(ref.heartbeat(BenchData.id(i), BenchData.address(i), json[i], BenchData.TTL_MILLIS));
          }
          for (CompletableFuture<Long> f : batch) {
            f.get(60, TimeUnit.SECONDS);
          }
        }
        refProcess[round] = (stats.cpuMicros() - p0) / perRound;
        refIn += stats.netInputBytes() - in0;
        refOut += stats.netOutputBytes() - out0;
        cpu = stats.commandStats("eval");
        refUsec[round] = (double) (cpu[1] + stats.commandStats("publish")[1]) / cpu[0];

        // one at a time (a JVM with one node): no batching on our side
        AloneRound alone = aloneRound(stats, writer, clock, ref, json, h);
        ourAloneProcess[round] = alone.ourProcess();
        ourAloneUsec[round] = alone.ourUsec();
        refAloneProcess[round] = alone.refProcess();
        refAloneUsec[round] = alone.refUsec();
        refScriptAloneUsec[round] = alone.refScriptUsec();
      }
      throughput = interleavedThroughput(n, writer, clock, ref, json);
      fleet = aloneInAFleet(client, stats, writer, clock, ref, json, h);
    }
    int total = perRound * HEARTBEAT_ROUNDS;
    ourIn /= total;
    ourOut /= total;
    refIn /= total;
    refOut /= total;
    rows.add(throughput);
    rows.add(new Row(n, "Heartbeat bytes to Redis (request)", "B", ourIn, Double.NaN, refIn, Double.NaN,
        "1/" + fmt((double) refIn / ourIn), (double) ourIn <= refIn / 5.0 ? "<= 1/5: met" : "<= 1/5: NOT met"));
    rows.add(new Row(n, "Heartbeat bytes from Redis (reply)", "B", ourOut, Double.NaN, refOut, Double.NaN, "", ""));
    String rounds = "median of " + HEARTBEAT_ROUNDS + " rounds; p99 col = max";
    rows.add(cpuRow(n, "Heartbeat Redis CPU, " + h + " nodes of one JVM (commandstats usec per heartbeat; "
        + fmt((double) total / ourCalls) + " heartbeats per call; " + rounds + ")", ourUsec, refUsec, true));
    rows.add(cpuRow(n, "Heartbeat Redis CPU, one at a time (usec per heartbeat, " + rounds + ")", ourAloneUsec, refAloneUsec, true));
    rows.add(cpuRow(n, "Heartbeat Redis process CPU, " + h + " nodes of one JVM (INFO cpu user+sys per heartbeat, I/O included; "
        + rounds + ")", ourProcess, refProcess, true));
    rows.add(cpuRow(n, "Heartbeat Redis process CPU, one at a time (INFO cpu user+sys per heartbeat, I/O included; " + rounds + ")",
        ourAloneProcess, refAloneProcess, true));
    rows.add(cpuRow(n, "Heartbeat Redis CPU, one at a time, against the reference's EVAL alone (its PUBLISH not charged)",
        ourAloneUsec, refScriptAloneUsec, false));
    rows.add(cpuRow(n, "Heartbeat Redis CPU, one at a time, " + FLEET_LISTENERS + " nodes listening to the channel (commandstats; "
        + "median of " + FLEET_ROUNDS + " rounds; p99 col = max)", fleet[0], fleet[1], false));

    // dead-node detection: our sweep with nothing and with 100 nodes expired
    double[] idle = new double[200];
    for (int i = 0; i < idle.length; i++) {
      long t = System.nanoTime();
      writer.sweep("bench-sweeper", 2000).join();
      idle[i] = (System.nanoTime() - t) / 1000.0;
    }
    Arrays.sort(idle);
    int k = 100;
    double[] expired = new double[5];
    RegistryWriter shortLived = new RegistryWriter(conn.async(), new Keys(BenchData.PREFIX), 30, "");
    for (int round = 0; round < expired.length; round++) {
      List<CompletableFuture<?>> regs = new ArrayList<>();
      for (int i = 0; i < k; i++) {
        regs.add(shortLived.register("dead-" + round + "-" + i, "10.9.9.9:1", List.of(ServiceInfo.of("svc-00", "1.0.0"))));
      }
      CompletableFuture.allOf(regs.toArray(new CompletableFuture<?>[0])).join();
      Thread.sleep(60); // the benchmark's own pacing, not a test
      long t = System.nanoTime();
      List<String> removed = writer.sweep("bench-sweeper", 2000).join();
      expired[round] = (System.nanoTime() - t) / 1000.0;
      if (removed.size() != k) {
        System.out.println("# warning: sweep removed " + removed.size() + " of " + k);
      }
    }
    Arrays.sort(expired);
    rows.add(new Row(n, "Dead-node sweep, 0 expired (ref: getActiveNodes)", "us", pct(idle, 50), pct(idle, 99),
        Double.NaN, Double.NaN, "", "O(expired)"));
    rows.add(new Row(n, "Dead-node sweep, 100 expired", "us", pct(expired, 50), expired[expired.length - 1],
        Double.NaN, Double.NaN, "", "O(expired)"));
    return rows;
  }

  /**
   * One round's per-heartbeat costs of lone heartbeats: commandstats usec and process CPU usec,
   * ours and the reference's ({@code refUsec} with its PUBLISH, {@code refScriptUsec} without).
   */
  private record AloneRound(double ourUsec, double ourProcess, double refUsec, double refScriptUsec, double refProcess) {}

  /** {@value #ALONE_SAMPLES} heartbeats each waiting for the previous one, ours then the reference's. */
  private static AloneRound aloneRound(RedisStats stats, RegistryWriter writer, BeatClock clock, ReferenceClient ref,
      String[] json, int h) throws Exception {
    stats.resetStats();
    double c0 = stats.cpuMicros();
    for (int i = 0; i < ALONE_SAMPLES; i++) {
      clock.tick();
      writer.renew(BenchData.id(i % h)).join();
    }
    double ourProcess = (stats.cpuMicros() - c0) / ALONE_SAMPLES;
    long[] cpu = stats.commandStats("evalsha");
    double ourUsec = (double) cpu[1] / cpu[0];
    stats.resetStats();
    c0 = stats.cpuMicros();
    for (int i = 0; i < ALONE_SAMPLES; i++) {
      ref.heartbeat(BenchData.id(i % h), BenchData.address(i % h), json[i % h], BenchData.TTL_MILLIS).get(60, TimeUnit.SECONDS);
    }
    double refProcess = (stats.cpuMicros() - c0) / ALONE_SAMPLES;
    cpu = stats.commandStats("eval");
    double refUsec = (double) (cpu[1] + stats.commandStats("publish")[1]) / cpu[0];
    return new AloneRound(ourUsec, ourProcess, refUsec, (double) cpu[1] / cpu[0], refProcess);
  }

  /**
   * Lone heartbeats (commandstats per heartbeat) while {@value #FLEET_LISTENERS} nodes listen to
   * the events channel, as every node of a fleet with pub/sub on does: the reference publishes
   * NODE_UPDATED to each of them on every heartbeat, ours publishes nothing. Alternating rounds.
   *
   * @return {ours per round, reference per round}
   */
  private static double[][] aloneInAFleet(RedisClient client, RedisStats stats, RegistryWriter writer, BeatClock clock,
      ReferenceClient ref, String[] json, int h) throws Exception {
    List<io.lettuce.core.pubsub.StatefulRedisPubSubConnection<String, String>> listeners = new ArrayList<>();
    double[][] out = new double[2][FLEET_ROUNDS];
    try {
      for (int i = 1; i < FLEET_LISTENERS; i++) { // the caller's listener is the first
        listeners.add(BenchData.referenceListener(client));
      }
      for (int round = 0; round < FLEET_ROUNDS; round++) {
        AloneRound alone = aloneRound(stats, writer, clock, ref, json, h);
        out[0][round] = alone.ourUsec();
        out[1][round] = alone.refUsec();
      }
    } finally {
      listeners.forEach(io.lettuce.core.pubsub.StatefulRedisPubSubConnection::close);
    }
    return out;
  }

  /**
   * Heartbeats per second of 100 nodes over one connection each side, closed loop (100 in flight),
   * ours and the reference alternating in 1 s rounds so that a noisy neighbour hits both alike;
   * the median of the rounds.
   */
  private static Row interleavedThroughput(int n, RegistryWriter writer, BeatClock clock, ReferenceClient ref, String[] json)
      throws Exception {
    int h = json.length;
    int rounds = 9;
    double[] ours = new double[rounds];
    double[] refs = new double[rounds];
    for (int round = 0; round < rounds; round++) {
      long end = System.nanoTime() + 1_000_000_000L;
      long t0 = System.nanoTime();
      long count = 0;
      while (System.nanoTime() < end) {
        CompletableFuture<?>[] batch = new CompletableFuture<?>[h];
        for (int i = 0; i < h; i++) {
          clock.tick();
          batch[i] = writer.renew(BenchData.id(i));
        }
        CompletableFuture.allOf(batch).join();
        count += h;
      }
      ours[round] = count / ((System.nanoTime() - t0) / 1e9);
      end = System.nanoTime() + 1_000_000_000L;
      t0 = System.nanoTime();
      count = 0;
      while (System.nanoTime() < end) {
        CompletableFuture<?>[] batch = new CompletableFuture<?>[h];
        for (int i = 0; i < h; i++) {
          batch[i] = ref.heartbeat(BenchData.id(i), BenchData.address(i), json[i], BenchData.TTL_MILLIS);
        }
        CompletableFuture.allOf(batch).join();
        count += h;
      }
      refs[round] = count / ((System.nanoTime() - t0) / 1e9);
    }
    Arrays.sort(ours);
    Arrays.sort(refs);
    double o = pct(ours, 50);
    double r = pct(refs, 50);
    return new Row(n, "Heartbeats/s, " + h + " nodes, one JVM (interleaved 1 s rounds, median; p99 col = min)", "ops/s",
        o, ours[0], r, refs[0], fmt(o / r) + "x (ours/ref)", o >= 1.5 * r ? ">= 1.5x: met" : ">= 1.5x: NOT met");
  }

  // ------------------------------------------------------------------ propagation to a local view

  /**
   * A change made through a {@link DiscoveryService} here, visible in the view of another process
   * (a child JVM), against raw pub/sub delivery to that process, interleaved: see {@link
   * PropagationBench}.
   */
  private static List<Row> measurePropagation(String uri, RedisClient client, int n) throws Exception {
    PropagationBench.Result r = PropagationBench.measure(uri, client, PROPAGATION_SAMPLES);
    PropagationBench.print(n, r, System.out);
    PropagationBench.Figures ours = r.ours();
    PropagationBench.Figures raw = r.raw();
    double ratio = ours.seenP99() / raw.seenP99();
    boolean met = ours.seenP99() <= 1500 && ratio <= 1.3;
    return List.of(
        new Row(n, "Change by another process visible in local view (vs raw pub/sub to that process)", "us",
            ours.seenP50(), ours.seenP99(), raw.seenP50(), raw.seenP99(), fmt(ratio) + "x p99",
            "p99 <= 1.5 ms and <= 1.3x raw: " + (met ? "met" : "NOT met")),
        new Row(n, "... listener called (view listener vs raw Lettuce listener)", "us",
            ours.listenerP50(), ours.listenerP99(), raw.listenerP50(), raw.listenerP99(),
            fmt(ours.listenerP99() / raw.listenerP99()) + "x p99", ""));
  }

  // ------------------------------------------------------------------ JMH

  private static List<Row> runJmh(String uri, int n, boolean quick) throws Exception {
    ChainedOptionsBuilder b = new OptionsBuilder()
        .include(LookupBenchmarks.class.getName() + "\\.")
        .include(HeartbeatBenchmarks.class.getName() + "\\.")
        .forks(1)
        .jvmArgsAppend("-Dtitan.bench.uri=" + uri, "-Dtitan.bench.n=" + n, "-Xmx4g",
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn")
        .verbosity(VerboseMode.NORMAL)
        .shouldFailOnError(true);
    if (quick) {
      b.warmupIterations(1).warmupTime(TimeValue.seconds(1)).measurementIterations(2).measurementTime(TimeValue.seconds(1));
    } else if (n >= 100_000) {
      b.warmupIterations(1).warmupTime(TimeValue.seconds(4)).measurementIterations(2).measurementTime(TimeValue.seconds(6));
    } else {
      b.warmupIterations(2).warmupTime(TimeValue.seconds(1)).measurementIterations(3).measurementTime(TimeValue.seconds(2));
    }
    Collection<RunResult> results = new Runner(b.build()).run();
    Map<String, Statistics> byName = new LinkedHashMap<>();
    for (RunResult r : results) {
      String name = r.getParams().getBenchmark();
      byName.put(name.substring(name.lastIndexOf('.') + 1), r.getPrimaryResult().getStatistics());
    }
    List<Row> rows = new ArrayList<>();
    rows.add(latency(n, "findNodesByService from Redis (service without a view)", byName.get("findNodesByServiceOurs"),
        byName.get("findNodesByServiceReference"), n >= 10_000 ? 30 : 0));
    rows.add(latency(n, "findNodesByService (service with a local view: confirmed in one O(due) round trip)",
        byName.get("findNodesByServiceConfirmedOurs"), byName.get("findNodesByServiceReference"), 0));
    rows.add(latency(n, "findNodesByService from Redis, query script (ACL-restricted user, Redis Cluster)",
        byName.get("findNodesByServiceOursScript"), byName.get("findNodesByServiceReference"), 0));
    rows.add(latency(n, "getActiveNodes (service with a local view: confirmed in one O(due) round trip)",
        byName.get("getActiveNodesOurs"), byName.get("getActiveNodesReference"), 0));
    rows.add(latency(n, "getActiveNodes from Redis (service without a view)", byName.get("getActiveNodesFromRedisOurs"),
        byName.get("getActiveNodesReference"), n >= 10_000 ? 3 : 0));
    // issue 15: how far the baseline and ours are from the transport floor of the reference's bytes
    rows.add(latency(n, "findNodesByService from Redis vs FIRST baseline (per-command future chains; ref cols)",
        byName.get("findNodesByServiceOurs"), byName.get("findNodesByServiceReferenceChained"), 0));
    rows.add(latency(n, "Reference baseline vs its floor on Lettuce (same commands, one flush, no parse): ref cols = baseline, ours cols = floor",
        byName.get("lookupFloorLettuce"), byName.get("getActiveNodesReference"), 0));
    rows.add(latency(n, "Reference baseline vs raw-socket floor (same bytes, one write, replies skipped): ref cols = baseline, ours cols = floor",
        byName.get("lookupFloorRaw"), byName.get("getActiveNodesReference"), 0));
    rows.add(latency(n, "findNodesByService from Redis vs raw-socket floor of the reference's bytes (ref cols = floor)",
        byName.get("findNodesByServiceOurs"), byName.get("lookupFloorRaw"), 0));
    rows.add(latency(n, "getActiveNodes from Redis (no view) vs raw-socket floor of the reference's bytes (ref cols = floor)",
        byName.get("getActiveNodesFromRedisOurs"), byName.get("lookupFloorRaw"), 0));
    rows.add(latency(n, "findNodesByService, local view", byName.get("viewFindNodesByService"),
        byName.get("findNodesByServiceReference"), 0));
    Statistics v = byName.get("viewFindNodesByService");
    rows.set(rows.size() - 1, withTarget(rows.get(rows.size() - 1), v.getPercentile(50) <= 5 ? "p50 <= 5 us: met" : "p50 <= 5 us: NOT met"));
    rows.add(latency(n, "findNodesByService+version, local view", byName.get("viewFindNodesByServiceVersion"), null, 0));
    rows.add(latency(n, "node(id), local view", byName.get("viewNode"), null, 0));
    rows.add(latency(n, "find(versionRange ^1.1, status UP) from Redis (no view)", byName.get("findRangeFromRedisOurs"),
        byName.get("findNodesByServiceReference"), 0));
    rows.add(latency(n, "find(versionRange ^1.1, status UP), local view confirmed", byName.get("findRangeConfirmedOurs"),
        byName.get("findNodesByServiceReference"), 0));
    rows.add(latency(n, "Heartbeat latency", byName.get("heartbeatOurs"), byName.get("heartbeatReference"), 0));
    Statistics to = byName.get("heartbeatThroughputOurs");
    Statistics tr = byName.get("heartbeatThroughputReference");
    double ratio = to.getMean() / tr.getMean();
    rows.add(new Row(n, "Heartbeats/s, 100 nodes, one JVM (JMH, sequential, mean)", "ops/s", to.getMean(), Double.NaN,
        tr.getMean(), Double.NaN, fmt(ratio) + "x (ours/ref)", ratio >= 1.5 ? ">= 1.5x: met" : ">= 1.5x: NOT met"));
    return rows;
  }

  /** A row of per-heartbeat CPU: medians of the rounds, the worst round in the p99 columns. */
  private static Row cpuRow(int n, String what, double[] ours, double[] ref, boolean target) {
    double[] o = ours.clone();
    double[] r = ref.clone();
    Arrays.sort(o);
    Arrays.sort(r);
    double o50 = pct(o, 50);
    double r50 = pct(r, 50);
    String verdict = !target ? "" : o50 <= r50 ? "<= ref: met" : "<= ref: NOT met";
    return new Row(n, what, "us", o50, o[o.length - 1], r50, r[r.length - 1], fmt(r50 / o50) + "x", verdict);
  }

  private static Row withTarget(Row r, String target) {
    return new Row(r.n(), r.what(), r.unit(), r.oursP50(), r.oursP99(), r.refP50(), r.refP99(), r.ratio(), target);
  }

  private static Row latency(int n, String what, Statistics ours, Statistics ref, double target) {
    double o50 = ours.getPercentile(50);
    double o99 = ours.getPercentile(99);
    double r50 = ref == null ? Double.NaN : ref.getPercentile(50);
    double r99 = ref == null ? Double.NaN : ref.getPercentile(99);
    double ratio = r50 / o50;
    String t = target <= 0 ? "" : (ratio >= target ? ">= " + fmt(target) + "x: met" : ">= " + fmt(target) + "x: NOT met");
    return new Row(n, what, "us", o50, o99, r50, r99, ref == null ? "" : fmt(ratio) + "x", t);
  }

  private static double pct(double[] sorted, double p) {
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  // ------------------------------------------------------------------ output

  private static void print(List<Row> rows, java.io.PrintStream out) {
    StringBuilder b = new StringBuilder();
    table(rows, b);
    out.print(b);
  }

  private static void table(List<Row> rows, StringBuilder b) {
    b.append("| N | measure | unit | ours p50 | ours p99 | reference p50 | reference p99 | ratio (ref/ours) | target |\n");
    b.append("|---:|---|---|---:|---:|---:|---:|---:|---|\n");
    for (Row r : rows) {
      b.append("| ").append(r.n()).append(" | ").append(r.what()).append(" | ").append(r.unit()).append(" | ")
          .append(fmt(r.oursP50())).append(" | ").append(fmt(r.oursP99())).append(" | ")
          .append(fmt(r.refP50())).append(" | ").append(fmt(r.refP99())).append(" | ")
          .append(r.ratio()).append(" | ").append(r.target()).append(" |\n");
    }
  }

  /** A figure as the tables print it: thousands separated from 1,000 on, 3 significant digits below. */
  static String fmt(double d) {
    if (Double.isNaN(d)) {
      return "";
    }
    if (d >= 1000) {
      return String.format(Locale.ROOT, "%,.0f", d);
    }
    if (d >= 10) {
      return String.format(Locale.ROOT, "%.1f", d);
    }
    return String.format(Locale.ROOT, "%.2f", d);
  }

}
