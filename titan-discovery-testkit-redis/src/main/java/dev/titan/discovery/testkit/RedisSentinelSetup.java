package dev.titan.discovery.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A Redis Sentinel set-up on loopback free ports: one master, one replica and three sentinels
 * (quorum 2) watching master {@value #MASTER_NAME}, with short timeouts so that a failover takes a
 * few seconds: {@code down-after-milliseconds} {@value #DOWN_AFTER_MILLIS}, {@code
 * failover-timeout} {@value #FAILOVER_TIMEOUT_MILLIS}.
 *
 * <p>Sentinels are {@code redis-server <generated config> --sentinel} processes (the config file
 * must be writable: Sentinel rewrites it). {@link #close()} stops every process and deletes the
 * files.
 */
public final class RedisSentinelSetup implements AutoCloseable {

  /** The name the sentinels monitor the master under. */
  public static final String MASTER_NAME = "titanmaster";
  /** Sentinel's {@code down-after-milliseconds}. */
  public static final int DOWN_AFTER_MILLIS = 1000;
  /** Sentinel's {@code failover-timeout}. */
  public static final int FAILOVER_TIMEOUT_MILLIS = 3000;

  private final RedisServer master;
  private final RedisServer replica;
  private final List<Process> sentinels = new ArrayList<>();
  private final List<Integer> sentinelPorts = new ArrayList<>();
  private final Path dir;

  private RedisSentinelSetup(RedisServer master, RedisServer replica, Path dir) {
    this.master = master;
    this.replica = replica;
    this.dir = dir;
  }

  /**
   * Starts master, replica and three sentinels, and waits until the replica is in sync and every
   * sentinel knows the replica and the other sentinels.
   *
   * @return the running set-up
   */
  public static RedisSentinelSetup start() {
    RedisServer master = RedisServer.start();
    RedisServer replica = null;
    RedisSentinelSetup setup = null;
    try {
      replica = RedisServer.start(List.of("--replicaof", "127.0.0.1", Integer.toString(master.port())));
      setup = new RedisSentinelSetup(master, replica, Files.createTempDirectory("titan-sentinel-"));
      RedisServer r = replica;
      if (!Resp.await(Duration.ofSeconds(20), () -> r.command("INFO", "replication").contains("master_link_status:up"))) {
        throw new IllegalStateException("replica did not sync with the master within 20 s");
      }
      for (int i = 0; i < 3; i++) {
        setup.startSentinel();
      }
      RedisSentinelSetup s = setup;
      boolean ready = Resp.await(Duration.ofSeconds(30), () -> {
        for (int port : s.sentinelPorts) {
          String replicas = Resp.command(port, "SENTINEL", "REPLICAS", MASTER_NAME);
          String others = Resp.command(port, "SENTINEL", "SENTINELS", MASTER_NAME);
          if (!replicas.contains(Integer.toString(r.port())) || !others.startsWith("*2")) {
            return false;
          }
        }
        return true;
      });
      if (!ready) {
        throw new IllegalStateException("sentinels did not discover the replica and each other within 30 s");
      }
      return setup;
    } catch (IOException | RuntimeException e) {
      if (setup != null) {
        setup.close();
      } else {
        master.close();
        if (replica != null) {
          replica.close();
        }
      }
      throw e instanceof RuntimeException re ? re : new IllegalStateException(e);
    }
  }

  private void startSentinel() throws IOException {
    int port = RedisServer.freePort();
    Path conf = dir.resolve("sentinel-" + port + ".conf");
    Files.writeString(conf, String.join("\n",
        "port " + port,
        "bind 127.0.0.1",
        "protected-mode no",
        "dir " + dir,
        "logfile " + dir.resolve("sentinel-" + port + ".log"),
        "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + master.port() + " 2",
        "sentinel down-after-milliseconds " + MASTER_NAME + " " + DOWN_AFTER_MILLIS,
        "sentinel failover-timeout " + MASTER_NAME + " " + FAILOVER_TIMEOUT_MILLIS,
        "sentinel parallel-syncs " + MASTER_NAME + " 1",
        ""));
    Process p = new ProcessBuilder(RedisServer.binary().toString(), conf.toString(), "--sentinel")
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("sentinel-" + port + ".out").toFile())
        .start();
    sentinels.add(p);
    sentinelPorts.add(port);
    if (!Resp.await(Duration.ofSeconds(20), () -> p.isAlive() && Resp.ping(port))) {
      throw new IllegalStateException("sentinel on port " + port + " did not start: " + read(dir.resolve("sentinel-" + port + ".log"))
          + read(dir.resolve("sentinel-" + port + ".out")));
    }
  }

  private static String read(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p) : "";
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * A Lettuce Sentinel URI of the set-up, such as {@code
   * redis-sentinel://127.0.0.1:1,127.0.0.1:2,127.0.0.1:3#titanmaster}.
   *
   * @return the URI
   */
  public String uri() {
    return "redis-sentinel://"
        + sentinelPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","))
        + "#" + MASTER_NAME;
  }

  /**
   * The server that was master at start.
   *
   * @return the first master
   */
  public RedisServer master() {
    return master;
  }

  /**
   * The server that was replica at start.
   *
   * @return the first replica
   */
  public RedisServer replica() {
    return replica;
  }

  /**
   * The ports of the three sentinels.
   *
   * @return the ports
   */
  public List<Integer> sentinelPorts() {
    return List.copyOf(sentinelPorts);
  }

  /**
   * The port of the current master as the first answering sentinel reports it.
   *
   * @return the port
   */
  public int currentMasterPort() {
    for (int port : sentinelPorts) {
      try {
        String reply = Resp.command(port, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
        String[] lines = reply.split("\r\n");
        return Integer.parseInt(lines[lines.length - 1]);
      } catch (RuntimeException e) {
        // try the next sentinel
      }
    }
    throw new IllegalStateException("no sentinel answered");
  }

  /**
   * Kills the master ({@code SIGKILL}) so that the sentinels fail over to the replica.
   *
   * @return the killed server
   */
  public RedisServer killMaster() {
    int port = currentMasterPort();
    RedisServer m = port == master.port() ? master : replica;
    m.kill();
    return m;
  }

  /**
   * Waits until the sentinels report a master other than {@code oldPort} and that server answers
   * as a master.
   *
   * @param oldPort the port of the master before the failover
   * @param timeout how long to wait
   * @return the port of the new master
   */
  public int awaitFailover(int oldPort, Duration timeout) {
    int[] found = new int[1];
    boolean ok = Resp.await(timeout, () -> {
      int p = currentMasterPort();
      if (p != oldPort && Resp.command(p, "ROLE").contains("master")) {
        found[0] = p;
        return true;
      }
      return false;
    });
    if (!ok) {
      throw new IllegalStateException("no failover away from port " + oldPort + " within " + timeout);
    }
    return found[0];
  }

  /** Stops the sentinels, replica and master, and deletes the generated files. */
  @Override
  public void close() {
    for (Process p : sentinels) {
      p.destroyForcibly();
    }
    for (Process p : sentinels) {
      try {
        p.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    replica.close();
    master.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // temp directory
    }
  }
}
