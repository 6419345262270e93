package dev.titan.discovery.internal.registry;

import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.internal.Keys;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.SortArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads many nodes with one native command per source set: {@code SORT source BY nosort GET #
 * GET {prefix}:nodes:*->address GET …->services GET …->timestamp GET …->status GET …->metadata
 * GET {prefix}:heartbeat:*}. Redis
 * looks up every member's hash fields and heartbeat in one pass, without the per-call cost that a
 * script pays for each {@code EXISTS} and {@code HMGET} (measured here: about half the query
 * script's Redis time for 600 members, see BENCHMARKS.md).
 *
 * <p>Redis refuses {@code GET} patterns in some set-ups: in Redis Cluster (before the versions that
 * accept patterns mapping to the key's own slot) and, since Redis 7.0, for an ACL user without
 * read access to every key; a user without {@code +sort} (or with {@code -@dangerous}) is refused
 * the command. The first such refusal turns this path off for good (logged once) and the reader
 * uses the query script, which gives the same answers. It is also off when the key prefix holds a
 * {@code *}, which a pattern cannot express. Reads answer {@link Optional#empty()} whenever the
 * script must answer instead.
 */
final class SortReads {

  private static final Logger LOG = LoggerFactory.getLogger(SortReads.class);
  /** Values per member in a reply: id, address, services, timestamp, status, metadata, heartbeat. */
  private static final int STRIDE = 7;

  private final RedisClusterAsyncCommands<String, String> commands;
  private final Keys keys;
  private final SortArgs args;
  private volatile boolean enabled;

  SortReads(RedisClusterAsyncCommands<String, String> commands, Keys keys, boolean enabled) {
    this.commands = commands;
    this.keys = keys;
    String nodes = keys.prefix() + ":nodes:*->";
    this.args = new SortArgs().by("nosort").get("#")
        .get(nodes + "address").get(nodes + "services").get(nodes + "timestamp")
        .get(nodes + "status").get(nodes + "metadata")
        .get(keys.prefix() + ":heartbeat:*");
    this.enabled = enabled && !keys.prefix().contains("*");
  }

  /**
   * Nodes read from one set. {@code GET} answers nil for a heartbeat key that is missing and for
   * one of the wrong type, which {@code EXISTS} (the reference's check) counts as alive; so the
   * members without a heartbeat value are {@code suspects}: they are alive unless the atomic
   * cleanup removes them. {@code suspectIds} names them all, readable or not.
   */
  record Rows(List<NodeInfo> nodes, List<String> suspectIds, List<NodeInfo> suspects) {
    Rows() {
      this(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    }
  }

  /**
   * Whether native reads are on (not refused by Redis so far).
   *
   * @return true when on
   */
  boolean enabled() {
    return enabled;
  }

  /**
   * Every member of {@code source} (normally {@code index:nodes}).
   *
   * @param source the set of ids
   * @param active whether members without a heartbeat value are set apart as suspects
   * @return the rows, or empty when the query script must answer
   */
  CompletableFuture<Optional<Rows>> all(String source, boolean active) {
    if (!enabled) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return sort(source).handle((reply, e) -> {
      if (e != null) {
        return fallBack(e);
      }
      Rows rows = new Rows();
      add(reply, active, null, rows); // one set: no duplicates
      return Optional.of(rows);
    });
  }

  /**
   * The active members of a service index and the adopted TypeScript-written nodes
   * ({@code index:foreign}), which the caller filters by service. Empty (script) while nodes not
   * yet adopted exist ({@code index:nodes} larger than {@code index:deadlines}): only the script
   * finds those.
   *
   * @param serviceIndex the service's index set
   * @return the rows, or empty when the query script must answer
   */
  CompletableFuture<Optional<Rows>> service(String serviceIndex) {
    if (!enabled) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    // written back to back: one round trip
    CompletableFuture<List<String>> members = sort(serviceIndex);
    CompletableFuture<List<String>> adopted = sort(keys.foreign());
    CompletableFuture<Long> indexed = commands.scard(keys.nodesIndex()).toCompletableFuture();
    CompletableFuture<Long> withDeadline = commands.zcard(keys.deadlines()).toCompletableFuture();
    return CompletableFuture.allOf(members, adopted, indexed, withDeadline).handle((v, e) -> {
      if (e != null) {
        return fallBack(e);
      }
      if (indexed.join() > withDeadline.join()) {
        return Optional.<Rows>empty();
      }
      Rows rows = new Rows();
      Set<String> seen = new HashSet<>();
      add(members.join(), true, seen, rows);
      add(adopted.join(), true, seen, rows);
      return Optional.of(rows);
    });
  }

  private CompletableFuture<List<String>> sort(String source) {
    return commands.sort(source, args).toCompletableFuture();
  }

  /** Adds a reply's members to {@code rows}, skipping those already in {@code seen} when given. */
  private static void add(List<String> reply, boolean active, @Nullable Set<String> seen, Rows rows) {
    for (int i = 0; i + STRIDE - 1 < reply.size(); i += STRIDE) {
      String id = reply.get(i);
      if (id == null || (seen != null && !seen.add(id))) {
        continue;
      }
      boolean suspect = active && reply.get(i + 6) == null;
      if (suspect) {
        rows.suspectIds().add(id);
      }
      NodeInfo node = RegistryReader.toNode(
          id, reply.get(i + 1), reply.get(i + 2), reply.get(i + 3), reply.get(i + 4), reply.get(i + 5));
      if (node != null) {
        (suspect ? rows.suspects() : rows.nodes()).add(node);
      }
    }
  }

  /**
   * After a failed read: a refusal by Redis (of the patterns or of the command) turns this path off
   * for good; any other error reply (a key of the wrong type) leaves this one read to the script;
   * connection errors and time-outs fail the read, so that a lookup never waits twice.
   */
  private Optional<Rows> fallBack(Throwable e) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    if (!(cause instanceof RedisCommandExecutionException)) {
      throw e instanceof CompletionException ce ? ce : new CompletionException(e);
    }
    if (enabled && refused(cause.getMessage())) {
      enabled = false;
      LOG.info("Redis refuses SORT with GET patterns ({}); node lookups use the query script", cause.getMessage());
    }
    return Optional.empty();
  }

  private static boolean refused(@Nullable String message) {
    if (message == null) {
      return false;
    }
    return message.startsWith("NOPERM") || message.contains("denied") || message.contains("unknown command");
  }

}
