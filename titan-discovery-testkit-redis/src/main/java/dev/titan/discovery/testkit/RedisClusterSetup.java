package dev.titan.discovery.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

/**
 * A Redis Cluster of three masters (no replicas) on loopback free ports, each owning a third of
 * the 16384 slots. Built from Java with {@code CLUSTER ADDSLOTS} and {@code CLUSTER MEET} (no
 * {@code redis-cli} needed); {@link #start()} returns once every node reports {@code
 * cluster_state:ok}. Each node's cluster bus uses its port + 10000, so ports are picked below
 * 55535 with both free.
 */
public final class RedisClusterSetup implements AutoCloseable {

  private static final int SLOTS = 16384;

  private final List<RedisServer> nodes;

  private RedisClusterSetup(List<RedisServer> nodes) {
    this.nodes = nodes;
  }

  /**
   * Starts three cluster-enabled servers, assigns the slots, joins them and waits for {@code
   * cluster_state:ok}.
   *
   * @return the running cluster
   */
  public static RedisClusterSetup start() {
    List<RedisServer> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        nodes.add(RedisServer.start(clusterPort(), List.of(
            "--cluster-enabled", "yes",
            "--cluster-config-file", "nodes.conf",
            "--cluster-node-timeout", "2000")));
      }
      for (int i = 0; i < 3; i++) {
        int from = i * SLOTS / 3;
        int to = (i + 1) * SLOTS / 3;
        String[] args = new String[2 + to - from];
        args[0] = "CLUSTER";
        args[1] = "ADDSLOTS";
        for (int s = from; s < to; s++) {
          args[2 + s - from] = Integer.toString(s);
        }
        String reply = nodes.get(i).command(args);
        if (!reply.startsWith("+OK")) {
          throw new IllegalStateException("CLUSTER ADDSLOTS failed: " + reply);
        }
      }
      for (int i = 1; i < 3; i++) {
        nodes.get(0).command("CLUSTER", "MEET", "127.0.0.1", Integer.toString(nodes.get(i).port()));
      }
      boolean ok = Resp.await(Duration.ofSeconds(30), () -> nodes.stream().allMatch(
          n -> n.command("CLUSTER", "INFO").contains("cluster_state:ok")
              && n.command("CLUSTER", "INFO").contains("cluster_known_nodes:3")));
      if (!ok) {
        throw new IllegalStateException("cluster did not reach cluster_state:ok within 30 s");
      }
      return new RedisClusterSetup(List.copyOf(nodes));
    } catch (RuntimeException e) {
      nodes.forEach(RedisServer::close);
      throw e;
    }
  }

  /**
   * The three nodes, in slot order.
   *
   * @return the servers
   */
  public List<RedisServer> nodes() {
    return nodes;
  }

  /**
   * Seed URIs of every node, such as {@code redis://127.0.0.1:30001}.
   *
   * @return the URIs
   */
  public List<String> uris() {
    return nodes.stream().map(RedisServer::uri).collect(Collectors.toList());
  }

  /**
   * The node that owns a key's slot, per {@code CLUSTER KEYSLOT} and the slot ranges.
   *
   * @param key the key
   * @return the owning server
   */
  public RedisServer nodeFor(String key) {
    String reply = nodes.get(0).command("CLUSTER", "KEYSLOT", key);
    int slot = Integer.parseInt(reply.substring(1).trim());
    for (int i = 2; i > 0; i--) {
      if (slot >= i * SLOTS / 3) {
        return nodes.get(i);
      }
    }
    return nodes.get(0);
  }

  /** Stops every node. */
  @Override
  public void close() {
    nodes.forEach(RedisServer::close);
  }

  private static int clusterPort() {
    for (int attempt = 0; attempt < 200; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(20000, 45000);
      if (free(port) && free(port + 10000)) {
        return port;
      }
    }
    throw new IllegalStateException("no free port pair (port, port + 10000) found");
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(false);
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
