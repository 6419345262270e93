package dev.titan.discovery.benchmarks;

import dev.titan.discovery.Discovery;
import dev.titan.discovery.DiscoveryOptions;
import dev.titan.discovery.DiscoveryService;
import dev.titan.discovery.ServiceInfo;
import dev.titan.discovery.internal.redis.Scripts;
import dev.titan.discovery.internal.wire.WireCodec;
import dev.titan.discovery.testkit.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The whole Redis cost of keeping one node registered (issue 15 item 6): S real {@link
 * DiscoveryService} instances (the public API, pub/sub on, default options but the heartbeat
 * interval and TTL given) run for a fixed window in a registry of N static nodes, and every
 * command Redis ran in that window is attributed to a script or command through the slow log
 * ({@code slowlog-log-slower-than 0}: every command, with its arguments, its duration and the
 * client's name; a script's duration includes the commands it calls, which are not logged on
 * their own). Each {@code EVALSHA} is named by its SHA-1 ({@link Scripts#sha()}); the removal
 * script by its mode (sweep, expire, deregister); native commands by the key they touch. Then S
 * nodes of the reference heartbeat (EVAL of its script + PUBLISH of NODE_UPDATED, with {@value
 * #REFERENCE_LISTENERS} listeners on its channel, as in {@link BenchmarkMain}'s fleet row) run for
 * the same window, on the same Redis and the same registry. Ours and the reference alternate
 * (services stopped during the reference's window). Redis process CPU ({@code INFO cpu}, user +
 * sys, reading requests and writing replies and published messages included) is reported per node
 * per interval for both, and the same for an idle window (nothing running), which both include.
 *
 * <p>Arguments: {@code --sizes 10000,100000} {@code --services 1,10,100} {@code --interval 5s}
 * {@code --ttl 15s} (the defaults of {@link DiscoveryOptions}) {@code --window 20s} {@code
 * --rounds 2} {@code --views} (every service also opens its local view) {@code --out FILE}.
 * Runnable alone ({@code java -cp benchmarks.jar dev.titan.discovery.benchmarks.FleetCost}) or as
 * {@code BenchmarkMain --fleet-cost}.
 */
public final class FleetCost {

  /** Raw subscribers to the reference's channel while the reference heartbeats. */
  static final int REFERENCE_LISTENERS = 10;
  private static final String CONTROL = "fleet-control";
  private static final String REFERENCE = "fleet-reference";
  private static final Duration SETTLE = Duration.ofSeconds(3);

  /**
   * What to run.
   *
   * @param sizes registry sizes N
   * @param services running service counts S
   * @param interval heartbeat interval
   * @param ttl heartbeat TTL
   * @param window measured time per round and side
   * @param rounds rounds per (N, S), ours and the reference alternating
   * @param views whether every service opens its local view
   */
  record Config(List<Integer> sizes, List<Integer> services, Duration interval, Duration ttl, Duration window,
      int rounds, boolean views) {}

  /** Totals of one label: calls and microseconds. */
  private static final class Tally {
    long calls;
    long micros;
  }

  /** What one side's windows added up to. */
  private static final class Side {
    final Map<String, Tally> byLabel = new TreeMap<>();
    double cpuMicros;
    double seconds;
    long evalshaUsecCommandstats;

    void add(String label, long micros) {
      Tally t = byLabel.computeIfAbsent(label, k -> new Tally());
      t.calls++;
      t.micros += micros;
    }

    final Map<String, Tally> inner = new TreeMap<>();

    void addInner(String label, long micros) {
      Tally t = inner.computeIfAbsent(label, k -> new Tally());
      t.calls++;
      t.micros += micros;
    }

    long totalMicros() {
      return byLabel.values().stream().mapToLong(t -> t.micros).sum();
    }
  }

  private FleetCost() {}

  /**
   * Runs alone: starts its own redis-server.
   *
   * @param args see the class comment
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    Config config = parse(args, List.of(10_000, 100_000));
    Path out = Path.of("target", "fleet-cost.md");
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--out")) {
        out = Path.of(args[i + 1]);
      }
    }
    try (RedisServer server = RedisServer.start()) {
      String md = run(server.uri(), config);
      Files.createDirectories(out.toAbsolutePath().getParent());
      Files.writeString(out, md);
      System.out.println("# written to " + out.toAbsolutePath());
    }
  }

  /**
   * Reads the arguments this section knows, ignoring the others (BenchmarkMain's).
   *
   * @param args the command line
   * @param defaultSizes sizes when {@code --sizes} is absent
   * @return the configuration
   */
  static Config parse(String[] args, List<Integer> defaultSizes) {
    List<Integer> sizes = defaultSizes;
    List<Integer> services = List.of(1, 10, 100);
    Duration interval = DiscoveryOptions.DEFAULT_HEARTBEAT_INTERVAL;
    Duration ttl = DiscoveryOptions.DEFAULT_HEARTBEAT_TTL;
    Duration window = Duration.ofSeconds(20);
    int rounds = 2;
    boolean views = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--sizes" -> sizes = ints(args[++i]);
        case "--services" -> services = ints(args[++i]);
        case "--interval" -> interval = duration(args[++i]);
        case "--ttl" -> ttl = duration(args[++i]);
        case "--window" -> window = duration(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--views" -> views = true;
        default -> { }
      }
    }
    return new Config(sizes, services, interval, ttl, window, rounds, views);
  }

  private static List<Integer> ints(String s) {
    return Arrays.stream(s.split(",")).map(x -> Integer.parseInt(x.trim().replace("k", "000"))).toList();
  }

  private static Duration duration(String s) {
    s = s.trim();
    if (s.endsWith("ms")) {
      return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
    }
    if (s.endsWith("s")) {
      return Duration.ofMillis(Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 1000));
    }
    return Duration.ofMillis(Long.parseLong(s));
  }

  /**
   * Runs every (N, S) on the server at {@code uri} (it is flushed) and prints the tables.
   *
   * @param uri the server
   * @param config what to run
   * @return the tables, markdown
   * @throws Exception on failure
   */
  static String run(String uri, Config config) throws Exception {
    StringBuilder md = new StringBuilder();
    md.append("Heartbeat interval ").append(config.interval().toMillis()).append(" ms, TTL ")
        .append(config.ttl().toMillis()).append(" ms, window ").append(config.window().toMillis() / 1000.0)
        .append(" s x ").append(config.rounds()).append(" rounds per side, pub/sub on")
        .append(config.views() ? ", every service with its local view" : ", no local views")
        .append("; reference: EVAL + PUBLISH, ").append(REFERENCE_LISTENERS).append(" listeners.\n\n");
    RedisClient client = RedisClient.create(RedisURI.builder(RedisURI.create(uri))
        .withTimeout(Duration.ofSeconds(120)).withClientName(CONTROL).build());
    RedisClient refClient = RedisClient.create(RedisURI.builder(RedisURI.create(uri))
        .withTimeout(Duration.ofSeconds(60)).withClientName(REFERENCE).build());
    ClientResources resources = DefaultClientResources.create();
    try (StatefulRedisConnection<String, String> conn = client.connect()) {
      RedisCommands<String, String> redis = conn.sync();
      RedisStats stats = new RedisStats(redis);
      String version = redis.info("server").lines().filter(l -> l.startsWith("redis_version:")).findFirst().orElse("?");
      System.out.println("# fleet cost: redis " + version + "; " + md.toString().trim());
      redis.configSet("slowlog-max-len", "1000000");
      for (Scripts script : Scripts.values()) { // cached, as in a registry that has run a while
        redis.scriptLoad(script.body());
      }
      for (int n : config.sizes()) {
        redis.flushall();
        long t0 = System.nanoTime();
        loadStatic(conn.async(), n);
        System.out.printf(Locale.ROOT, "# N = %d loaded in %.1f s%n", n, (System.nanoTime() - t0) / 1e9);
        double idle = idleCpuMicrosPerSecond(stats);
        for (int s : config.services()) {
          Side ours = new Side();
          Side ref = new Side();
          for (int round = 0; round < config.rounds(); round++) {
            measureOurs(uri, resources, redis, stats, config, s, round, ours);
            measureReference(refClient, client, redis, stats, config, s, ref);
          }
          String table = table(n, s, config, ours, ref, idle);
          System.out.print(table);
          md.append(table).append('\n');
        }
      }
      redis.configSet("slowlog-log-slower-than", "10000");
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      refClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      resources.shutdown(0, 2, TimeUnit.SECONDS).get();
    }
    return md.toString();
  }

  /**
   * Loads the N static nodes (they live an hour: nothing of them expires during the run). The one
   * place to swap the loader.
   *
   * @param commands where to write
   * @param n how many
   */
  static void loadStatic(RedisAsyncCommands<String, String> commands, int n) {
    BenchData.loadOurs(commands, n);
  }

  private static double idleCpuMicrosPerSecond(RedisStats stats) throws InterruptedException {
    double c0 = stats.cpuMicros();
    long t0 = System.nanoTime();
    Thread.sleep(3000); // the benchmark's own pacing
    return (stats.cpuMicros() - c0) / ((System.nanoTime() - t0) / 1e9);
  }

  private static void measureOurs(String uri, ClientResources resources, RedisCommands<String, String> redis,
      RedisStats stats, Config config, int s, int round, Side side) throws Exception {
    List<DiscoveryService> services = new ArrayList<>(s);
    DiscoveryOptions options = DiscoveryOptions.builder().pubSubEnabled(true).pubSubChannel(BenchData.CHANNEL)
        .redisPrefix(BenchData.PREFIX).heartbeatInterval(config.interval()).heartbeatTtl(config.ttl()).build();
    for (int i = 0; i < s; i++) {
      services.add(Discovery.builder().redisUri(uri).clientResources(resources).options(options)
          .nodeId("fleet-" + round + "-" + i).address("10.250." + (i >> 8) + "." + (i & 255) + ":8080")
          .services(List.of(ServiceInfo.of(BenchData.serviceName(i), "1.0.0")))
          .build());
    }
    try {
      CompletableFuture.allOf(services.stream().map(DiscoveryService::start).toArray(CompletableFuture[]::new))
          .get(120, TimeUnit.SECONDS);
      if (config.views()) {
        CompletableFuture.allOf(services.stream().map(d -> d.view().ready()).toArray(CompletableFuture[]::new))
            .get(600, TimeUnit.SECONDS);
      }
      Thread.sleep(SETTLE.toMillis()); // registrations, first sweeps and lease polls done
      window(redis, stats, config, side, false);
    } finally {
      CompletableFuture.allOf(services.stream().map(DiscoveryService::stop).toArray(CompletableFuture[]::new))
          .get(120, TimeUnit.SECONDS);
      services.forEach(DiscoveryService::close);
    }
  }

  private static void measureReference(RedisClient refClient, RedisClient client, RedisCommands<String, String> redis,
      RedisStats stats, Config config, int s, Side side) throws Exception {
    List<StatefulRedisPubSubConnection<String, String>> listeners = new ArrayList<>();
    ScheduledExecutorService beats = Executors.newSingleThreadScheduledExecutor();
    try (StatefulRedisConnection<String, String> pipelined = refClient.connect();
        StatefulRedisConnection<String, String> direct = refClient.connect()) {
      for (int i = 0; i < REFERENCE_LISTENERS; i++) {
        listeners.add(BenchData.referenceListener(refClient));
      }
      ReferenceClient ref = new ReferenceClient(pipelined, direct, BenchData.PREFIX);
      long intervalMs = config.interval().toMillis();
      for (int i = 0; i < s; i++) {
        String id = "fleet-ref-" + i;
        String address = "10.251." + (i >> 8) + "." + (i & 255) + ":8080";
        String json = WireCodec.encodeServices(List.of(ServiceInfo.of(BenchData.serviceName(i), "1.0.0")));
        long ttl = config.ttl().toMillis();
        beats.scheduleAtFixedRate(() -> ref.heartbeat(id, address, json, ttl), i * intervalMs / s, intervalMs,
            TimeUnit.MILLISECONDS);
      }
      Thread.sleep(SETTLE.toMillis());
      window(redis, stats, config, side, true);
    } finally {
      beats.shutdownNow();
      beats.awaitTermination(10, TimeUnit.SECONDS);
      listeners.forEach(StatefulRedisPubSubConnection::close);
      // the reference's nodes leave nothing behind for our next round (its index:nodes entries
      // would be adopted by our sweeper)
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < s; i++) {
        ids.add("fleet-ref-" + i);
        redis.del(BenchData.PREFIX + ":nodes:fleet-ref-" + i, BenchData.PREFIX + ":heartbeat:fleet-ref-" + i);
      }
      redis.srem(BenchData.PREFIX + ":index:nodes", ids.toArray(new String[0]));
    }
  }

  /** One measured window: every command of the other clients, attributed. */
  private static void window(RedisCommands<String, String> redis, RedisStats stats, Config config, Side side,
      boolean reference) throws Exception {
    redis.configSet("slowlog-log-slower-than", "0");
    redis.slowlogReset();
    stats.resetStats();
    double c0 = stats.cpuMicros();
    long t0 = System.nanoTime();
    Thread.sleep(config.window().toMillis()); // the measured window
    double c1 = stats.cpuMicros();
    long t1 = System.nanoTime();
    redis.configSet("slowlog-log-slower-than", "-1");
    long[] evalsha = stats.commandStats("evalsha");
    List<Object> log = redis.slowlogGet(-1);
    side.cpuMicros += c1 - c0;
    side.seconds += (t1 - t0) / 1e9;
    side.evalshaUsecCommandstats += evalsha[1];
    if (log.size() >= 1_000_000) {
      System.out.println("# warning: slow log full, raise slowlog-max-len");
    }
    // SLOWLOG GET lists the newest first; a script's inner commands (client "?:0", no name) are
    // logged, each with its own duration, right before the script's own entry, which includes
    // them: they are listed under the script and not added again
    List<Object> chronological = new ArrayList<>(log);
    java.util.Collections.reverse(chronological);
    List<String[]> inner = new ArrayList<>();
    List<Long> innerMicros = new ArrayList<>();
    for (Object o : chronological) {
      List<?> entry = (List<?>) o;
      long micros = ((Number) entry.get(2)).longValue();
      List<String> a = ((List<?>) entry.get(3)).stream().map(String::valueOf).toList();
      String addr = entry.size() > 4 ? String.valueOf(entry.get(4)) : "";
      String name = entry.size() > 5 ? String.valueOf(entry.get(5)) : "";
      if (addr.equals("?:0")) {
        inner.add(new String[] {label(a)});
        innerMicros.add(micros);
        continue;
      }
      if (name.equals(CONTROL)) {
        inner.clear();
        innerMicros.clear();
        continue;
      }
      boolean fromReference = name.equals(REFERENCE);
      String label = fromReference && a.get(0).equalsIgnoreCase("EVAL") ? "EVAL reference heartbeat" : label(a);
      String full = reference == fromReference ? label : "(other client: " + label + ")";
      side.add(full, micros);
      for (int i = 0; i < inner.size(); i++) {
        side.addInner(full + " > " + inner.get(i)[0], innerMicros.get(i));
      }
      inner.clear();
      innerMicros.clear();
    }
  }

  private static final Map<String, String> SCRIPTS = new HashMap<>();

  static {
    for (Scripts s : Scripts.values()) {
      SCRIPTS.put(s.sha(), s.name().toLowerCase(Locale.ROOT));
    }
  }

  /** A command's label: the script's name, or the command and the kind of key it touches. */
  static String label(List<String> a) {
    String cmd = a.get(0).toUpperCase(Locale.ROOT);
    if (cmd.equals("EVALSHA") && a.size() > 2) {
      String script = SCRIPTS.getOrDefault(a.get(1).toLowerCase(Locale.ROOT), "unknown sha " + a.get(1));
      if (script.equals("remove")) {
        int numKeys = Integer.parseInt(a.get(2));
        int mode = 3 + numKeys + 2;
        return "EVALSHA remove (" + (mode < a.size() ? a.get(mode) : "?") + ")";
      }
      if (script.equals("renew")) {
        return "EVALSHA renew";
      }
      return "EVALSHA " + script;
    }
    if (cmd.equals("EVAL")) {
      return "EVAL (a script not cached: NOSCRIPT fallback)";
    }
    if (cmd.equals("PUBLISH") && a.size() > 1) {
      return "PUBLISH " + keyKind(a.get(1));
    }
    return a.size() > 1 ? cmd + " " + keyKind(a.get(1)) : cmd;
  }

  private static String keyKind(String key) {
    String k = key.startsWith(BenchData.PREFIX + ":") ? key.substring(BenchData.PREFIX.length() + 1) : key;
    if (k.startsWith("nodes:")) {
      return "nodes:{id}";
    }
    if (k.startsWith("heartbeat:")) {
      return "heartbeat:{id}";
    }
    if (k.startsWith("index:services:")) {
      return "index:services:{name}";
    }
    return k;
  }

  private static String table(int n, int s, Config config, Side ours, Side ref, double idleCpuPerSecond) {
    double intervalS = config.interval().toMillis() / 1000.0;
    double oursIntervals = ours.seconds / intervalS * s;
    double refIntervals = ref.seconds / intervalS * s;
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "#### N = %,d static nodes, S = %d services%n%n", n, s));
    b.append("| side | script or command | calls per node per interval | us per call | us per node per interval |\n");
    b.append("|---|---|---:|---:|---:|\n");
    rows(b, "ours", ours, oursIntervals);
    b.append(String.format(Locale.ROOT, "| **ours** | **total** (slow log) | | | **%s** |%n",
        fmt(ours.totalMicros() / oursIntervals)));
    rows(b, "reference", ref, refIntervals);
    b.append(String.format(Locale.ROOT, "| **reference** | **total** (slow log) | | | **%s** |%n",
        fmt(ref.totalMicros() / refIntervals)));
    double oursCpu = ours.cpuMicros / oursIntervals;
    double refCpu = ref.cpuMicros / refIntervals;
    double idleShare = idleCpuPerSecond * intervalS / s;
    b.append(String.format(Locale.ROOT,
        "| ours | Redis process CPU (INFO cpu; idle Redis alone: %s) | | | %s (%s above idle) |%n",
        fmt(idleShare), fmt(oursCpu), fmt(oursCpu - idleShare)));
    b.append(String.format(Locale.ROOT, "| reference | Redis process CPU (INFO cpu) | | | %s (%s above idle) |%n",
        fmt(refCpu), fmt(refCpu - idleShare)));
    double slowRatio = ref.totalMicros() / refIntervals / (ours.totalMicros() / oursIntervals);
    b.append(String.format(Locale.ROOT,
        "%nRatio reference/ours: slow-log time %sx, process CPU %sx, above idle %sx. Cross-check: EVALSHA usec by "
            + "commandstats %s, by slow log %s.%n",
        fmt(slowRatio), fmt(refCpu / oursCpu), fmt((refCpu - idleShare) / (oursCpu - idleShare)),
        ours.evalshaUsecCommandstats + ref.evalshaUsecCommandstats,
        ours.byLabel.entrySet().stream().filter(e -> e.getKey().startsWith("EVALSHA")).mapToLong(e -> e.getValue().micros).sum()
            + ref.byLabel.entrySet().stream().filter(e -> e.getKey().startsWith("EVALSHA")).mapToLong(e -> e.getValue().micros).sum()));
    return b.append('\n').toString();
  }

  private static void rows(StringBuilder b, String side, Side data, double nodeIntervals) {
    for (Map.Entry<String, Tally> e : data.byLabel.entrySet()) {
      Tally t = e.getValue();
      b.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s |%n", side, e.getKey(),
          fmt(t.calls / nodeIntervals), fmt((double) t.micros / t.calls), fmt(t.micros / nodeIntervals)));
      String prefix = e.getKey() + " > ";
      for (Map.Entry<String, Tally> i : data.inner.entrySet()) {
        if (i.getKey().startsWith(prefix)) {
          Tally c = i.getValue();
          b.append(String.format(Locale.ROOT, "| %s | &nbsp;&nbsp;inside: %s | %s | %s | (%s) |%n", side,
              i.getKey().substring(prefix.length()), fmt(c.calls / nodeIntervals), fmt((double) c.micros / c.calls),
              fmt(c.micros / nodeIntervals)));
        }
      }
    }
  }

  private static String fmt(double d) {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      return "";
    }
    if (Math.abs(d) >= 1000) {
      return String.format(Locale.ROOT, "%,.0f", d);
    }
    if (Math.abs(d) >= 10) {
      return String.format(Locale.ROOT, "%.1f", d);
    }
    if (Math.abs(d) >= 0.1) {
      return String.format(Locale.ROOT, "%.2f", d);
    }
    return String.format(Locale.ROOT, "%.4f", d);
  }
}
