package dev.titan.discovery.internal.registry;

import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.internal.Keys;
import io.lettuce.core.KeyValue;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.SortArgs;
import io.lettuce.core.ValueScanCursor;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Lists of active nodes read with native commands only, never a script, in chunks of at most
 * {@value #CHUNK} keys, so that no single command holds Redis for a scan of the registry; node
 * data read before is re-used while the registry's change counter says it is current.
 *
 * <p>Every change our scripts make to a node (registration, update of its address, services,
 * status or metadata, removal, adoption) increments {@code index:version}; a heartbeat does not,
 * and it changes nothing but the node's timestamp, which the heartbeat key holds too (both
 * implementations write the same epoch-ms string to the hash's {@code timestamp} field and the
 * heartbeat key). So while the counter has not moved, a node's address, services, status and
 * metadata are what they were when read, and one value per node, its heartbeat key, says whether
 * it is alive and its timestamp. A read therefore sends, in one flush:
 *
 * <ul>
 *   <li>{@code GET index:version}, {@code SCARD index:nodes}, {@code ZCARD index:deadlines} and
 *       {@code SCARD index:foreign};
 *   <li>for the whole registry: {@code MGET} of the heartbeat keys of the ids read before, {@value
 *       #CHUNK} per command; for one service: {@code SORT index:services:{name} BY nosort GET # GET
 *       heartbeat:*} (two lookups per member).
 * </ul>
 *
 * <p>When the counter has moved, the change log ({@code index:version:log}: every change's node id
 * scored by the counter value it produced, the newest 1,000 ids) says which nodes changed: read in
 * the same flush ({@code ZRANGEBYSCORE} above the value last seen, and the log's lowest entry), it
 * lets the data of every other node stand, so a read after a change re-reads only the changed
 * nodes. The log answers only when its newest score is the counter just read and it reaches back
 * to the value last seen (its lowest score at most one above); otherwise (trimmed, deleted, a
 * counter moved by hand) every node is read again.
 *
 * <p>The data read before answers when no change since it was read names its node (a counter
 * move drops the entries of the nodes its changes name, O(changes); every entry when the log
 * cannot vouch) and nothing escapes
 * the counter: every node in {@code index:nodes} has a deadline (none written by the TypeScript
 * implementation awaits adoption) and none is adopted from it (those change without a bump), the
 * same conditions under which a local view is confirmed. Otherwise, and for ids not read before,
 * node data is read again: the whole registry by {@code SSCAN} of {@code index:nodes} ({@value
 * #CHUNK} per step) and {@code HMGET} of each node's fields plus {@code MGET} of the heartbeats,
 * one flush per chunk; a service's missing members by {@code HMGET} each.
 *
 * <p>The counter is read before the data it vouches for, so data read after a concurrent change
 * is kept under the older counter value and read again by the next call, whose change log names
 * the node: never the other way round. A node written by another client without a bump (by hand, or
 * by a Redis restored from an older snapshot) is not noticed until the counter moves; the data
 * read before is dropped whenever the connection is re-established ({@link #connectionRestored}).
 *
 * <p>A heartbeat key that is missing (or holds a value of another type, which {@code EXISTS}
 * counts as alive) makes its node a suspect: {@link RegistryReader} hands suspects to the atomic
 * cleanup, as for the other reads.
 */
final class CachedReads {

  /** Keys per command, and ids per step of a full read. */
  static final int CHUNK = 1000;
  private static final String[] FIELDS = {"address", "services", "timestamp", "status", "metadata"};

  private final RedisClusterAsyncCommands<String, String> commands;
  private final Keys keys;
  private final SortArgs light;
  /**
   * Node data read at a counter value, each entry current: an entry is put only at the counter
   * value last seen, and dropped when a later value's change log names its node (or everything is
   * dropped when the log cannot vouch), so that a counter move costs O(changes), not a pass over
   * every entry.
   */
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  /** Every member of {@code index:nodes} as of a full read at a counter value, or null. */
  private volatile @Nullable Members members;
  private final AtomicLong fullReads = new AtomicLong();

  private record Entry(long version, NodeInfo node) {}

  /**
   * The members as of a full read; {@code sorted} the same ids sorted, for membership tests in
   * O(log N) at 4-8 bytes per id (a hash set would cost about 40).
   */
  private record Members(long version, List<String> ids, String[] sorted) {
    Members(long version, List<String> ids) {
      this(version, ids, sortedCopy(ids));
    }

    private static String[] sortedCopy(List<String> ids) {
      String[] a = ids.toArray(new String[0]);
      Arrays.sort(a);
      return a;
    }

    boolean contains(String id) {
      return Arrays.binarySearch(sorted, id) >= 0;
    }

    Members at(long counter) {
      return new Members(counter, ids, sorted);
    }
  }

  /**
   * What one call read first: the counter, the size of {@code index:nodes}, and whether data read
   * before can answer.
   */
  private record State(long version, long nodes, boolean usable) {}

  CachedReads(RedisClusterAsyncCommands<String, String> commands, Keys keys) {
    this.commands = commands;
    this.keys = keys;
    this.light = new SortArgs().by("nosort").get("#").get(keys.prefix() + ":heartbeat:*");
  }

  /** Drops every node read before: the Redis behind the connection may hold other data now. */
  void connectionRestored() {
    members = null;
    entries.clear();
  }

  /**
   * How many full reads of the registry were made (the others used data read before).
   *
   * @return the count
   */
  long fullReads() {
    return fullReads.get();
  }

  /**
   * Every member of {@code index:nodes}, alive ones as nodes, those without a heartbeat value as
   * suspects.
   *
   * @return the rows
   */
  CompletableFuture<SortReads.Rows> active() {
    return activeAt().thenApply(Versioned::rows);
  }

  /**
   * Rows and the change counter read before them.
   *
   * @param version the value of {@code index:version} read before the rows (0 when absent)
   * @param rows the rows
   */
  record Versioned(long version, SortReads.Rows rows) {}

  /**
   * {@link #active()} with the change counter read before the rows: what a local view
   * resynchronises from. The rows may reflect changes after that value (never fewer): a view
   * replays the events newer than it, which carry whole node states, so it converges.
   *
   * @return the rows and the counter
   */
  CompletableFuture<Versioned> activeAt() {
    CompletableFuture<State> state = state();
    Members m = members;
    List<CompletableFuture<List<KeyValue<String, String>>>> beats = m == null ? List.of() : heartbeats(m.ids());
    // the heartbeats' replies come after the state's, on the same connection: wait for them
    // (an error among them only means the data read before does not answer)
    CompletableFuture<?> replies = CompletableFuture.allOf(beats.toArray(new CompletableFuture<?>[0]))
        .exceptionally(e -> null);
    return state.thenCombine(replies, (s, x) -> s).thenCompose(s -> {
      Members now = members; // re-stamped by the state's reply when the log vouched for it
      if (m != null && now != null && now.ids() == m.ids() && s.usable() && now.version() == s.version()
          && m.ids().size() == s.nodes()) {
        CompletableFuture<SortReads.@Nullable Rows> rows = fromEntries(m.ids(), beats, s);
        return rows.thenCompose(r -> r != null
            ? CompletableFuture.completedFuture(new Versioned(s.version(), r))
            : fullRead(s).thenApply(full -> new Versioned(s.version(), full)));
      }
      return fullRead(s).thenApply(rows -> new Versioned(s.version(), rows));
    });
  }

  /**
   * The members of a service index, from data read before where it is current, or empty when
   * the caller must read otherwise (nodes that change without a counter bump exist).
   *
   * @param serviceIndex the service's index set
   * @return the rows, or empty
   */
  CompletableFuture<Optional<SortReads.Rows>> service(String serviceIndex) {
    CompletableFuture<State> state = state();
    CompletableFuture<List<String>> pairs = commands.sort(serviceIndex, light).toCompletableFuture();
    return state.thenCompose(s -> pairs.thenCompose(reply -> {
      if (!s.usable()) {
        return CompletableFuture.completedFuture(Optional.<SortReads.Rows>empty());
      }
      List<String> ids = new ArrayList<>(reply.size() / 2);
      List<@Nullable String> values = new ArrayList<>(reply.size() / 2);
      Set<String> unique = new HashSet<>();
      for (int i = 0; i + 1 < reply.size(); i += 2) {
        String id = reply.get(i);
        if (id != null && unique.add(id)) {
          ids.add(id);
          values.add(reply.get(i + 1));
        }
      }
      Map<String, NodeInfo> known = new HashMap<>();
      return fetch(unknown(ids, s, known), s, known).thenApply(v -> Optional.of(rows(ids, values, known)));
    }));
  }

  /**
   * Reads the counter and the conditions under which data read before answers; drops that data
   * when the counter moved.
   */
  private CompletableFuture<State> state() {
    long seen = latest;
    RedisFuture<String> version = commands.get(keys.version());
    RedisFuture<Long> nodes = commands.scard(keys.nodesIndex());
    RedisFuture<Long> deadlines = commands.zcard(keys.deadlines());
    RedisFuture<Long> foreign = commands.scard(keys.foreign());
    CompletableFuture<String> v = version.toCompletableFuture();
    CompletableFuture<Long> n = nodes.toCompletableFuture();
    CompletableFuture<Long> z = deadlines.toCompletableFuture();
    CompletableFuture<Long> f = foreign.toCompletableFuture();
    // the changes since the value last seen, and the log's lowest entry
    CompletableFuture<@Nullable List<ScoredValue<String>>> changed = seen > 0
        ? orNull(commands.zrangebyscoreWithScores(keys.versionLog(),
            Range.from(Range.Boundary.excluding(seen), Range.Boundary.<Long>unbounded()), Limit.create(0, CHUNK)))
        : CompletableFuture.completedFuture(null);
    CompletableFuture<@Nullable List<ScoredValue<String>>> lowest = seen > 0
        ? orNull(commands.zrangeWithScores(keys.versionLog(), 0, 0))
        : CompletableFuture.completedFuture(null);
    return CompletableFuture.allOf(v, n, z, f, changed, lowest).handle((x, e) -> {
      if (e != null) { // a key of the wrong type: read everything, keep nothing
        return new State(0, -1, false);
      }
      long counter = parse(v.join());
      boolean usable = counter > 0 && n.join().equals(z.join()) && f.join() == 0;
      if (!usable) {
        members = null;
      }
      if (counter != latest) {
        advance(seen, counter, usable ? changesSince(seen, counter, changed.join(), lowest.join()) : null);
      }
      return new State(counter, n.join(), usable);
    });
  }

  /** A log query's reply, or null when it failed (a key of the wrong type: no log). */
  private static CompletableFuture<@Nullable List<ScoredValue<String>>> orNull(RedisFuture<List<ScoredValue<String>>> f) {
    return f.toCompletableFuture().<@Nullable List<ScoredValue<String>>>thenApply(l -> l).exceptionally(e -> null);
  }

  /** The counter value last read, set once the entries are current at it (under this's lock). */
  private volatile long latest;

  /**
   * The ids changed in ({@code seen}, {@code counter}] with the value of their latest change, or
   * null when the log does not answer for all of that range.
   */
  private static @Nullable Map<String, Long> changesSince(long seen, long counter,
      @Nullable List<ScoredValue<String>> changed, @Nullable List<ScoredValue<String>> lowest) {
    if (seen <= 0 || counter <= seen || changed == null || lowest == null || changed.isEmpty() || lowest.isEmpty()
        || changed.size() >= CHUNK) {
      return null;
    }
    if (lowest.get(0).getScore() > seen + 1 || (long) changed.get(changed.size() - 1).getScore() != counter) {
      return null; // trimmed past the value seen, or a change the log does not hold
    }
    Map<String, Long> out = new HashMap<>(changed.size() * 2);
    for (ScoredValue<String> c : changed) {
      out.put(c.getValue(), (long) c.getScore());
    }
    return out;
  }

  /**
   * The counter moved from {@code seen} (what the call sent its log query from) to {@code
   * counter}: the entries of the nodes changed since are dropped, the others stand; everything is
   * dropped when the log does not answer. O(changes). {@link #latest} moves last, so that a
   * concurrent call which sees it at {@code counter} finds the entries current.
   */
  private synchronized void advance(long seen, long counter, @Nullable Map<String, Long> changes) {
    if (counter == latest || (changes != null && counter < latest)) {
      return; // another call advanced already (to here, or further)
    }
    Members m = members;
    if (changes == null) {
      entries.clear();
    } else {
      // every entry was put at a value the log covers up to now (entries are put only at the
      // latest value, and every move of it since ran through here with the changes since `seen`,
      // at most the latest value then): an entry older than its node's latest change is stale
      for (Map.Entry<String, Long> c : changes.entrySet()) {
        Entry e = entries.get(c.getKey());
        if (e != null && e.version() < c.getValue()) {
          entries.remove(c.getKey(), e);
        }
      }
    }
    if (m != null && m.version() < counter) {
      boolean same = changes != null && m.version() >= seen;
      if (same) { // every id changed since is a member still (a join is a new id; SCARD tells a departure)
        for (Map.Entry<String, Long> c : changes.entrySet()) {
          if (c.getValue() > m.version() && !m.contains(c.getKey())) {
            same = false;
            break;
          }
        }
      }
      members = same ? m.at(counter) : null;
    }
    latest = counter;
  }

  private List<CompletableFuture<List<KeyValue<String, String>>>> heartbeats(List<String> ids) {
    List<CompletableFuture<List<KeyValue<String, String>>>> out = new ArrayList<>((ids.size() + CHUNK - 1) / CHUNK);
    for (int i = 0; i < ids.size(); i += CHUNK) {
      List<String> part = ids.subList(i, Math.min(ids.size(), i + CHUNK));
      String[] k = new String[part.size()];
      for (int j = 0; j < k.length; j++) {
        k[j] = keys.heartbeat(part.get(j));
      }
      out.add(commands.mget(k).toCompletableFuture());
    }
    return out;
  }

  /**
   * The rows of {@code ids} from entries at the state's counter value, reading the data of those
   * without one ({@code HMGET} each: the nodes changed since); null when the heartbeats are not all
   * in.
   */
  private CompletableFuture<SortReads.@Nullable Rows> fromEntries(
      List<String> ids, List<CompletableFuture<List<KeyValue<String, String>>>> beats, State s) {
    List<@Nullable String> values = new ArrayList<>(ids.size());
    for (CompletableFuture<List<KeyValue<String, String>>> f : beats) {
      List<KeyValue<String, String>> kvs;
      try {
        kvs = f.join();
      } catch (RuntimeException e) {
        return CompletableFuture.completedFuture(null);
      }
      for (KeyValue<String, String> kv : kvs) {
        values.add(kv.getValueOrElse(null));
      }
    }
    if (values.size() != ids.size()) {
      return CompletableFuture.completedFuture(null);
    }
    Map<String, NodeInfo> known = new HashMap<>(ids.size() * 2);
    return fetch(unknown(ids, s, known), s, known).thenApply(v -> rows(ids, values, known));
  }

  /**
   * Puts the data read before of each of {@code ids} that the state's counter value vouches for
   * into {@code known} (only its heartbeat is read then); returns the others, to be read.
   */
  private List<String> unknown(List<String> ids, State s, Map<String, NodeInfo> known) {
    List<String> missing = new ArrayList<>();
    for (String id : ids) {
      Entry e = entries.get(id);
      if (s.usable() && e != null) { // current: a change since it was read dropped it
        known.put(id, e.node());
      } else {
        missing.add(id);
      }
    }
    return missing;
  }

  /** Rows of {@code ids}; an id without data is an unreadable node: left out, or a suspect by id. */
  private static SortReads.Rows rows(List<String> ids, List<@Nullable String> heartbeats, Map<String, NodeInfo> known) {
    SortReads.Rows rows = new SortReads.Rows();
    for (int i = 0; i < ids.size(); i++) {
      String id = ids.get(i);
      String beat = heartbeats.get(i);
      NodeInfo node = known.get(id);
      if (beat == null) {
        rows.suspectIds().add(id);
        if (node != null) {
          rows.suspects().add(node);
        }
      } else if (node != null) {
        rows.nodes().add(withTimestamp(node, beat));
      }
    }
    return rows;
  }

  /**
   * Reads the data of {@code ids} ({@code HMGET} each) into {@code known}, and into the entries at
   * the call's counter value when data read before may answer.
   */
  private CompletableFuture<Void> fetch(List<String> ids, State s, Map<String, NodeInfo> known) {
    if (ids.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    List<CompletableFuture<List<KeyValue<String, String>>>> reads = new ArrayList<>(ids.size());
    for (String id : ids) {
      reads.add(commands.hmget(keys.node(id), FIELDS).toCompletableFuture());
    }
    return CompletableFuture.allOf(reads.toArray(new CompletableFuture<?>[0])).handle((x, e) -> {
      for (int i = 0; i < ids.size(); i++) {
        CompletableFuture<List<KeyValue<String, String>>> r = reads.get(i);
        if (r.isCompletedExceptionally()) {
          continue; // a key of the wrong type: unreadable, as for the other reads
        }
        NodeInfo node = toNode(ids.get(i), r.join());
        if (node != null) {
          known.put(ids.get(i), node);
        }
      }
      if (s.usable()) {
        keep(s.version(), known, ids);
      }
      return null;
    });
  }

  /**
   * Keeps the data of {@code ids} read at counter value {@code version}, only if that is still
   * the latest value: data read at an older one may predate a change whose log entry was already
   * applied (and not kept), so it is left to the next read.
   */
  private synchronized void keep(long version, Map<String, NodeInfo> known, List<String> ids) {
    if (version != latest) {
      return;
    }
    for (String id : ids) {
      NodeInfo node = known.get(id);
      if (node != null) {
        entries.put(id, new Entry(version, node));
      }
    }
  }

  /** One step of a full read: its ids, their heartbeat values and the data read. */
  private record Step(List<String> ids, List<@Nullable String> beats, Map<String, NodeInfo> known) {}

  /**
   * Reads every member of {@code index:nodes} and its data, {@value #CHUNK} ids per step. The
   * next {@code SSCAN} is sent as soon as a step's ids are in, behind that step's reads: one round
   * trip per step, not two.
   */
  private CompletableFuture<SortReads.Rows> fullRead(State s) {
    fullReads.incrementAndGet();
    List<CompletableFuture<Step>> steps = new ArrayList<>();
    return scan(ScanCursor.INITIAL, new HashSet<>(), steps, s)
        .thenCompose(v -> CompletableFuture.allOf(steps.toArray(new CompletableFuture<?>[0])))
        .thenApply(v -> {
          List<String> ids = new ArrayList<>();
          List<@Nullable String> beats = new ArrayList<>();
          Map<String, NodeInfo> known = new HashMap<>();
          for (CompletableFuture<Step> f : steps) {
            Step step = f.join();
            ids.addAll(step.ids());
            beats.addAll(step.beats());
            known.putAll(step.known());
          }
          if (s.usable()) {
            members = new Members(s.version(), List.copyOf(ids));
          }
          return rows(ids, beats, known);
        });
  }

  /** Scans from {@code cursor}, adding one step per reply to {@code steps} (only this chain adds). */
  private CompletableFuture<Void> scan(ScanCursor cursor, Set<String> seenIds, List<CompletableFuture<Step>> steps, State s) {
    return commands.sscan(keys.nodesIndex(), cursor, ScanArgs.Builder.limit(CHUNK)).toCompletableFuture()
        .thenCompose((ValueScanCursor<String> reply) -> {
          List<String> part = new ArrayList<>(reply.getValues().size());
          for (String id : reply.getValues()) {
            if (seenIds.add(id)) { // SSCAN may return a member twice
              part.add(id);
            }
          }
          if (!part.isEmpty()) {
            steps.add(step(part, s));
          }
          return reply.isFinished() ? CompletableFuture.completedFuture(null) : scan(reply, seenIds, steps, s);
        });
  }

  /** One step of a full read: the nodes' fields and heartbeats, one flush. */
  private CompletableFuture<Step> step(List<String> part, State s) {
    Map<String, NodeInfo> known = new HashMap<>();
    CompletableFuture<Void> data = fetch(unknown(part, s, known), s, known);
    List<CompletableFuture<List<KeyValue<String, String>>>> hb = heartbeats(part);
    return data.thenCompose(v -> CompletableFuture.allOf(hb.toArray(new CompletableFuture<?>[0]))).thenApply(v -> {
      List<@Nullable String> beats = new ArrayList<>(part.size());
      for (CompletableFuture<List<KeyValue<String, String>>> f : hb) {
        for (KeyValue<String, String> kv : f.join()) {
          beats.add(kv.getValueOrElse(null));
        }
      }
      while (beats.size() < part.size()) {
        beats.add(null);
      }
      return new Step(part, beats, known);
    });
  }

  private static @Nullable NodeInfo toNode(String id, List<KeyValue<String, String>> v) {
    if (v.size() < FIELDS.length) {
      return null;
    }
    return RegistryReader.toNode(id, v.get(0).getValueOrElse(null), v.get(1).getValueOrElse(null),
        v.get(2).getValueOrElse(null), v.get(3).getValueOrElse(null), v.get(4).getValueOrElse(null));
  }

  /**
   * The node with the heartbeat key's value as its timestamp when that value is a later epoch-ms
   * time than the one read with the node's data. Ours and the TypeScript implementation of the
   * wire fixtures write the same epoch-ms string to the heartbeat key and the hash's {@code
   * timestamp} field at every beat, so the key tells the last beat without the hash being read
   * again. The specification's script writes {@code "1"} there instead, which is no time: the
   * node's own timestamp then stands (as it does for any value that is no number or not later).
   */
  private static NodeInfo withTimestamp(NodeInfo node, String beat) {
    long ts;
    try {
      ts = Long.parseLong(beat);
    } catch (NumberFormatException e) {
      return node;
    }
    return ts <= node.timestamp() ? node
        : new NodeInfo(node.nodeId(), node.address(), node.services(), ts, node.status(), node.metadata());
  }

  private static long parse(@Nullable String v) {
    if (v == null) {
      return 0;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
