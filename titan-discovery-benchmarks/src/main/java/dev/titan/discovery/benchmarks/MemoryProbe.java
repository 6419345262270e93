package dev.titan.discovery.benchmarks;

import dev.titan.discovery.testkit.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Redis memory per node, and where it goes, without the JMH part of {@link BenchmarkMain}: starts
 * its own redis-server, and for each size loads N nodes ({@code --load instances}: one library
 * instance per node, see {@link InstanceLoad}; {@code --load script}: our registration script
 * called per node; {@code --load reference}: the TypeScript implementation's raw writes), then
 * prints {@code used_memory} per node (client buffers left out, as {@link RedisStats#usedMemory}
 * does) and a breakdown by structure ({@code MEMORY USAGE} of sampled node hashes and heartbeat
 * keys, each index's total divided by N, and the keyspace's hash tables from {@code MEMORY
 * STATS}).
 *
 * <p>Arguments: {@code --sizes 10000,100000} {@code --load instances|script|reference} {@code
 * --pubsub} (instances subscribe to the events channel).
 */
public final class MemoryProbe {

  private static final int SAMPLES = 200;

  private MemoryProbe() {}

  /**
   * Runs the probe.
   *
   * @param args see the class comment
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    List<Integer> sizes = List.of(10_000);
    String load = "instances";
    boolean pubSub = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--sizes" -> sizes = Arrays.stream(args[++i].split(",")).map(s -> Integer.parseInt(s.trim().replace("k", "000"))).toList();
        case "--load" -> load = args[++i];
        case "--pubsub" -> pubSub = true;
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    try (RedisServer server = RedisServer.start()) {
      RedisClient client = RedisClient.create(RedisURI.builder(RedisURI.create(server.uri())).withTimeout(Duration.ofSeconds(120)).build());
      try (StatefulRedisConnection<String, String> conn = client.connect()) {
        RedisCommands<String, String> redis = conn.sync();
        RedisStats stats = new RedisStats(redis);
        for (int n : sizes) {
          redis.flushall();
          long m0 = stats.settledUsedMemory();
          long t0 = System.nanoTime();
          switch (load) {
            case "instances" -> InstanceLoad.load(server.uri(), n, InstanceLoad.PER_CHILD, pubSub, conn);
            case "script" -> BenchData.loadOurs(conn.async(), n);
            case "reference" -> BenchData.loadReference(conn, n);
            default -> throw new IllegalArgumentException("--load instances|script|reference, was " + load);
          }
          double seconds = (System.nanoTime() - t0) / 1e9;
          long atOnce = stats.usedMemory() - m0;
          long bytes = stats.settledUsedMemory() - m0;
          System.out.printf(Locale.ROOT, "# read at once after the load: %d B per node; settled:%n", atOnce / n);
          System.out.printf(Locale.ROOT, "# N = %d, load %s%s: %.1f s, %d B per node (used_memory delta %d B)%n", n, load,
              pubSub ? " (pub/sub on)" : "", seconds, bytes / n, bytes);
          Map<String, Double> parts = breakdown(redis, n);
          parts.forEach((k, v) -> System.out.printf(Locale.ROOT, "  %-100s %8.1f B/node%n", k, v));
          System.out.printf(Locale.ROOT, "  %-100s %8.1f B/node%n", "not accounted for (used_memory delta - sum)",
              (double) bytes / n - parts.get("sum of the above"));
        }
      } finally {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      }
    }
  }

  /**
   * Bytes per node by structure: {@code MEMORY USAGE} (value, key name and its dict entry) of
   * sampled node hashes and heartbeat keys, each index key's whole usage divided by N, and the
   * keyspace's own hash tables (main and expires: buckets and the expires entries) from {@code
   * MEMORY STATS}.
   */
  static Map<String, Double> breakdown(RedisCommands<String, String> redis, int n) {
    Map<String, Double> out = new LinkedHashMap<>();
    String p = BenchData.PREFIX;
    int samples = Math.min(SAMPLES, n);
    long hash = 0;
    long beat = 0;
    for (int s = 0; s < samples; s++) {
      String id = BenchData.id((int) ((long) s * n / samples));
      hash += memory(redis, p + ":nodes:" + id);
      beat += memory(redis, p + ":heartbeat:" + id);
    }
    out.put("node hash (MEMORY USAGE, mean of " + samples + ", " + redis.objectEncoding(p + ":nodes:" + BenchData.id(0)) + ")",
        (double) hash / samples);
    out.put("heartbeat key (MEMORY USAGE, mean of " + samples + ")", (double) beat / samples);
    out.put("index:nodes / N (" + redis.objectEncoding(p + ":index:nodes") + ")", (double) memory(redis, p + ":index:nodes") / n);
    out.put("index:deadlines / N (" + redis.objectEncoding(p + ":index:deadlines") + ")", (double) memory(redis, p + ":index:deadlines") / n);
    long services = 0;
    List<String> serviceKeys = new ArrayList<>(redis.keys(p + ":index:services:*"));
    String encodings = "";
    for (String k : serviceKeys) {
      services += memory(redis, k);
      String e = redis.objectEncoding(k);
      if (!encodings.contains(e)) {
        encodings += (encodings.isEmpty() ? "" : ",") + e;
      }
    }
    out.put("index:services:* (" + serviceKeys.size() + " sets, " + encodings + ") / N", (double) services / n);
    long other = 0;
    StringBuilder names = new StringBuilder();
    for (String k : List.of("index:names", "index:version", "index:version:log", "index:sweeper", "index:departing", "index:foreign")) {
      long m = memory(redis, p + ":" + k);
      if (m > 0) {
        other += m;
        names.append(names.length() == 0 ? "" : ", ").append(k).append(' ').append(m).append(" B");
      }
    }
    out.put("other index keys (" + names + ") / N", (double) other / n);
    Map<String, Long> ms = memoryStats(redis);
    long keys = redis.dbsize();
    // MEMORY STATS counts a dictEntry (24 B) and a robj (16 B) per key, which MEMORY USAGE above
    // counted already: what is left is the bucket array
    out.put("keyspace: main dict bucket array (MEMORY STATS overhead.hashtable.main - 40 B per key) / N",
        (ms.getOrDefault("db.0.overhead.hashtable.main", 0L) - 40L * keys) / (double) n);
    long expiring = ms.getOrDefault("db.0.overhead.hashtable.expires", 0L);
    out.put("keyspace: expires dict, entries (24 B) and bucket array (MEMORY STATS overhead.hashtable.expires) / N",
        expiring / (double) n);
    // jemalloc serves a 24-byte dictEntry from its 32-byte class; MEMORY USAGE and MEMORY STATS
    // count sizeof(dictEntry): 8 B more per entry of every hashtable (keyspace, expires, hashtable
    // hashes and sets, a skiplist zset's dict)
    long entries = keys + Long.parseLong(info(redis, "keyspace", "db0").replaceAll(".*expires=(\\d+).*", "$1"));
    entries += countEntries(redis, p + ":index:nodes") + countEntries(redis, p + ":index:deadlines");
    for (String k : serviceKeys) {
      entries += countEntries(redis, k);
    }
    if ("hashtable".equals(redis.objectEncoding(p + ":nodes:" + BenchData.id(0)))) {
      entries += 3L * n; // address, services, timestamp
    }
    out.put("dict entries' allocator rounding (24 -> 32 B, " + entries / n + " entries per node) / N", 8.0 * entries / n);
    double sum = out.values().stream().mapToDouble(Double::doubleValue).sum();
    out.put("sum of the above", sum);
    return out;
  }

  /** Entries of a set or zset held in a dict (hashtable set, skiplist zset); 0 when compact. */
  private static long countEntries(RedisCommands<String, String> redis, String key) {
    String e = redis.objectEncoding(key);
    if ("hashtable".equals(e)) {
      return redis.scard(key);
    }
    return "skiplist".equals(e) ? redis.zcard(key) : 0;
  }

  private static String info(RedisCommands<String, String> redis, String section, String field) {
    return redis.info(section).lines().filter(l -> l.startsWith(field + ":")).findFirst().orElse(field + ":").substring(field.length() + 1);
  }

  private static long memory(RedisCommands<String, String> redis, String key) {
    // SAMPLES 0: every element of a set, not an estimate from 5 of them
    Long m = redis.dispatch(io.lettuce.core.protocol.CommandType.MEMORY,
        new io.lettuce.core.output.IntegerOutput<>(io.lettuce.core.codec.StringCodec.UTF8),
        new io.lettuce.core.protocol.CommandArgs<>(io.lettuce.core.codec.StringCodec.UTF8).add("USAGE").addKey(key).add("SAMPLES").add(0));
    return m == null ? 0 : m;
  }

  /** {@code MEMORY STATS} flattened: top-level numbers, and {@code db.0.*} for db 0's. */
  @SuppressWarnings("unchecked")
  private static Map<String, Long> memoryStats(RedisCommands<String, String> redis) {
    List<Object> raw = redis.dispatch(io.lettuce.core.protocol.CommandType.MEMORY,
        new io.lettuce.core.output.NestedMultiOutput<>(io.lettuce.core.codec.StringCodec.UTF8),
        new io.lettuce.core.protocol.CommandArgs<>(io.lettuce.core.codec.StringCodec.UTF8).add("STATS"));
    Map<String, Long> out = new LinkedHashMap<>();
    for (int i = 0; i + 1 < raw.size(); i += 2) {
      String k = String.valueOf(raw.get(i));
      Object v = raw.get(i + 1);
      if (v instanceof Long l) {
        out.put(k, l);
      } else if (v instanceof List<?> l && k.startsWith("db.")) {
        for (int j = 0; j + 1 < l.size(); j += 2) {
          if (l.get(j + 1) instanceof Long x) {
            out.put(k + "." + l.get(j), x);
          }
        }
      }
    }
    return out;
  }
}
