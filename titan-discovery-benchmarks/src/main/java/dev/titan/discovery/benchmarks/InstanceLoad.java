package dev.titan.discovery.benchmarks;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The one-instance-per-node load: N nodes registered by N library instances ({@link NodeLoader}),
 * up to {@value #PER_CHILD} per child JVM, {@value #PARALLEL} children at a time, each child
 * killed ({@code SIGKILL}) once its nodes are registered, so that every node stays until its TTL
 * as a fleet's registry holds it. Afterwards checks that {@code index:nodes} holds N ids and that
 * every node's hash and heartbeat key exist.
 */
final class InstanceLoad {

  /** Nodes (library instances) per child JVM. */
  static final int PER_CHILD = 1_000;
  /** Children loading at the same time. */
  static final int PARALLEL = 2;

  private InstanceLoad() {}

  /** One running child. */
  private record Child(Process process, int first, int count, Path log) {}

  /**
   * Loads nodes 0 to n - 1 into an empty registry.
   *
   * @param uri the Redis URI
   * @param n how many nodes
   * @param perChild nodes per child JVM (at most)
   * @param pubSub whether the instances subscribe to the events channel (the library's default
   *     is off; a real node usually has it on)
   * @param connection a connection to check the result with
   * @return the seconds the load took
   * @throws Exception when a child fails or the check finds a node missing
   */
  static double load(String uri, int n, int perChild, boolean pubSub, StatefulRedisConnection<String, String> connection)
      throws Exception {
    long t0 = System.nanoTime();
    List<Child> running = new ArrayList<>();
    int next = 0;
    while (next < n || !running.isEmpty()) {
      while (next < n && running.size() < PARALLEL) {
        int count = Math.min(perChild, n - next);
        running.add(spawn(uri, next, count, pubSub));
        next += count;
      }
      Child c = running.remove(0);
      awaitReady(c);
      c.process().destroyForcibly(); // SIGKILL: nothing deregisters
      c.process().waitFor(60, TimeUnit.SECONDS);
      Files.deleteIfExists(c.log());
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    check(connection.async(), n);
    return seconds;
  }

  private static Child spawn(String uri, int first, int count, boolean pubSub) throws IOException {
    Path log = Files.createTempFile("titan-node-loader-", ".log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = List.of(java, "-Xmx768m", "-Xss256k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
        "-cp", System.getProperty("java.class.path"), NodeLoader.class.getName(),
        uri, Integer.toString(first), Integer.toString(count), Boolean.toString(pubSub));
    // the child's stdout carries only its ready line; its log (stderr) goes to a file, shown when
    // it fails
    Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
    return new Child(p, first, count, log);
  }

  private static void awaitReady(Child c) throws Exception {
    BufferedReader out = new BufferedReader(new InputStreamReader(c.process().getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null) {
      if (line.equals("ready " + c.count())) {
        return;
      }
    }
    c.process().waitFor(10, TimeUnit.SECONDS);
    String err = Files.readString(c.log());
    throw new IllegalStateException("node loader for nodes " + c.first() + ".." + (c.first() + c.count() - 1)
        + " ended without loading them (exit " + (c.process().isAlive() ? "?" : c.process().exitValue()) + "): "
        + err.substring(Math.max(0, err.length() - 4000)));
  }

  /** {@code SCARD index:nodes == n}, and every node's hash and heartbeat key exist. */
  static void check(RedisAsyncCommands<String, String> c, int n) throws Exception {
    long members = c.scard(BenchData.PREFIX + ":index:nodes").get(60, TimeUnit.SECONDS);
    if (members != n) {
      throw new IllegalStateException("index:nodes holds " + members + " ids after loading " + n + " nodes");
    }
    int missing = 0;
    String firstMissing = null;
    for (int from = 0; from < n; from += 5_000) {
      List<RedisFuture<Long>> batch = new ArrayList<>();
      for (int i = from; i < Math.min(n, from + 5_000); i++) {
        batch.add(c.exists(BenchData.PREFIX + ":heartbeat:" + BenchData.id(i), BenchData.PREFIX + ":nodes:" + BenchData.id(i)));
      }
      for (int i = 0; i < batch.size(); i++) {
        if (batch.get(i).get(60, TimeUnit.SECONDS) != 2) {
          missing++;
          if (firstMissing == null) {
            firstMissing = BenchData.id(from + i);
          }
        }
      }
    }
    if (missing > 0) {
      throw new IllegalStateException(missing + " of " + n + " nodes lack their hash or heartbeat key, first " + firstMissing);
    }
  }
}
