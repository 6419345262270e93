package dev.titan.discovery.internal.view;

import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.internal.Keys;
import dev.titan.discovery.internal.redis.Scripts;
import dev.titan.discovery.internal.registry.RegistryReader;
import dev.titan.discovery.internal.registry.RegistryWriter;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The active nodes (all of them, or those offering a service), answered from a local view when
 * one Redis round trip confirms that the view equals the registry, and read from Redis otherwise.
 *
 * <p>The view's nodes are taken together with the version ({@code index:version}) they reflect;
 * {@code confirm.lua} then returns, in O(due) and without reading any node, the current version
 * and the nodes whose deadline passed and whose heartbeat key is gone. When the versions are equal
 * and nothing else prevents it (see the script), the view's nodes minus those gone ones are what
 * {@link RegistryReader#activeNodes()} (or {@link RegistryReader#byService}) would answer at that
 * moment; the gone ones are handed to {@link RegistryWriter#expire} before the answer completes,
 * as the Redis path does. In every other case (no view, not in step, pub/sub down, a version
 * mismatch, an unconfirmable registry, a script error) the answer is read from Redis. Nothing
 * blocks.
 */
public final class ConfirmedActiveNodes {

  private static final Logger LOG = LoggerFactory.getLogger(ConfirmedActiveNodes.class);

  /** Most due nodes one confirmation checks; with more, the answer is read from Redis. */
  public static final int MAX_DUE = 1000;

  private final Supplier<@Nullable LocalRegistryView> view;
  private final RegistryReader reader;
  private final RegistryWriter writer;
  private final RedisClusterAsyncCommands<String, String> commands;
  private final Keys keys;
  private final AtomicLong confirmed = new AtomicLong();
  private final AtomicLong fallbacks = new AtomicLong();

  /**
   * Creates the lookup.
   *
   * @param view the local view, or null while none was created (asked at every lookup)
   * @param reader the Redis path
   * @param writer removes the dead nodes a confirmation comes across
   * @param commands Redis commands
   * @param keys key layout
   */
  public ConfirmedActiveNodes(
      Supplier<@Nullable LocalRegistryView> view,
      RegistryReader reader,
      RegistryWriter writer,
      RedisClusterAsyncCommands<String, String> commands,
      Keys keys) {
    this.view = view;
    this.reader = reader;
    this.writer = writer;
    this.commands = commands;
    this.keys = keys;
  }

  /**
   * Nodes whose heartbeat is alive: from the view when confirmed, from Redis otherwise.
   *
   * @return the nodes
   */
  public CompletableFuture<List<NodeInfo>> activeNodes() {
    return confirmed(null, null, reader::activeNodes);
  }

  /**
   * Active nodes offering a service, in the given version when one is given: from the view when
   * confirmed, from Redis otherwise.
   *
   * @param name the service name
   * @param version the version, or null for any
   * @return the nodes
   */
  public CompletableFuture<List<NodeInfo>> byService(String name, @Nullable String version) {
    return confirmed(name, version, () -> reader.byService(name, version));
  }

  private CompletableFuture<List<NodeInfo>> confirmed(
      @Nullable String service, @Nullable String serviceVersion, Supplier<CompletableFuture<List<NodeInfo>>> redis) {
    LocalRegistryView v = view.get();
    ViewSync.Content content = v == null ? null : v.inStepContent(service, serviceVersion);
    if (content == null) {
      return fromRedis(redis);
    }
    String[] k = {keys.version(), keys.deadlines(), keys.nodesIndex(), keys.foreign()};
    return Scripts.CONFIRM.<List<Object>>run(commands, ScriptOutputType.MULTI, k, keys.prefix(), Integer.toString(MAX_DUE))
        .handle((reply, e) -> {
          if (e != null) {
            LOG.debug("Confirming the local view failed: {}", e.toString());
            return null;
          }
          return gone(reply, content.version());
        })
        .thenCompose(gone -> gone == null ? fromRedis(redis) : fromView(content.nodes(), gone));
  }

  /**
   * How many answers came from the view (confirmed) so far.
   *
   * @return the count
   */
  public long confirmed() {
    return confirmed.get();
  }

  /**
   * How many answers were read from Redis so far.
   *
   * @return the count
   */
  public long fallbacks() {
    return fallbacks.get();
  }

  private CompletableFuture<List<NodeInfo>> fromRedis(Supplier<CompletableFuture<List<NodeInfo>>> redis) {
    fallbacks.incrementAndGet();
    return redis.get();
  }

  private CompletableFuture<List<NodeInfo>> fromView(List<NodeInfo> nodes, List<String> gone) {
    confirmed.incrementAndGet();
    if (gone.isEmpty()) {
      return CompletableFuture.completedFuture(nodes);
    }
    Set<String> dead = new HashSet<>(gone);
    List<NodeInfo> alive = new ArrayList<>(nodes.size());
    for (NodeInfo n : nodes) {
      if (!dead.contains(n.nodeId())) {
        alive.add(n);
      }
    }
    return writer.expireThen(gone, List.copyOf(alive));
  }

  /**
   * The gone ids of a confirmation, or null when it does not confirm a view at {@code version}.
   *
   * @param reply {version, flags, gone ids...}
   * @param version the view's version
   * @return the ids, or null
   */
  private static @Nullable List<String> gone(@Nullable List<Object> reply, long version) {
    if (reply == null || reply.size() < 2 || reply.get(0) == null || !(reply.get(1) instanceof Long flags) || flags != 0) {
      return null;
    }
    long remote;
    try {
      remote = Long.parseLong(reply.get(0).toString());
    } catch (NumberFormatException e) {
      return null;
    }
    if (remote != version) {
      return null;
    }
    List<String> ids = new ArrayList<>(reply.size() - 2);
    for (Object o : reply.subList(2, reply.size())) {
      if (o != null) {
        ids.add(o.toString());
      }
    }
    return ids;
  }
}
