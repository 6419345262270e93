package dev.titan.discovery.benchmarks;

import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.ServiceInfo;
import dev.titan.discovery.internal.wire.WireCodec;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * The baseline: the TypeScript reference's algorithms, issuing exactly its Redis commands.
 * {@code getActiveNodes} is SMEMBERS of the node index, then one pipeline of HGETALL and EXISTS
 * per id, then a client-side filter and JSON parse; {@code findNodesByService} is that plus a
 * filter; a heartbeat is an EVAL of the full register-heartbeat script (HMSET, EXPIRE, PSETEX,
 * SADD) every time, followed by its PUBLISH of NODE_UPDATED. Lookup pipelines are flushed at once,
 * as ioredis does, and awaited together without per-command future chains (issue 15: the
 * baseline is the fastest faithful version of the reference's commands; the first, chained
 * version is kept as {@link #getActiveNodesChained()} for a labelled extra row). Heartbeats are
 * written one by one on a connection of their own, exactly as our heartbeats are, so that the
 * comparison is of the commands, not of the client's batching.
 */
final class ReferenceClient {

  /** register-heartbeat.lua of the reference, verbatim. */
  static final String SCRIPT = """
      -- KEYS[1] - node key (hash)
      -- KEYS[2] - heartbeat key (string)
      -- KEYS[3] - nodes index set

      -- ARGV[1] - node id
      -- ARGV[2] - address
      -- ARGV[3] - services (JSON)
      -- ARGV[4] - timestamp
      -- ARGV[5] - node TTL (seconds)
      -- ARGV[6] - heartbeat TTL (milliseconds)

      redis.call('HMSET', KEYS[1],
        'address', ARGV[2],
        'services', ARGV[3],
        'timestamp', ARGV[4]
      )

      redis.call('EXPIRE', KEYS[1], ARGV[5])
      redis.call('PSETEX', KEYS[2], ARGV[6], '1')
      redis.call('SADD', KEYS[3], ARGV[1])

      return 1
      """;

  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final StatefulRedisConnection<String, String> pipelined;
  private final RedisAsyncCommands<String, String> commands;
  private final String prefix;
  private final RedisAsyncCommands<String, String> heartbeats;

  /**
   * Creates the client.
   *
   * @param pipelined a connection of its own: auto-flush is switched off on it (lookups)
   * @param direct a connection that writes each command at once (heartbeats), as ours does
   * @param prefix the key prefix
   */
  ReferenceClient(StatefulRedisConnection<String, String> pipelined, StatefulRedisConnection<String, String> direct, String prefix) {
    this.pipelined = pipelined;
    this.heartbeats = direct.async();
    this.commands = pipelined.async();
    this.prefix = prefix;
    pipelined.setAutoFlushCommands(false);
  }

  /**
   * The reference's {@code getActiveNodes}, the fastest faithful way: SMEMBERS, then every
   * HGETALL + EXISTS queued and sent in one flush, the replies awaited together (no per-command
   * future chains), then the client-side filter and the services parsed with our own
   * {@link WireCodec#decodeServices} (Jackson 3, the same code our reads use). One lookup at a
   * time per connection: a second caller waits, so that each lookup is exactly one flush.
   *
   * @return the live nodes whose hash is complete and whose services parse
   */
  List<NodeInfo> getActiveNodes() {
    synchronized (pipelined) {
      String[] ids = memberIds();
      @SuppressWarnings("unchecked")
      RedisFuture<Map<String, String>>[] hashes = new RedisFuture[ids.length];
      @SuppressWarnings("unchecked")
      RedisFuture<Long>[] alive = new RedisFuture[ids.length];
      queueNodeReads(ids, hashes, alive);
      List<NodeInfo> out = new ArrayList<>(ids.length);
      for (int i = 0; i < ids.length; i++) {
        NodeInfo n = parse(ids[i], hashes[i].toCompletableFuture().join(), alive[i].toCompletableFuture().join());
        if (n != null) {
          out.add(n);
        }
      }
      return out;
    }
  }

  /**
   * The reference's {@code findNodesByService}: {@link #getActiveNodes()} and a client-side filter.
   *
   * @param name the service name
   * @param version the exact version, or null for any
   * @return the matching nodes
   */
  List<NodeInfo> findNodesByService(String name, @Nullable String version) {
    return filter(getActiveNodes(), name, version);
  }

  /**
   * The transport floor of these lookups on this client: the same commands, the same single
   * flush, every reply awaited, nothing filtered or parsed into nodes (Lettuce still decodes each
   * reply into its String map, as it must to hand it over).
   *
   * @return the number of ids read
   */
  int awaitRepliesOnly() {
    synchronized (pipelined) {
      String[] ids = memberIds();
      @SuppressWarnings("unchecked")
      RedisFuture<Map<String, String>>[] hashes = new RedisFuture[ids.length];
      @SuppressWarnings("unchecked")
      RedisFuture<Long>[] alive = new RedisFuture[ids.length];
      queueNodeReads(ids, hashes, alive);
      return ids.length;
    }
  }

  /** SMEMBERS of the node index, sent and awaited. */
  private String[] memberIds() {
    RedisFuture<Set<String>> members = commands.smembers(prefix + ":index:nodes");
    pipelined.flushCommands();
    return members.toCompletableFuture().join().toArray(new String[0]);
  }

  /** Queues HGETALL + EXISTS per id, sends them in one flush and waits for every reply. */
  private void queueNodeReads(String[] ids, RedisFuture<Map<String, String>>[] hashes, RedisFuture<Long>[] alive) {
    String nodes = prefix + ":nodes:";
    String heartbeat = prefix + ":heartbeat:";
    for (int i = 0; i < ids.length; i++) {
      hashes[i] = commands.hgetall(nodes + ids[i]);
      alive[i] = commands.exists(heartbeat + ids[i]);
    }
    pipelined.flushCommands();
    if (ids.length > 0) {
      // Replies on one connection complete in the order sent: wait once, for the last one, and
      // the thread parks once. (Awaiting each future in turn parks and is unparked by the I/O
      // thread again and again while it decodes: measured slower than the old future chains.)
      LettuceFutures.awaitAll(TIMEOUT, alive[ids.length - 1]);
      LettuceFutures.awaitAll(TIMEOUT, hashes); // already complete: a check, no wait
      LettuceFutures.awaitAll(TIMEOUT, alive);
    }
  }

  /**
   * The first baseline, kept as a labelled extra row: the same commands and the same single
   * flush, but SMEMBERS chained with {@code thenCompose} and every reply turned into a
   * CompletableFuture joined through {@code allOf}, per-command overhead the reference does not
   * have. Not for headline ratios. Only one lookup of either kind should run at a time on this
   * client (the benchmarks call it from one thread).
   *
   * @return the live nodes
   */
  CompletableFuture<List<NodeInfo>> getActiveNodesChained() {
    RedisFuture<Set<String>> members = commands.smembers(prefix + ":index:nodes");
    pipelined.flushCommands();
    return members.toCompletableFuture().thenCompose(ids -> {
      List<String> list = new ArrayList<>(ids);
      List<RedisFuture<Map<String, String>>> hashes = new ArrayList<>(list.size());
      List<RedisFuture<Long>> alive = new ArrayList<>(list.size());
      for (String id : list) {
        hashes.add(commands.hgetall(prefix + ":nodes:" + id));
        alive.add(commands.exists(prefix + ":heartbeat:" + id));
      }
      pipelined.flushCommands();
      CompletableFuture<?>[] all = new CompletableFuture<?>[list.size() * 2];
      for (int i = 0; i < list.size(); i++) {
        all[2 * i] = hashes.get(i).toCompletableFuture();
        all[2 * i + 1] = alive.get(i).toCompletableFuture();
      }
      return CompletableFuture.allOf(all).thenApply(x -> {
        List<NodeInfo> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
          NodeInfo n = parse(list.get(i), hashes.get(i).toCompletableFuture().join(), alive.get(i).toCompletableFuture().join());
          if (n != null) {
            out.add(n);
          }
        }
        return out;
      });
    });
  }

  /** {@link #getActiveNodesChained()} and the filter: the first baseline's findNodesByService. */
  CompletableFuture<List<NodeInfo>> findNodesByServiceChained(String name, @Nullable String version) {
    return getActiveNodesChained().thenApply(nodes -> filter(nodes, name, version));
  }

  private static List<NodeInfo> filter(List<NodeInfo> nodes, String name, @Nullable String version) {
    List<NodeInfo> out = new ArrayList<>();
    for (NodeInfo n : nodes) {
      for (ServiceInfo s : n.services()) {
        if (s.name().equals(name) && (version == null || version.equals(s.version()))) {
          out.add(n);
          break;
        }
      }
    }
    return out;
  }

  /**
   * The reference heartbeat as it runs with pub/sub on (as in the wire fixtures, and as in the
   * issue's baseline of about 1.1 KB per heartbeat): EVAL with the whole script body, then, once
   * it succeeded, PUBLISH of NODE_UPDATED with the node's address and services. Published on
   * {@link BenchData#REFERENCE_CHANNEL}, which one raw subscriber (one listening node) drains, so
   * that our own local views in the benchmark JVM do not process these events.
   */
  CompletableFuture<Long> heartbeat(String id, String address, String servicesJson, long ttlMillis) {
    String ts = Long.toString(System.currentTimeMillis());
    return heartbeatScript(id, address, servicesJson, ttlMillis, ts).toCompletableFuture()
        .thenCompose(r -> heartbeats.publish(BenchData.REFERENCE_CHANNEL, "{\"type\":\"NODE_UPDATED\",\"nodeId\":\"" + id
            + "\",\"address\":\"" + address + "\",\"services\":" + servicesJson + ",\"timestamp\":" + ts + "}")
            .toCompletableFuture().thenApply(receivers -> r));
  }

  /** The reference heartbeat's script alone, without its PUBLISH. */
  RedisFuture<Long> heartbeatScriptOnly(String id, String address, String servicesJson, long ttlMillis) {
    return heartbeatScript(id, address, servicesJson, ttlMillis, Long.toString(System.currentTimeMillis()));
  }

  private RedisFuture<Long> heartbeatScript(String id, String address, String servicesJson, long ttlMillis, String ts) {
    String[] keys = {prefix + ":nodes:" + id, prefix + ":heartbeat:" + id, prefix + ":index:nodes"};
    return heartbeats.eval(SCRIPT, ScriptOutputType.INTEGER, keys,
        id, address, servicesJson, ts, Long.toString((ttlMillis + 999) / 1000), Long.toString(ttlMillis));
  }

  private static @Nullable NodeInfo parse(String id, @Nullable Map<String, String> h, @Nullable Long alive) {
    if (h == null || alive == null || alive == 0) {
      return null;
    }
    String address = h.get("address");
    String services = h.get("services");
    String ts = h.get("timestamp");
    if (address == null || services == null || ts == null) {
      return null;
    }
    List<ServiceInfo> list = WireCodec.decodeServices(services);
    if (list == null) {
      return null;
    }
    return new NodeInfo(id, address, list, (long) Double.parseDouble(ts));
  }
}
