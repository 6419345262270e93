package dev.titan.discovery.benchmarks;

import dev.titan.discovery.Discovery;
import dev.titan.discovery.DiscoveryOptions;
import dev.titan.discovery.DiscoveryService;
import dev.titan.discovery.internal.wire.WireCodec;
import dev.titan.discovery.testkit.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * Where the time of one read goes, ours (no local view) and the efficient baseline's, on the
 * loaded registry: wall time (p50 of sequential calls after warm-up), Redis time per call (the
 * sum of {@code INFO commandstats} usec over the calls, every command included), the largest
 * single command (slow log, threshold 0), reply bytes per call ({@code total_net_output_bytes}),
 * and the client's JSON work: how many services fields a call parses and what parsing them costs
 * (measured apart, with the same {@link WireCodec} parser). The rest of the wall time is client
 * decoding and scheduling (Lettuce's reply parsing, building the nodes, thread hand-offs).
 *
 * <p>Our reads re-use node data while the registry's change counter ({@code index:version}) has
 * not moved, and after it moved re-read only the nodes the change log names. Two more rows per
 * read show what that costs: before each timed call (untimed) either one node changes the way our
 * scripts change it (its hash written, the counter incremented, the id logged under the new value:
 * {@code HSET}, {@code INCR}, {@code ZADD}), or the counter alone is incremented by hand, which the
 * log cannot vouch for, so the read finds every node's data stale and reads it all again (the
 * worst case: a log trimmed past what the reader saw, a counter moved by another tool). Those
 * commands are left out of the Redis time.
 *
 * <p>Runnable alone ({@code java -cp benchmarks.jar dev.titan.discovery.benchmarks.ReadCostSplit
 * --sizes 10000,100000}): it starts its own {@code redis-server} and loads each N with {@link
 * BenchData#loadOurs} (the same keys as the instance load); {@code BenchmarkMain} runs it on the
 * registry it loaded.
 */
final class ReadCostSplit {

  /** One read's split. */
  record Split(String what, double wallP50Ms, double redisMsPerCall, double maxCommandMs, String maxCommand,
      long replyBytesPerCall, int jsonParsesPerCall, double jsonMsPerCall) {}

  /**
   * Commands that are not the read's: this class's own (stats, slow log) and the changes made
   * before a call; left out of Redis time and the longest command.
   */
  private static final java.util.Set<String> NOT_THE_READ = java.util.Set.of("info", "config", "slowlog", "incr", "hset", "zadd");

  private ReadCostSplit() {}

  /**
   * Runs alone: starts its own redis-server, loads each size and prints the tables.
   *
   * @param args {@code --sizes 10000,100000}
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    List<Integer> sizes = List.of(10_000, 100_000);
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--sizes") && i + 1 < args.length) {
        sizes = Arrays.stream(args[++i].split(",")).map(v -> Integer.parseInt(v.trim().replace("k", "000"))).toList();
      } else {
        System.err.println("unknown argument " + args[i] + " (use --sizes 10000,100000)");
        System.exit(2);
      }
    }
    StringBuilder md = new StringBuilder();
    try (RedisServer server = RedisServer.start()) {
      RedisClient client = RedisClient.create(RedisURI.builder(RedisURI.create(server.uri()))
          .withTimeout(Duration.ofSeconds(120)).build());
      try (StatefulRedisConnection<String, String> conn = client.connect()) {
        for (int n : sizes) {
          conn.sync().flushall();
          BenchData.loadOurs(conn.async(), n);
          table(n, measure(server.uri(), client, n), md);
        }
      } finally {
        client.shutdown();
      }
    }
    System.out.println(md);
  }

  static List<Split> measure(String uri, RedisClient client, int n) throws Exception {
    int calls = n >= 100_000 ? 12 : 40;
    // every service looked up once before measuring: a client's first lookup of a service reads
    // its members' data (HMGET each); later ones only their heartbeats
    int warm = n >= 100_000 ? 8 : 40;
    int warmOurs = Math.max(warm, BenchData.SERVICE_NAMES);
    List<Split> out = new ArrayList<>();
    DiscoveryService ours = Discovery.builder().redisUri(uri)
        .options(DiscoveryOptions.builder().clientMode(true).pubSubEnabled(false).redisPrefix(BenchData.PREFIX)
            .commandTimeout(Duration.ofSeconds(120)).build())
        .build();
    ours.start().join();
    try (StatefulRedisConnection<String, String> stats = client.connect();
        StatefulRedisConnection<String, String> refConn = client.connect();
        StatefulRedisConnection<String, String> refDirect = client.connect()) {
      RedisCommands<String, String> redis = stats.sync();
      ReferenceClient ref = new ReferenceClient(refConn, refDirect, BenchData.PREFIX);
      int[] next = {0};
      // the baseline parses every node's services field on each call; ours parses none when
      // the lists are known (identical texts are decoded once and shared)
      List<String> servicesTexts = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        servicesTexts.add(WireCodec.encodeServices(BenchData.services(i)));
      }
      double jsonAll = jsonMs(servicesTexts);
      double jsonOneService = jsonAll * BenchData.SERVICES_PER_NODE / BenchData.SERVICE_NAMES;
      out.add(split("ours: findNodesByService, no view", redis, warmOurs, calls,
          () -> ours.findNodesByService(BenchData.serviceName(next[0]++)).join().size(), 0, 0));
      String version = BenchData.PREFIX + ":index:version";
      Runnable bump = () -> redis.incr(version);
      int[] changing = {0};
      Runnable change = () -> { // what the update script does to the keys a read looks at
        String id = BenchData.id((changing[0]++ * 7919) % n);
        redis.hset(BenchData.PREFIX + ":nodes:" + id, "address", "10.9.9.9:" + (changing[0] % 60_000));
        redis.zadd(version + ":log", redis.incr(version), id);
      };
      out.add(split("ours: findNodesByService, no view, after one node changed", redis, warm, calls, change,
          () -> ours.findNodesByService(BenchData.serviceName(next[0]++)).join().size(), 0, 0));
      out.add(split("ours: findNodesByService, no view, after a change the log cannot vouch for", redis, warm, calls, bump,
          () -> ours.findNodesByService(BenchData.serviceName(next[0]++)).join().size(), 0, 0));
      out.add(split("efficient baseline: findNodesByService", redis, warm, calls,
          () -> ref.findNodesByService(BenchData.serviceName(next[0]++), null).size(), n, jsonAll));
      out.add(split("ours: getActiveNodes, no view", redis, warm, calls, () -> ours.getActiveNodes().join().size(), 0, 0));
      out.add(split("ours: getActiveNodes, no view, after one node changed", redis, warm, calls, change,
          () -> ours.getActiveNodes().join().size(), 0, 0));
      out.add(split("ours: getActiveNodes, no view, after a change the log cannot vouch for", redis, warm, calls, bump,
          () -> ours.getActiveNodes().join().size(), 0, 0));
      out.add(split("efficient baseline: getActiveNodes", redis, warm, calls, () -> ref.getActiveNodes().size(), n, jsonAll));
      System.out.printf("# JSON: parsing the services fields of one service's nodes would cost %.3f ms%n", jsonOneService);
    } finally {
      ours.close();
    }
    return out;
  }

  private static Split split(String what, RedisCommands<String, String> redis, int warm, int calls, IntSupplier read,
      int jsonParses, double jsonMs) {
    return split(what, redis, warm, calls, () -> { }, read, jsonParses, jsonMs);
  }

  private static Split split(String what, RedisCommands<String, String> redis, int warm, int calls, Runnable before,
      IntSupplier read, int jsonParses, double jsonMs) {
    for (int i = 0; i < warm; i++) {
      before.run();
      read.getAsInt();
    }
    redis.configSet(Map.of("slowlog-log-slower-than", "0", "slowlog-max-len", "200000"));
    redis.slowlogReset();
    redis.configResetstat();
    long out0 = netOut(redis);
    double[] wall = new double[calls];
    for (int i = 0; i < calls; i++) {
      before.run();
      long t = System.nanoTime();
      read.getAsInt();
      wall[i] = (System.nanoTime() - t) / 1e6;
    }
    long bytes = (netOut(redis) - out0) / calls;
    long usec = 0;
    for (String line : redis.info("commandstats").split("\r?\n")) {
      if (line.startsWith("cmdstat_") && !NOT_THE_READ.contains(line.substring(8, line.indexOf(':')).split("\\|")[0])) {
        for (String part : line.substring(line.indexOf(':') + 1).split(",")) {
          if (part.startsWith("usec=")) {
            usec += Long.parseLong(part.substring(5));
          }
        }
      }
    }
    long max = 0;
    String maxCommand = "";
    for (Object entry : redis.slowlogGet(200_000)) {
      List<?> e = (List<?>) entry;
      long d = ((Number) e.get(2)).longValue();
      String c = String.valueOf(((List<?>) e.get(3)).get(0)).toUpperCase();
      if (d > max && !NOT_THE_READ.contains(c.toLowerCase())) {
        max = d;
        maxCommand = c;
      }
    }
    redis.configSet(Map.of("slowlog-log-slower-than", "10000", "slowlog-max-len", "128"));
    Arrays.sort(wall);
    Split s = new Split(what, wall[calls / 2], usec / 1000.0 / calls, max / 1000.0, maxCommand, bytes, jsonParses, jsonMs);
    System.out.printf("# %s: p50 %.2f ms, Redis %.2f ms/call (largest command %.2f ms, %s), reply %,d B/call, JSON %d parses %.2f ms%n",
        what, s.wallP50Ms(), s.redisMsPerCall(), s.maxCommandMs(), maxCommand, bytes, jsonParses, jsonMs);
    return s;
  }

  /** What parsing every text once costs with our parser, median of 5 passes after 3 warm-ups. */
  private static double jsonMs(List<String> texts) {
    double[] t = new double[5];
    int sink = 0;
    for (int pass = 0; pass < 8; pass++) {
      long s = System.nanoTime();
      for (String text : texts) {
        List<?> l = WireCodec.decodeServices(text);
        sink += l == null ? 0 : l.size();
      }
      if (pass >= 3) {
        t[pass - 3] = (System.nanoTime() - s) / 1e6;
      }
    }
    if (sink == 42) {
      System.out.print("");
    }
    Arrays.sort(t);
    return t[2];
  }

  private static long netOut(RedisCommands<String, String> redis) {
    for (String line : redis.info("stats").split("\r?\n")) {
      if (line.startsWith("total_net_output_bytes:")) {
        return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    return 0;
  }

  /**
   * The splits as a markdown table.
   *
   * @param n registry size
   * @param splits the rows
   * @param md where to write
   */
  static void table(int n, List<Split> splits, StringBuilder md) {
    md.append("\n### Cost split of one read, N = ").append(n).append("\n\n");
    md.append("| read | wall p50 ms | Redis ms/call | largest command ms | reply B/call | JSON parses/call | JSON ms/call | rest (client) ms |\n");
    md.append("|---|---|---|---|---|---|---|---|\n");
    for (Split s : splits) {
      md.append(String.format("| %s | %.2f | %.2f | %.2f (%s) | %,d | %d | %.2f | %.2f |%n", s.what(), s.wallP50Ms(),
          s.redisMsPerCall(), s.maxCommandMs(), s.maxCommand(), s.replyBytesPerCall(), s.jsonParsesPerCall(), s.jsonMsPerCall(),
          Math.max(0, s.wallP50Ms() - s.redisMsPerCall() - s.jsonMsPerCall())));
    }
  }
}
