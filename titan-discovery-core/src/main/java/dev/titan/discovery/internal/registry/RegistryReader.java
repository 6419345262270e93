package dev.titan.discovery.internal.registry;

import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.NodeStatus;
import dev.titan.discovery.ServiceInfo;
import dev.titan.discovery.internal.Keys;
import dev.titan.discovery.internal.redis.Scripts;
import dev.titan.discovery.internal.wire.WireCodec;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every read of the registry. Lookups cost one round trip; a lookup by service reads only the
 * nodes in that service's index, plus nodes our indexes do not cover (those written by the
 * TypeScript implementation). Nodes whose heartbeat is gone are handed to {@link
 * RegistryWriter#expire}, which removes them atomically (and publishes their departure) before
 * the lookup completes. Malformed entries are skipped, never fatal.
 *
 * <p>Lists of active nodes (and the local view's snapshot) are read with native commands in
 * chunks, re-using node data the change counter vouches for ({@link CachedReads}); lookups by
 * service read a light {@code SORT … GET} of the service's index, else one native {@code SORT …
 * GET} per set where Redis allows it ({@link SortReads}), else the query script.
 */
public final class RegistryReader {

  private static final Logger LOG = LoggerFactory.getLogger(RegistryReader.class);

  private final RedisClusterAsyncCommands<String, String> commands;
  private final Keys keys;
  private final RegistryWriter writer;
  private final SortReads sorted;
  private final CachedReads cached;
  private final boolean nativeReads;

  /**
   * Creates the reader.
   *
   * @param commands Redis commands
   * @param keys key layout
   * @param writer used to remove the dead nodes a read comes across
   */
  public RegistryReader(RedisClusterAsyncCommands<String, String> commands, Keys keys, RegistryWriter writer) {
    this(commands, keys, writer, true);
  }

  /**
   * Creates the reader, with or without the native {@code SORT … GET} reads (tests compare both).
   *
   * @param commands Redis commands
   * @param keys key layout
   * @param writer used to remove the dead nodes a read comes across
   * @param nativeReads false to answer every list with the query script
   */
  public RegistryReader(
      RedisClusterAsyncCommands<String, String> commands, Keys keys, RegistryWriter writer, boolean nativeReads) {
    this.commands = commands;
    this.keys = keys;
    this.writer = writer;
    this.sorted = new SortReads(commands, keys, nativeReads);
    this.cached = new CachedReads(commands, keys);
    this.nativeReads = nativeReads;
  }

  /**
   * Nodes whose heartbeat is alive.
   *
   * @return the nodes
   */
  public CompletableFuture<List<NodeInfo>> activeNodes() {
    if (!nativeReads) {
      return query(keys.nodesIndex(), true, false, "");
    }
    return cached.active().handle((rows, e) -> {
      if (e == null) {
        return answer(rows, "");
      }
      if (!isCommandError(e)) {
        return CompletableFuture.<List<NodeInfo>>failedFuture(e);
      }
      // a registry key of the wrong type: the script reads around it
      return query(keys.nodesIndex(), true, false, "");
    }).thenCompose(f -> f);
  }

  /**
   * Drops node data read before; called when the connection is re-established, since the Redis
   * behind it may hold other data (restarted from an older snapshot, failed over).
   */
  public void connectionRestored() {
    cached.connectionRestored();
  }

  /**
   * How many reads of the whole registry read every node's data (the others re-used data read
   * before, see {@link CachedReads}).
   *
   * @return the count
   */
  public long fullReads() {
    return cached.fullReads();
  }

  private static boolean isCommandError(Throwable e) {
    Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
    return cause instanceof io.lettuce.core.RedisCommandExecutionException;
  }

  /**
   * The active nodes together with the change counter ({@code index:version}): what a local view
   * resynchronises from. Read with native chunked reads ({@link CachedReads}), the counter first:
   * the nodes reflect at least every change up to it, perhaps later ones too, which the view's
   * replay of newer events (whole node states, in order) makes harmless. With native reads off,
   * the query script reads both in one atomic step.
   *
   * @return the snapshot
   */
  public CompletableFuture<Snapshot> snapshot() {
    if (!nativeReads) {
      return scriptSnapshot();
    }
    return cached.activeAt().handle((v, e) -> {
      if (e == null) {
        return answer(v.rows(), "").thenApply(nodes -> new Snapshot(nodes, v.version()));
      }
      if (!isCommandError(e)) {
        return CompletableFuture.<Snapshot>failedFuture(e);
      }
      return scriptSnapshot(); // a registry key of the wrong type: the script reads around it
    }).thenCompose(f -> f);
  }

  /** The snapshot read by the query script in one atomic step (native reads off, or refused). */
  private CompletableFuture<Snapshot> scriptSnapshot() {
    String[] k = {keys.nodesIndex(), keys.nodesIndex(), keys.deadlines(), keys.version()};
    return Scripts.QUERY.<List<Object>>run(commands, ScriptOutputType.MULTI, k, keys.prefix(), "active", "0")
        .thenCompose(reply -> {
          long version = reply.size() > 3 ? parseVersion(reply.get(3)) : 0;
          return cleanUp(reply, parse(reply.get(0)), "").thenApply(nodes -> new Snapshot(nodes, version));
        });
  }

  /**
   * Active nodes and the change counter they reflect.
   *
   * @param nodes the active nodes
   * @param version the value of {@code index:version} at the read, 0 when absent
   */
  public record Snapshot(List<NodeInfo> nodes, long version) {
    /** Copies the list. */
    public Snapshot {
      nodes = List.copyOf(nodes);
    }
  }

  private static long parseVersion(@Nullable Object o) {
    try {
      return o == null ? 0 : Long.parseLong(o.toString());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /**
   * Every node with a readable hash, heartbeat or not.
   *
   * @return the nodes
   */
  public CompletableFuture<List<NodeInfo>> allNodes() {
    return orScript(sorted.all(keys.nodesIndex(), false), "", () -> query(keys.nodesIndex(), false, false, ""));
  }

  /**
   * Active nodes offering a service, in the given version when one is given.
   *
   * @param name the service name
   * @param version the version, or null for any
   * @return the nodes
   */
  public CompletableFuture<List<NodeInfo>> byService(String name, @Nullable String version) {
    String index = keys.serviceIndex(name);
    // ids of the index without a heartbeat are handed over with the name: those removed (or long
    // gone, whose services were unknown when they were removed) leave this index too
    return byIndex(index, name)
        .thenApply(nodes -> {
          List<NodeInfo> out = new ArrayList<>();
          for (NodeInfo n : nodes) {
            if (n.offers(name, version)) {
              out.add(n);
            }
          }
          return List.copyOf(out);
        });
  }

  /**
   * The nodes of a service index: from data read before where the change counter vouches for it
   * ({@link CachedReads}), else one native read, else the query script.
   */
  private CompletableFuture<List<NodeInfo>> byIndex(String index, String name) {
    Supplier<CompletableFuture<List<NodeInfo>>> otherwise =
        () -> orScript(sorted.service(index), name, () -> query(index, true, true, name));
    if (!nativeReads || !sorted.enabled()) {
      return otherwise.get();
    }
    return cached.service(index).handle((rows, e) -> {
      if (e != null) {
        if (!isCommandError(e)) {
          return CompletableFuture.<List<NodeInfo>>failedFuture(e);
        }
        return otherwise.get(); // refused or a key of the wrong type: the native read decides
      }
      return rows.isPresent() ? answer(rows.get(), name) : otherwise.get();
    }).thenCompose(f -> f);
  }

  /**
   * One node's data, heartbeat or not.
   *
   * @param nodeId the id
   * @return the node, or empty when absent or malformed
   */
  public CompletableFuture<Optional<NodeInfo>> node(String nodeId) {
    return commands.hmget(keys.node(nodeId), "address", "services", "timestamp", "status", "metadata").toCompletableFuture()
        .thenApply(values -> Optional.ofNullable(toNode(nodeId, values.get(0).getValueOrElse(null),
            values.get(1).getValueOrElse(null), values.get(2).getValueOrElse(null),
            values.get(3).getValueOrElse(null), values.get(4).getValueOrElse(null))))
        .exceptionally(e -> {
          if (isWrongType(e)) {
            return Optional.empty();
          }
          throw new java.util.concurrent.CompletionException(e);
        });
  }

  /**
   * Whether the node hash exists (the node may be inactive).
   *
   * @param nodeId the id
   * @return true when it exists
   */
  public CompletableFuture<Boolean> exists(String nodeId) {
    return commands.exists(keys.node(nodeId)).toCompletableFuture().thenApply(n -> n != null && n > 0);
  }

  /**
   * Whether the node's heartbeat key exists.
   *
   * @param nodeId the id
   * @return true when it is alive
   */
  public CompletableFuture<Boolean> isActive(String nodeId) {
    return commands.exists(keys.heartbeat(nodeId)).toCompletableFuture().thenApply(n -> n != null && n > 0);
  }

  private CompletableFuture<List<NodeInfo>> query(String source, boolean active, boolean foreign, String service) {
    String[] k = {source, keys.nodesIndex(), keys.deadlines()};
    return Scripts.QUERY.<List<Object>>run(commands, ScriptOutputType.MULTI, k,
            keys.prefix(), active ? "active" : "all", foreign ? "1" : "0")
        .thenCompose(reply -> active
            ? cleanUp(reply, parse(reply.get(0)), service) : CompletableFuture.completedFuture(parse(reply.get(0))));
  }

  /** The nodes of a native read, or the script's answer where the native read gave way. */
  private CompletableFuture<List<NodeInfo>> orScript(CompletableFuture<Optional<SortReads.Rows>> nativeRead,
      String service, Supplier<CompletableFuture<List<NodeInfo>>> script) {
    return nativeRead.thenCompose(rows -> rows.isPresent() ? answer(rows.get(), service) : script.get());
  }

  /**
   * The nodes of a native read, once the members it found without a heartbeat value are handed to
   * the writer, which removes those whose heartbeat is gone. A suspect it did not remove is
   * answered when its heartbeat key exists after all (a key of another type, which {@code EXISTS}
   * counts as alive as the script does, or a node renewed meanwhile), not when another cleaner
   * removed it first. When the cleanup fails, suspects are left out.
   */
  private CompletableFuture<List<NodeInfo>> answer(SortReads.Rows rows, String service) {
    List<NodeInfo> nodes = List.copyOf(rows.nodes());
    if (rows.suspectIds().isEmpty()) {
      return CompletableFuture.completedFuture(nodes);
    }
    return writer.expire(rows.suspectIds(), service).thenCompose(removed -> {
      Set<String> gone = new HashSet<>(removed);
      List<NodeInfo> left = new ArrayList<>();
      for (NodeInfo n : rows.suspects()) {
        if (!gone.contains(n.nodeId())) {
          left.add(n);
        }
      }
      return left.isEmpty() ? CompletableFuture.completedFuture(nodes) : withLiving(nodes, left);
    }).exceptionally(e -> {
      LOG.debug("Cleanup of {} dead nodes failed: {}", rows.suspectIds().size(), e.toString());
      return nodes;
    });
  }

  /** {@code nodes} plus those of {@code candidates} whose heartbeat key exists. */
  private CompletableFuture<List<NodeInfo>> withLiving(List<NodeInfo> nodes, List<NodeInfo> candidates) {
    List<CompletableFuture<Boolean>> checks = new ArrayList<>();
    for (NodeInfo n : candidates) {
      checks.add(isActive(n.nodeId()));
    }
    return CompletableFuture.allOf(checks.toArray(new CompletableFuture<?>[0])).thenApply(v -> {
      List<NodeInfo> out = new ArrayList<>(nodes);
      for (int i = 0; i < candidates.size(); i++) {
        if (checks.get(i).join()) {
          out.add(candidates.get(i));
        }
      }
      return List.copyOf(out);
    });
  }

  /** Hands the dead nodes a query came across to the writer, then answers the nodes. */
  private CompletableFuture<List<NodeInfo>> cleanUp(List<Object> reply, List<NodeInfo> nodes, String service) {
    List<String> dead = RegistryWriter.strings(reply.get(1));
    long due = reply.size() > 2 ? RegistryWriter.asLong(reply.get(2)) : 0;
    if (dead.isEmpty() && due == 0) {
      return CompletableFuture.completedFuture(nodes);
    }
    return writer.expireThen(dead, service, nodes);
  }

  private static List<NodeInfo> parse(Object flat) {
    if (!(flat instanceof List<?> list)) {
      return List.of();
    }
    List<NodeInfo> out = new ArrayList<>(list.size() / 6);
    for (int i = 0; i + 5 < list.size(); i += 6) {
      NodeInfo n = toNode(str(list.get(i)), str(list.get(i + 1)), str(list.get(i + 2)), str(list.get(i + 3)),
          str(list.get(i + 4)), str(list.get(i + 5)));
      if (n != null) {
        out.add(n);
      }
    }
    return List.copyOf(out);
  }

  private static @Nullable String str(@Nullable Object o) {
    return o == null ? null : o.toString();
  }

  /**
   * Builds a node from the hash fields, or null when a field the TypeScript implementation writes
   * is missing or malformed. Our extra fields are read leniently: a missing or unknown status is
   * UP, missing or malformed metadata is none.
   *
   * @param nodeId id
   * @param address address field
   * @param services services field
   * @param timestamp timestamp field
   * @param status status field (null or empty when absent)
   * @param metadata metadata field (null or empty when absent)
   * @return the node or null
   */
  static @Nullable NodeInfo toNode(@Nullable String nodeId, @Nullable String address, @Nullable String services,
      @Nullable String timestamp, @Nullable String status, @Nullable String metadata) {
    if (nodeId == null || address == null || services == null || timestamp == null) {
      return null;
    }
    List<ServiceInfo> list = decodeServices(services);
    if (list == null) {
      LOG.debug("Skipping node {}: malformed services field", nodeId);
      return null;
    }
    long ts;
    try {
      ts = isDigits(timestamp) ? Long.parseLong(timestamp) : (long) Double.parseDouble(timestamp.trim());
    } catch (NumberFormatException e) {
      LOG.debug("Skipping node {}: malformed timestamp field", nodeId);
      return null;
    }
    if ((status == null || status.isEmpty()) && (metadata == null || metadata.isEmpty())) {
      return new NodeInfo(nodeId, address, list, ts);
    }
    return new NodeInfo(nodeId, address, list, ts, NodeStatus.fromWire(status), decodeMetadata(metadata));
  }

  /** Decoded metadata fields, shared like the services lists (a fleet has few distinct maps). */
  private static final java.util.concurrent.ConcurrentHashMap<String, java.util.Map<String, String>> METADATA =
      new java.util.concurrent.ConcurrentHashMap<>();

  private static java.util.Map<String, String> decodeMetadata(@Nullable String json) {
    if (json == null || json.isEmpty()) {
      return java.util.Map.of();
    }
    java.util.Map<String, String> known = METADATA.get(json);
    if (known != null) {
      return known;
    }
    java.util.Map<String, String> m = NodeInfo.copyOfMetadata(WireCodec.decodeMetadata(json));
    if (json.length() <= 4096) {
      if (METADATA.size() >= DECODED_MAX) {
        METADATA.clear();
      }
      METADATA.put(json, m);
    }
    return m;
  }

  /** Plain epoch milliseconds, as both implementations write them (else parsed as a number). */
  private static boolean isDigits(String s) {
    int n = s.length();
    if (n == 0 || n > 18) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  /** Decoded services fields: nodes of a fleet mostly share a handful of identical lists. */
  private static final int DECODED_MAX = 4096;
  private static final java.util.concurrent.ConcurrentHashMap<String, List<ServiceInfo>> DECODED =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Decodes a services field, remembering up to {@value #DECODED_MAX} distinct texts (the lists
   * are immutable, so they are shared safely); JSON parsing otherwise dominates large reads.
   */
  private static @Nullable List<ServiceInfo> decodeServices(String json) {
    List<ServiceInfo> known = DECODED.get(json);
    if (known != null) {
      return known;
    }
    List<ServiceInfo> list = WireCodec.decodeServices(json);
    if (list != null && json.length() <= 4096) {
      if (DECODED.size() >= DECODED_MAX) {
        DECODED.clear();
      }
      DECODED.put(json, list);
    }
    return list;
  }

  private static boolean isWrongType(Throwable e) {
    Throwable t = e;
    while (t != null) {
      if (t.getMessage() != null && t.getMessage().startsWith("WRONGTYPE")) {
        return true;
      }
      t = t.getCause();
    }
    return false;
  }
}
