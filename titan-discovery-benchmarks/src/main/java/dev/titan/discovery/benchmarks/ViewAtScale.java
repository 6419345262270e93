package dev.titan.discovery.benchmarks;

import dev.titan.discovery.DiscoveryService;
import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.RegistryView;
import dev.titan.discovery.testkit.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.ObjectName;

/**
 * The local view at scale (issue 15, item 7): on its own redis-server, for each size N loads N
 * nodes ({@link BenchData#loadOurs}) and measures
 *
 * <ul>
 *   <li>full resync time: {@code view()} until {@code ready()} on a new client-mode service (pub/sub
 *       on, as {@link BenchState}), and {@code view.refresh()} on a filled view; p50 and max;
 *   <li>during one resync of a new service: the longest single Redis command ({@code SLOWLOG} with
 *       {@code slowlog-log-slower-than 0}), the Redis time of all its commands ({@code INFO
 *       commandstats}) and its reply bytes ({@code total_net_output_bytes});
 *   <li>JVM heap per node: live heap of the process ({@code GC.class_histogram}, which runs a full
 *       GC first) with the service started and no view, then with the view ready, divided by N;
 *       the classes that grew most;
 *   <li>lookup latency from the view, single-threaded, each call timed with {@code System.nanoTime}
 *       (its own ~20-30 ns included), after warm-up; calls/s with 1 and 2 threads; and the
 *       confirmed lookup through the service (one Redis round trip) for comparison.
 * </ul>
 *
 * <p>Arguments: {@code --sizes 10000,100000} (default), {@code --out FILE} (markdown, default
 * {@code target/view-at-scale.md}). {@link BenchmarkMain} runs it with {@code --view-scale}.
 */
public final class ViewAtScale {

  private static final int RESYNCS = 5;
  private static final int LOOKUP_SAMPLES = 1_000_000;
  private static final int LOOKUP_WARMUP = 300_000;
  private static final int CONFIRMED_SAMPLES = 2_000;
  private static volatile long sink;

  private ViewAtScale() {}

  /**
   * Runs the measurements.
   *
   * @param args see the class comment
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    List<Integer> sizes = List.of(10_000, 100_000);
    Path out = Path.of("target", "view-at-scale.md");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--sizes" -> sizes = Arrays.stream(args[++i].split(",")).map(s -> Integer.parseInt(s.trim().replace("k", "000"))).toList();
        case "--out" -> out = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (use --sizes 10000,100000 --out FILE)");
      }
    }
    String md;
    try (RedisServer server = RedisServer.start()) {
      md = run(server.uri(), sizes);
    }
    System.out.println();
    System.out.print(md);
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, md);
    System.out.println("# written to " + out.toAbsolutePath());
  }

  /**
   * Measures every size on the Redis at {@code uri} (flushed and loaded per size).
   *
   * @param uri the Redis
   * @param sizes the registry sizes
   * @return the markdown table
   * @throws Exception on failure
   */
  static String run(String uri, List<Integer> sizes) throws Exception {
    StringBuilder md = new StringBuilder();
    md.append("| N | measure | unit | p50 | p99 or max | notes |\n|---:|---|---|---:|---:|---|\n");
    RedisClient client = RedisClient.create(RedisURI.builder(RedisURI.create(uri)).withTimeout(Duration.ofSeconds(120)).build());
    try (StatefulRedisConnection<String, String> conn = client.connect()) {
      RedisCommands<String, String> redis = conn.sync();
      for (int n : sizes) {
        redis.flushall();
        long t0 = System.nanoTime();
        BenchData.loadOurs(conn.async(), n);
        System.out.printf(Locale.ROOT, "# N = %d loaded in %.1f s; load average %s%n", n, (System.nanoTime() - t0) / 1e9, loadAverage());
        StringBuilder rows = new StringBuilder();
        measure(uri, redis, n, rows);
        rows.append(row(n, "load average (1 min) at the end", "", Double.NaN, Double.NaN, loadAverage()));
        System.out.print(rows);
        md.append(rows);
      }
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
    return md.toString();
  }

  private static void measure(String uri, RedisCommands<String, String> redis, int n, StringBuilder md) throws Exception {
    // heap: the same service, without and with its view
    DiscoveryService main = service(uri);
    RegistryView view;
    try {
      Histogram before = Histogram.take();
      long usedBefore = usedHeapAfterGc();
      view = main.view();
      view.ready().orTimeout(120, TimeUnit.SECONDS).join();
      if (view.size() != n) {
        System.out.println("# warning: the view holds " + view.size() + " nodes, N = " + n);
      }
      Histogram after = Histogram.take();
      long usedAfter = usedHeapAfterGc();
      double perNode = (double) (after.total - before.total) / n;
      md.append(row(n, "JVM heap per node of the view (live bytes, GC.class_histogram after a full GC, service without view -> view ready)",
          "B", perNode, Double.NaN, "whole view: " + mb(after.total - before.total) + "; MemoryMXBean used after System.gc(): "
              + fmt((double) (usedAfter - usedBefore) / n) + " B/node; grew most: " + after.topGrowth(before, n, 6)));

      // lookups from the filled view
      lookups(main, view, n, md);

      // refresh() of a filled view: a full read again (with data read before re-usable by it)
      double[] refresh = new double[RESYNCS];
      for (int i = 0; i < RESYNCS; i++) {
        long t = System.nanoTime();
        view.refresh().orTimeout(120, TimeUnit.SECONDS).join();
        refresh[i] = (System.nanoTime() - t) / 1e6;
      }
      md.append(row(n, "full resync, view.refresh() of a filled view (" + RESYNCS + " runs; p99 col = max)", "ms",
          pct(sorted(refresh), 50), max(refresh), "runs: " + list(refresh)));
    } finally {
      main.close();
    }

    // a new service's first full read, RESYNCS times
    double[] cold = new double[RESYNCS];
    for (int i = 0; i < RESYNCS; i++) {
      DiscoveryService s = service(uri);
      try {
        long t = System.nanoTime();
        RegistryView v = s.view();
        v.ready().orTimeout(120, TimeUnit.SECONDS).join();
        cold[i] = (System.nanoTime() - t) / 1e6;
      } finally {
        s.close();
      }
    }
    md.append(row(n, "full resync, new service: view() until ready() (" + RESYNCS + " runs, a new service each; p99 col = max)",
        "ms", pct(sorted(cold), 50), max(cold), "runs: " + list(cold)));

    instrumentedResync(uri, redis, n, md);
  }

  /** One resync of a new service with SLOWLOG on every command, commandstats and output bytes. */
  private static void instrumentedResync(String uri, RedisCommands<String, String> redis, int n, StringBuilder md)
      throws Exception {
    RedisStats stats = new RedisStats(redis);
    DiscoveryService s = service(uri);
    try {
      Thread.sleep(200); // let the start's own commands finish
      redis.configSet("slowlog-max-len", "1000000");
      redis.slowlogReset();
      redis.configSet("slowlog-log-slower-than", "0");
      stats.resetStats();
      long out0 = stats.netOutputBytes();
      double cpu0 = stats.cpuMicros();
      long t = System.nanoTime();
      s.view().ready().orTimeout(120, TimeUnit.SECONDS).join();
      double ms = (System.nanoTime() - t) / 1e6;
      redis.configSet("slowlog-log-slower-than", "10000");
      double cpuMs = (stats.cpuMicros() - cpu0) / 1000.0;
      long outBytes = stats.netOutputBytes() - out0;
      Map<String, long[]> cmd = commandStats(redis);
      long calls = 0;
      long usec = 0;
      StringBuilder per = new StringBuilder();
      for (Map.Entry<String, long[]> e : cmd.entrySet()) {
        if (List.of("info", "config|set", "config", "slowlog|reset", "slowlog").contains(e.getKey())) {
          continue;
        }
        calls += e.getValue()[0];
        usec += e.getValue()[1];
        per.append(per.length() == 0 ? "" : ", ").append(e.getKey()).append(' ').append(e.getValue()[0]).append(" calls ")
            .append(fmt(e.getValue()[1] / 1000.0)).append(" ms");
      }
      record Logged(long micros, String what) {}
      List<Logged> logged = new ArrayList<>();
      List<Object> log = redis.slowlogGet(1_000_000);
      for (Object o : log) {
        List<?> entry = (List<?>) o;
        List<?> argv = (List<?>) entry.get(3);
        String name = String.valueOf(argv.get(0)).toLowerCase(Locale.ROOT);
        if (name.equals("config") || name.equals("slowlog") || name.equals("info")) {
          continue;
        }
        logged.add(new Logged(((Number) entry.get(2)).longValue(), describe(argv)));
      }
      logged.sort((x, y) -> Long.compare(y.micros(), x.micros()));
      double[] ds = logged.stream().mapToDouble(Logged::micros).sorted().toArray();
      StringBuilder top = new StringBuilder();
      for (int i = 0; i < Math.min(3, logged.size()); i++) {
        top.append(i == 0 ? "" : "; ").append(logged.get(i).micros()).append(" us ").append(logged.get(i).what());
      }
      md.append(row(n, "one resync of a new service, instrumented: longest single Redis command (SLOWLOG, threshold 0)", "us",
          ds.length == 0 ? Double.NaN : pct(ds, 50), ds.length == 0 ? Double.NaN : ds[ds.length - 1],
          ds.length + " commands logged (those run inside a script too); p50 col = median command, p99 col = max; p99 "
              + fmt(pct(ds, 99)) + " us, p99.9 " + fmt(pct(ds, 99.9)) + " us; longest: " + top
              + "; resync took " + fmt(ms) + " ms with SLOWLOG on"));
      long scripts = cmd.getOrDefault("evalsha", new long[2])[0] + cmd.getOrDefault("eval", new long[2])[0];
      md.append(row(n, "... its Redis time (INFO cpu: redis-server user+sys CPU delta, I/O included)", "ms", cpuMs, Double.NaN,
          fmt(cpuMs / n * 1000 * 1000) + " us per 1,000 nodes; with SLOWLOG logging every command"));
      md.append(row(n, "... its commands (INFO commandstats)", "ms", usec / 1000.0, Double.NaN,
          (scripts > 0 ? "sum double-counts: commands run inside a script are counted on their own and in its EVALSHA; " : "")
              + calls + " calls: " + per));
      md.append(row(n, "... its reply bytes (total_net_output_bytes delta)", "B", outBytes, Double.NaN,
          fmt((double) outBytes / n) + " B per node"));
      redis.slowlogReset();
    } finally {
      s.close();
    }
  }

  private static String describe(List<?> argv) {
    StringBuilder b = new StringBuilder(String.valueOf(argv.get(0)).toUpperCase(Locale.ROOT));
    for (int i = 1; i < Math.min(argv.size(), 3); i++) {
      b.append(' ').append(argv.get(i));
    }
    String last = String.valueOf(argv.get(argv.size() - 1));
    if (argv.size() > 3) {
      b.append(" ... ").append(last.startsWith("... (") ? last : "(" + (argv.size() - 1) + " args)");
    }
    return "`" + b.toString().replace("|", "\\|") + "`";
  }

  // ------------------------------------------------------------------ lookups

  private interface Call {
    Object call(int i);
  }

  private static void lookups(DiscoveryService service, RegistryView view, int n, StringBuilder md) throws Exception {
    String[] names = new String[BenchData.SERVICE_NAMES];
    for (int k = 0; k < names.length; k++) {
      names[k] = BenchData.serviceName(k);
    }
    String[] ids = new String[Math.min(n, 65_536)];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = BenchData.id((int) ((long) i * 7919 % n));
    }
    int listSize = view.findNodesByService(names[0]).size();
    Call byService = i -> view.findNodesByService(names[i % names.length]);
    Call byVersion = i -> view.findNodesByService(names[i % names.length], "1.1.0");
    Call byId = i -> view.node(ids[i % ids.length]);
    Call all = i -> view.nodes();
    double[] a = timed(byService, LOOKUP_WARMUP, LOOKUP_SAMPLES);
    md.append(latencyRow(n, "view.findNodesByService(name), single thread", a, "~" + listSize + " nodes per service; prebuilt list"));
    a = timed(byVersion, LOOKUP_WARMUP, LOOKUP_SAMPLES);
    md.append(latencyRow(n, "view.findNodesByService(name, version), single thread", a, ""));
    a = timed(byId, LOOKUP_WARMUP, LOOKUP_SAMPLES);
    md.append(latencyRow(n, "view.node(id), single thread", a, ""));
    a = timed(all, LOOKUP_WARMUP / 10, LOOKUP_SAMPLES / 10);
    md.append(latencyRow(n, "view.nodes() (all " + n + "), single thread", a, "a list cached until the next change"));
    double one = throughput(byService, 1);
    double two = throughput(byService, 2);
    md.append(row(n, "view.findNodesByService throughput, 1 / 2 threads (1 s each)", "calls/s", one, two,
        "p50 col = 1 thread, p99 col = 2 threads (2 cores shared with other work)"));
    Call confirmed = i -> service.findNodesByService(names[i % names.length]).join();
    a = timed(confirmed, CONFIRMED_SAMPLES / 4, CONFIRMED_SAMPLES);
    long viaView = ((dev.titan.discovery.internal.DefaultDiscoveryService) service).activeNodesLookup().confirmed();
    md.append(latencyRow(n, "service.findNodesByService(name) with the view: confirmed (one O(due) Redis round trip)", a,
        "confirmed from the view " + viaView + " times (the rest from Redis)"));
  }

  private static double[] timed(Call c, int warm, int samples) {
    long acc = 0;
    for (int i = 0; i < warm; i++) {
      acc += System.identityHashCode(c.call(i));
    }
    double[] out = new double[samples];
    for (int i = 0; i < samples; i++) {
      long t = System.nanoTime();
      Object r = c.call(i);
      out[i] = (System.nanoTime() - t);
      acc += System.identityHashCode(r);
    }
    sink += acc;
    Arrays.sort(out);
    return out;
  }

  private static double throughput(Call c, int threads) throws InterruptedException {
    AtomicLong total = new AtomicLong();
    long end = System.nanoTime() + 1_000_000_000L;
    List<Thread> ts = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int seed = t * 13;
      Thread th = new Thread(() -> {
        long count = 0;
        long acc = 0;
        while (System.nanoTime() < end) {
          for (int i = 0; i < 1000; i++) {
            acc += System.identityHashCode(c.call(seed + i));
          }
          count += 1000;
        }
        total.addAndGet(count);
        sink += acc;
      });
      ts.add(th);
      th.start();
    }
    for (Thread th : ts) {
      th.join();
    }
    return total.get();
  }

  // ------------------------------------------------------------------ heap

  /** Live objects by class, from {@code GC.class_histogram} (a full GC first). */
  private record Histogram(long total, Map<String, long[]> classes) {
    static Histogram take() throws Exception {
      String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
          new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
          new Object[] {new String[0]}, new String[] {String[].class.getName()});
      long total = 0;
      Map<String, long[]> classes = new HashMap<>();
      for (String line : text.split("\n")) {
        String[] f = line.trim().split("\\s+");
        if (f.length >= 4 && f[0].endsWith(":")) {
          classes.put(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
        } else if (f.length >= 3 && f[0].equals("Total")) {
          total = Long.parseLong(f[2]);
        }
      }
      return new Histogram(total, classes);
    }

    String topGrowth(Histogram before, int n, int k) {
      List<Map.Entry<String, long[]>> grown = new ArrayList<>();
      for (Map.Entry<String, long[]> e : classes.entrySet()) {
        long[] b = before.classes.getOrDefault(e.getKey(), new long[2]);
        grown.add(Map.entry(e.getKey(), new long[] {e.getValue()[0] - b[0], e.getValue()[1] - b[1]}));
      }
      grown.sort((x, y) -> Long.compare(y.getValue()[1], x.getValue()[1]));
      StringBuilder s = new StringBuilder();
      for (int i = 0; i < Math.min(k, grown.size()); i++) {
        long[] v = grown.get(i).getValue();
        s.append(i == 0 ? "" : ", ").append(grown.get(i).getKey()).append(' ').append(fmt((double) v[1] / n)).append(" B (")
            .append(fmt((double) v[0] / n)).append(" objects)");
      }
      return s + " per node";
    }
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(50);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  // ------------------------------------------------------------------ helpers

  private static DiscoveryService service(String uri) {
    DiscoveryService s = BenchData.viewClient(uri);
    s.start().join();
    return s;
  }

  private static Map<String, long[]> commandStats(RedisCommands<String, String> redis) {
    Map<String, long[]> out = new java.util.TreeMap<>();
    for (String line : redis.info("commandstats").split("\r?\n")) {
      if (!line.startsWith("cmdstat_")) {
        continue;
      }
      String name = line.substring(8, line.indexOf(':'));
      long calls = 0;
      long usec = 0;
      for (String part : line.substring(line.indexOf(':') + 1).split(",")) {
        String[] kv = part.split("=");
        if (kv[0].equals("calls")) {
          calls = Long.parseLong(kv[1]);
        } else if (kv[0].equals("usec")) {
          usec = Long.parseLong(kv[1]);
        }
      }
      out.put(name, new long[] {calls, usec});
    }
    return out;
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+", 4)[0];
    } catch (Exception e) {
      return String.valueOf(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
  }

  private static String latencyRow(int n, String what, double[] sortedNanos, String notes) {
    return row(n, what, "ns", pct(sortedNanos, 50), pct(sortedNanos, 99),
        "p99.9 " + fmt(pct(sortedNanos, 99.9)) + " ns, " + sortedNanos.length + " calls, each timed (nanoTime included)"
            + (notes.isEmpty() ? "" : "; " + notes));
  }

  private static String row(int n, String what, String unit, double p50, double p99, String notes) {
    return "| " + n + " | " + what + " | " + unit + " | " + fmt(p50) + " | " + fmt(p99) + " | " + notes + " |\n";
  }

  private static double[] sorted(double[] a) {
    double[] s = a.clone();
    Arrays.sort(s);
    return s;
  }

  private static double max(double[] a) {
    return Arrays.stream(a).max().orElse(Double.NaN);
  }

  private static String list(double[] a) {
    StringBuilder b = new StringBuilder();
    for (double d : a) {
      b.append(b.length() == 0 ? "" : ", ").append(fmt(d));
    }
    return b.toString();
  }

  private static String mb(long bytes) {
    return fmt(bytes / 1048576.0) + " MiB";
  }

  private static double pct(double[] sorted, double p) {
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  private static String fmt(double d) {
    return BenchmarkMain.fmt(d);
  }
}
