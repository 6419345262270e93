package dev.titan.discovery.benchmarks;

import dev.titan.discovery.Discovery;
import dev.titan.discovery.DiscoveryEvent;
import dev.titan.discovery.DiscoveryOptions;
import dev.titan.discovery.DiscoveryService;
import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.RegistryView;
import dev.titan.discovery.ServiceInfo;
import dev.titan.discovery.internal.wire.WireCodec;
import dev.titan.discovery.testkit.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Propagation of a change into another process's local view, against raw pub/sub delivery
 * measured in the same run, on the same Redis and the same loaded registry, interleaved.
 *
 * <p>This process is the writer; a child JVM is the observer. The child runs a {@link
 * DiscoveryService} with its {@link RegistryView} (every node of the registry loaded) and, beside
 * it, a plain Lettuce pub/sub connection on another channel. For each sample the parent tells the
 * child (over its stdin) what to expect, waits for it to be armed, reads {@code System.nanoTime()}
 * and then either
 *
 * <ul>
 *   <li><b>raw</b>: {@code PUBLISH}es one message as long as our event for that node, on an
 *       already open connection, or
 *   <li><b>ours</b>: changes one node's services through a {@link DiscoveryService} ({@code
 *       updateNodeServices}: the update script, the change counter, the {@code :seq} message and
 *       the event).
 * </ul>
 *
 * <p>The child stamps two moments with {@code System.nanoTime()}: <i>seen</i>, when a thread
 * polling what a user can read sees the change (the raw subscriber's last message; {@code
 * view.node(id)} returning the new services), and <i>listener</i>, when a listener is called (the
 * raw Lettuce listener, on the I/O thread; a {@link RegistryView} listener, on the service's
 * event thread). The poller spins only while a sample is armed, for both kinds alike.
 *
 * <p>Clocks: on Linux {@code System.nanoTime()} is {@code CLOCK_MONOTONIC}, one clock for every
 * process of the host. That is checked before measuring: the parent reads its clock, asks the
 * child for its clock, reads its own again, 200 times; every child reading must fall between the
 * two parent readings, or the run stops. Latencies are then one-way, from just before the
 * publish (or the call) to the child's stamp; both kinds are measured the same way, alternating
 * ABBA so that load and drift hit them alike.
 *
 * <p>System properties: {@code prop.poll=false} (no poller: only listener stamps, nothing spins),
 * {@code prop.wire=true} (the child also stamps our event's arrival at a plain subscriber of the
 * events channel: splits ours into before and after the child's socket), {@code prop.slowlog=true}
 * (standalone only: Redis's slowlog at threshold 0, percentiles of each command's execution),
 * {@code prop.childJvm="..."} (options for the child JVM, split on spaces: a collector, a GC log).
 */
public final class PropagationBench {

  /** The raw subscriber's channel (nobody else uses it). */
  static final String RAW_CHANNEL = "titan:discovery:bench-raw";
  private static final int NODES_USED = 100;

  private PropagationBench() {}

  /**
   * Percentiles of one kind of sample, in microseconds.
   *
   * @param seenP50 p50 of "seen by the poller"
   * @param seenP99 p99 of "seen by the poller"
   * @param listenerP50 p50 of "listener called"
   * @param listenerP99 p99 of "listener called"
   */
  public record Figures(double seenP50, double seenP99, double listenerP50, double listenerP99) {}

  /**
   * The result of one run.
   *
   * @param raw raw pub/sub
   * @param ours a change visible in the other process's view
   * @param samples samples of each kind
   * @param clockSlackMicros the smallest parent-child-parent round trip of the clock check
   * @param payloadBytes the raw message's length (that of our event)
   * @param load the load average when the run ended
   */
  public record Result(Figures raw, Figures ours, int samples, double clockSlackMicros, int payloadBytes, String load) {}

  /**
   * Standalone: starts a redis-server, loads N nodes (our registration script) and measures.
   * Arguments: {@code [N [samples]]}, default 10000 and 2000.
   *
   * @param args see above
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("--child")) {
      child(args[1]);
      return;
    }
    int n = args.length > 0 ? Integer.parseInt(args[0].replace("k", "000")) : 10_000;
    int samples = args.length > 1 ? Integer.parseInt(args[1]) : 2_000;
    try (RedisServer server = RedisServer.start()) {
      RedisClient client = RedisClient.create(server.uri());
      try (StatefulRedisConnection<String, String> conn = client.connect()) {
        conn.sync().flushall();
        BenchData.loadOurs(conn.async(), n);
        System.out.println("# loaded " + n + " nodes");
        conn.sync().configResetstat();
        boolean slowlog = Boolean.getBoolean("prop.slowlog"); // every command's duration: costs a little per command
        if (slowlog) {
          conn.sync().configSet("slowlog-log-slower-than", "0");
          conn.sync().configSet("slowlog-max-len", "100000");
          conn.sync().slowlogReset();
        }
        Result r = measure(server.uri(), client, samples);
        print(n, r, System.out);
        conn.sync().info("commandstats").lines().filter(l -> l.contains("evalsha") || l.contains("publish"))
            .forEach(l -> System.out.println("# " + l));
        java.util.Map<String, List<Long>> byCmd = new java.util.TreeMap<>();
        for (Object o : slowlog ? conn.sync().slowlogGet(100_000) : List.of()) {
          List<?> e = (List<?>) o;
          String cmd = String.valueOf(((List<?>) e.get(3)).get(0)).toLowerCase(Locale.ROOT);
          byCmd.computeIfAbsent(cmd, c -> new ArrayList<>()).add((Long) e.get(2));
        }
        byCmd.forEach((c, l) -> {
          double[] d = l.stream().mapToDouble(Long::doubleValue).sorted().toArray();
          System.out.printf(Locale.ROOT, "# slowlog %s: %d calls, p50 %.0f us, p90 %.0f us, p99 %.0f us%n", c, d.length, pct(d, 50), pct(d, 90), pct(d, 99));
        });
      } finally {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      }
    }
  }

  /**
   * Prints a result.
   *
   * @param n the registry size
   * @param r the result
   * @param out where
   */
  public static void print(int n, Result r, PrintStream out) {
    out.printf(Locale.ROOT, "# propagation at N=%d, %d samples each, interleaved; payload %d B; clock check slack %.1f us; load %s%n",
        n, r.samples(), r.payloadBytes(), r.clockSlackMicros(), r.load());
    out.printf(Locale.ROOT, "#   %-34s %9s %9s %9s %9s%n", "", "seen p50", "seen p99", "lsnr p50", "lsnr p99");
    line(out, "raw pub/sub (Lettuce subscriber)", r.raw());
    line(out, "ours (DiscoveryService -> view)", r.ours());
    out.printf(Locale.ROOT, "#   %-34s %8.2fx %8.2fx %8.2fx %8.2fx%n", "ratio ours/raw",
        r.ours().seenP50() / r.raw().seenP50(), r.ours().seenP99() / r.raw().seenP99(),
        r.ours().listenerP50() / r.raw().listenerP50(), r.ours().listenerP99() / r.raw().listenerP99());
  }

  private static void line(PrintStream out, String what, Figures f) {
    out.printf(Locale.ROOT, "#   %-34s %9.1f %9.1f %9.1f %9.1f%n", what, f.seenP50(), f.seenP99(), f.listenerP50(), f.listenerP99());
  }

  /**
   * Measures, the registry being loaded (nodes {@code BenchData.id(0..99)} are changed and put
   * back as they were).
   *
   * @param uri the Redis URI
   * @param client a client for the raw publisher
   * @param samples samples of each kind
   * @return the figures
   * @throws Exception on failure
   */
  public static Result measure(String uri, RedisClient client, int samples) throws Exception {
    Process child = new ProcessBuilder(javaCommand(uri)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    DiscoveryService writer = Discovery.builder().redisUri(uri)
        .options(DiscoveryOptions.builder().clientMode(true).pubSubEnabled(true).pubSubChannel(BenchData.CHANNEL)
            .redisPrefix(BenchData.PREFIX).commandTimeout(Duration.ofSeconds(60)).build())
        .build();
    try (StatefulRedisConnection<String, String> pub = client.connect();
        BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        Writer toChild = new java.io.OutputStreamWriter(child.getOutputStream(), StandardCharsets.UTF_8)) {
      writer.start().join();
      expect(in, "ready");
      double slack = checkClocks(in, toChild);
      int nodes = NODES_USED;
      String payloadBase = WireCodec.encodeEvent(new DiscoveryEvent(DiscoveryEvent.Type.NODE_UPDATED, BenchData.id(0),
          BenchData.address(0), withMark(0, 0), System.currentTimeMillis()));
      int warm = Math.min(200, samples / 4);
      double[][] raw = new double[2][samples];
      double[][] ours = new double[2][samples];
      List<Double> wireStats = new ArrayList<>();
      int ri = 0;
      int oi = 0;
      for (int i = -2 * warm; i < 2 * samples; i++) {
        boolean isRaw = ((i & 1) == 0) ^ (((i >> 1) & 1) == 1); // ABBA
        int k = i + 2 * warm;
        int node = k % nodes;
        String id = BenchData.id(node);
        send(toChild, "arm " + k + " " + (isRaw ? "raw" : "ours") + " " + id);
        expect(in, "armed " + k);
        String[] got;
        long t0;
        if (isRaw) {
          String msg = k + " " + payloadBase;
          msg = msg.substring(0, payloadBase.length());
          t0 = System.nanoTime();
          pub.async().publish(RAW_CHANNEL, msg);
        } else {
          List<ServiceInfo> services = withMark(node, k);
          t0 = System.nanoTime();
          writer.updateNodeServices(id, services);
        }
        got = expect(in, "got " + k).split(" ");
        if (i < 0) {
          continue;
        }
        double seen = (Long.parseLong(got[2]) - t0) / 1000.0;
        double listener = (Long.parseLong(got[3]) - t0) / 1000.0;
        if (isRaw) {
          raw[0][ri] = seen;
          raw[1][ri++] = listener;
        } else {
          ours[0][oi] = seen;
          ours[1][oi++] = listener;
          long w = Long.parseLong(got[4]);
          if (w != 0) {
            wireStats.add((w - t0) / 1000.0);
          }
        }
      }
      send(toChild, "quit");
      if (!wireStats.isEmpty()) {
        double[] w = wireStats.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        System.out.printf(Locale.ROOT, "# diagnostics: our event at a plain subscriber in the child: p50 %.1f us, p99 %.1f us%n",
            pct(w, 50), pct(w, 99));
      }
      List<java.util.concurrent.CompletableFuture<Void>> restore = new ArrayList<>();
      for (int i = 0; i < nodes; i++) {
        restore.add(writer.updateNodeServices(BenchData.id(i), BenchData.services(i)));
      }
      java.util.concurrent.CompletableFuture.allOf(restore.toArray(new java.util.concurrent.CompletableFuture<?>[0])).join();
      String load = java.nio.file.Files.readString(Path.of("/proc/loadavg")).trim();
      return new Result(figures(raw, ri), figures(ours, oi), samples, slack, payloadBase.length(), load);
    } finally {
      writer.close();
      if (!child.waitFor(10, TimeUnit.SECONDS)) {
        child.destroy();
      }
    }
  }

  private static List<ServiceInfo> withMark(int node, int k) {
    List<ServiceInfo> s = new ArrayList<>(BenchData.services(node));
    s.add(ServiceInfo.of("extra", "1.0." + k));
    return s;
  }

  private static Figures figures(double[][] v, int count) {
    double[] seen = Arrays.copyOf(v[0], count);
    double[] lsnr = Arrays.copyOf(v[1], count);
    Arrays.sort(seen);
    Arrays.sort(lsnr);
    return new Figures(pct(seen, 50), pct(seen, 99), pct(lsnr, 50), pct(lsnr, 99));
  }

  private static double pct(double[] sorted, double p) {
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  /** Every child reading must fall between the parent's readings before and after asking. */
  private static double checkClocks(BufferedReader in, Writer toChild) throws IOException {
    long best = Long.MAX_VALUE;
    for (int i = 0; i < 200; i++) {
      long a = System.nanoTime();
      send(toChild, "clock " + i);
      long c = Long.parseLong(expect(in, "clock " + i).split(" ")[2]);
      long b = System.nanoTime();
      if (c < a || c > b) {
        throw new IllegalStateException("System.nanoTime() is not one clock for both processes (" + a + " <= " + c + " <= " + b
            + " fails); one-way latencies cannot be measured this way here");
      }
      best = Math.min(best, b - a);
    }
    return best / 1000.0;
  }

  private static void send(Writer w, String line) throws IOException {
    w.write(line);
    w.write('\n');
    w.flush();
  }

  private static String expect(BufferedReader in, String prefix) throws IOException {
    String line = in.readLine();
    if (line == null || !line.startsWith(prefix)) {
      throw new IllegalStateException("child said " + line + ", expected " + prefix);
    }
    return line;
  }

  private static List<String> javaCommand(String uri) {
    String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> command = new ArrayList<>(List.of(java, "-Xmx512m"));
    String extra = System.getProperty("prop.childJvm", "").trim(); // e.g. a collector: "-XX:+UseZGC"
    if (!extra.isEmpty()) {
      command.addAll(Arrays.asList(extra.split("\\s+")));
    }
    command.addAll(List.of("-Dprop.wire=" + Boolean.getBoolean("prop.wire"), "-Dprop.poll=" + System.getProperty("prop.poll", "true"),
        "-cp", System.getProperty("java.class.path"), PropagationBench.class.getName(), "--child", uri));
    return command;
  }

  // ------------------------------------------------------------------ the child (observer)

  /** What the child waits for: set by the command loop, cleared when both stamps are in. */
  private static final class Armed {
    final int k;
    final boolean raw;
    final String id;
    final List<ServiceInfo> expected;
    volatile long seen;
    volatile long listener;
    volatile long wire;
    final java.util.concurrent.CountDownLatch called = new java.util.concurrent.CountDownLatch(1);

    Armed(int k, boolean raw, String id) {
      this.k = k;
      this.raw = raw;
      this.id = id;
      this.expected = raw ? List.of() : withMark(Integer.parseInt(id.substring(id.indexOf('-') + 1)), k);
    }
  }

  private static volatile Armed armed;
  /** Whether a thread polls what a user reads (else only the listener stamps count). */
  private static final boolean POLL = !"false".equals(System.getProperty("prop.poll"));
  private static volatile int rawLast = -1;

  private static void child(String uri) throws Exception {
    PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, StandardCharsets.UTF_8);
    System.setOut(System.err); // nothing else may write to the parent's pipe
    DiscoveryService observer = Discovery.builder().redisUri(uri)
        .options(DiscoveryOptions.builder().clientMode(true).pubSubEnabled(true).pubSubChannel(BenchData.CHANNEL)
            .redisPrefix(BenchData.PREFIX).commandTimeout(Duration.ofSeconds(60)).build())
        .build();
    observer.start().join();
    RegistryView view = observer.view();
    view.ready().orTimeout(120, TimeUnit.SECONDS).join();
    view.addListener(e -> {
      Armed a = armed;
      if (a != null && !a.raw && a.listener == 0 && e.nodeId().equals(a.id) && e.services().equals(a.expected)) {
        a.listener = System.nanoTime();
        a.called.countDown();
      }
    });
    RedisClient client = RedisClient.create(uri);
    StatefulRedisPubSubConnection<String, String> sub = client.connectPubSub();
    sub.addListener(new RedisPubSubAdapter<>() {
      @Override
      public void message(String channel, String message) {
        long now = System.nanoTime();
        int k = Integer.parseInt(message.substring(0, message.indexOf(' ')));
        Armed a = armed;
        if (a != null && a.raw && a.k == k && a.listener == 0) {
          a.listener = now;
          a.called.countDown();
        }
        rawLast = k;
      }
    });
    sub.sync().subscribe(RAW_CHANNEL);
    StatefulRedisPubSubConnection<String, String> wire = null;
    if (Boolean.getBoolean("prop.wire")) { // diagnostics: when our event reaches a plain subscriber
      wire = client.connectPubSub();
      wire.addListener(new RedisPubSubAdapter<>() {
        @Override
        public void message(String channel, String message) {
          long now = System.nanoTime();
          Armed a = armed;
          if (a != null && !a.raw && a.wire == 0 && message.contains(a.id)) {
            a.wire = now;
          }
        }
      });
      wire.sync().subscribe(BenchData.CHANNEL);
    }
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    out.println("ready");
    out.flush();
    try {
      for (String line; (line = in.readLine()) != null; ) {
        String[] w = line.split(" ");
        if (w[0].equals("quit")) {
          break;
        } else if (w[0].equals("clock")) {
          out.println("clock " + w[1] + " " + System.nanoTime());
          out.flush();
        } else if (w[0].equals("arm")) {
          Armed a = new Armed(Integer.parseInt(w[1]), w[2].equals("raw"), w[3]);
          armed = a;
          out.println("armed " + a.k);
          out.flush();
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
          if (!POLL) { // no poller: the listener's stamp stands for both
            if (!a.called.await(10, TimeUnit.SECONDS)) {
              throw new IllegalStateException("sample " + a.k + ": no listener call");
            }
            a.seen = a.listener;
          }
          while (a.seen == 0) { // the poller: spins only while armed
            if (a.raw ? rawLast == a.k : matches(view, a)) {
              a.seen = System.nanoTime();
            } else if (System.nanoTime() > deadline) {
              throw new IllegalStateException("sample " + a.k + " never seen");
            } else {
              Thread.yield(); // gives way to the I/O threads, on 2 vCPUs
            }
          }
          if (!a.called.await(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("sample " + a.k + ": no listener call");
          }
          armed = null;
          out.println("got " + a.k + " " + a.seen + " " + a.listener + " " + a.wire);
          out.flush();
        }
      }
    } finally {
      sub.close();
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      observer.close();
    }
  }

  private static boolean matches(RegistryView view, Armed a) {
    Optional<NodeInfo> n = view.node(a.id);
    return n.isPresent() && n.get().services().equals(a.expected);
  }
}
