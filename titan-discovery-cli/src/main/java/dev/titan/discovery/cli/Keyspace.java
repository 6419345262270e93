package dev.titan.discovery.cli;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The registry's keys, read with SCAN (never KEYS), and what is inconsistent in them: hashes
 * without TTL, index entries without a node, heartbeats without a hash. Knows how to repair what
 * it finds without ever deleting a live node (one whose heartbeat key exists).
 */
final class Keyspace {

  /** A repair, applied only after confirmation. */
  record Fix(String description, Runnable action) {}

  final Set<String> hashes = new TreeSet<>();
  final Set<String> heartbeats = new TreeSet<>();
  final Set<String> serviceIndexes = new TreeSet<>();
  final Map<String, Long> hashTtl = new HashMap<>();
  final Map<String, Long> heartbeatTtl = new HashMap<>();
  final Set<String> indexNodes = new TreeSet<>();
  final Set<String> deadlines = new TreeSet<>();
  final Set<String> foreign = new TreeSet<>();
  final Set<String> departing = new TreeSet<>();
  final Map<String, Set<String>> serviceMembers = new LinkedHashMap<>();
  int keys;

  /** Reads the keyspace under the prefix. */
  static Keyspace read(CliContext ctx) {
    Keyspace k = new Keyspace();
    RedisClusterAsyncCommands<String, String> r = ctx.redis();
    RegistryKeys keys = ctx.keys();
    String nodePrefix = keys.prefix() + ":nodes:";
    String hbPrefix = keys.prefix() + ":heartbeat:";
    String servicePrefix = keys.prefix() + ":index:services:";
    ScanArgs args = ScanArgs.Builder.matches(keys.scanPattern()).limit(1000);
    KeyScanCursor<String> cursor = ctx.await(r.scan(args));
    while (true) {
      for (String key : cursor.getKeys()) {
        k.keys++;
        if (key.startsWith(nodePrefix)) {
          k.hashes.add(key.substring(nodePrefix.length()));
        } else if (key.startsWith(hbPrefix)) {
          k.heartbeats.add(key.substring(hbPrefix.length()));
        } else if (key.startsWith(servicePrefix)) {
          k.serviceIndexes.add(key.substring(servicePrefix.length()));
        }
      }
      if (cursor.isFinished()) {
        break;
      }
      cursor = ctx.await(r.scan(ScanCursor.of(cursor.getCursor()), args));
    }
    Map<String, RedisFuture<Long>> ht = new HashMap<>();
    for (String id : k.hashes) {
      ht.put(id, r.pttl(keys.node(id)));
    }
    Map<String, RedisFuture<Long>> bt = new HashMap<>();
    for (String id : k.heartbeats) {
      bt.put(id, r.pttl(keys.heartbeat(id)));
    }
    Map<String, RedisFuture<Set<String>>> sm = new LinkedHashMap<>();
    for (String name : k.serviceIndexes) {
      sm.put(name, r.smembers(keys.service(name)));
    }
    var nodes = r.smembers(keys.nodes());
    var dl = r.zrange(keys.deadlines(), 0, -1);
    var fg = r.smembers(keys.foreign());
    var dp = r.hkeys(keys.departing());
    ht.forEach((id, f) -> k.hashTtl.put(id, ctx.await(f)));
    bt.forEach((id, f) -> k.heartbeatTtl.put(id, ctx.await(f)));
    sm.forEach((name, f) -> k.serviceMembers.put(name, new TreeSet<>(ctx.await(f))));
    k.indexNodes.addAll(ctx.await(nodes));
    k.deadlines.addAll(ctx.await(dl));
    k.foreign.addAll(ctx.await(fg));
    k.departing.addAll(ctx.await(dp));
    return k;
  }

  boolean live(String id) {
    return heartbeats.contains(id);
  }

  private boolean gone(String id) {
    return !hashes.contains(id) && !heartbeats.contains(id);
  }

  /** Node hashes that never expire. */
  List<String> hashesWithoutTtl() {
    List<String> ids = new ArrayList<>();
    hashTtl.forEach((id, ttl) -> {
      if (ttl == -1) {
        ids.add(id);
      }
    });
    ids.sort(null);
    return ids;
  }

  /** Ids in index:nodes, index:deadlines, index:foreign or index:departing with neither hash nor heartbeat. */
  Set<String> orphanIds() {
    Set<String> ids = new TreeSet<>();
    for (Set<String> s : List.of(indexNodes, deadlines, foreign, departing)) {
      for (String id : s) {
        if (gone(id)) {
          ids.add(id);
        }
      }
    }
    return ids;
  }

  /** service name -> members of its index with neither hash nor heartbeat. */
  Map<String, Set<String>> orphanServiceEntries() {
    Map<String, Set<String>> out = new LinkedHashMap<>();
    serviceMembers.forEach((name, members) -> {
      for (String id : members) {
        if (gone(id)) {
          out.computeIfAbsent(name, n -> new TreeSet<>()).add(id);
        }
      }
    });
    return out;
  }

  /** Heartbeat keys whose node has no hash (a live node by definition: never deleted). */
  List<String> heartbeatsWithoutHash() {
    List<String> ids = new ArrayList<>();
    for (String id : heartbeats) {
      if (!hashes.contains(id)) {
        ids.add(id);
      }
    }
    return ids;
  }

  /** Nodes written by the TypeScript implementation: adopted ones, and indexed ones without a deadline. */
  Set<String> typeScriptNodes() {
    Set<String> ids = new TreeSet<>();
    for (String id : foreign) {
      if (hashes.contains(id)) {
        ids.add(id);
      }
    }
    for (String id : indexNodes) {
      if (hashes.contains(id) && !deadlines.contains(id)) {
        ids.add(id);
      }
    }
    return ids;
  }

  /** The consistency check. */
  Check check() {
    List<String> noTtl = hashesWithoutTtl();
    Set<String> orphans = orphanIds();
    Map<String, Set<String>> serviceOrphans = orphanServiceEntries();
    List<String> hbNoHash = heartbeatsWithoutHash();
    int serviceOrphanCount = serviceOrphans.values().stream().mapToInt(Set::size).sum();
    List<String> problems = new ArrayList<>();
    if (!noTtl.isEmpty()) {
      problems.add(noTtl.size() + " node hash(es) without TTL " + list(noTtl));
    }
    if (!orphans.isEmpty()) {
      problems.add(orphans.size() + " index entr(ies) without a node " + list(orphans));
    }
    if (serviceOrphanCount > 0) {
      problems.add(serviceOrphanCount + " service index entr(ies) without a node " + list(serviceOrphans.keySet()));
    }
    if (!hbNoHash.isEmpty()) {
      problems.add(hbNoHash.size() + " heartbeat(s) without a hash " + list(hbNoHash));
    }
    String scanned = keys + " key(s) scanned, " + hashes.size() + " node hash(es), " + heartbeats.size() + " heartbeat(s)";
    if (problems.isEmpty()) {
      return Check.ok("keyspace", "consistent: " + scanned);
    }
    String what = String.join("; ", problems) + " (" + scanned + ")";
    String advice = "run 'titan doctor --fix' (never deletes a node whose heartbeat exists)";
    if (noTtl.isEmpty() && orphans.isEmpty() && serviceOrphanCount == 0) {
      advice = "a Java node writes its hash again at its next heartbeat; else the heartbeat expires by itself";
    } else if (noTtl.isEmpty()) {
      advice = "entries left by nodes that expired: a Java service's sweeper removes them within a second; "
          + "if they stay, " + advice;
    }
    return noTtl.isEmpty() ? Check.warn("keyspace", what, advice) : Check.fail("keyspace", what,
        "a hash without TTL never expires: " + advice);
  }

  private static String list(java.util.Collection<String> ids) {
    List<String> l = new ArrayList<>(ids);
    return "(" + String.join(", ", l.size() > 5 ? l.subList(0, 5) : l) + (l.size() > 5 ? ", ..." : "") + ")";
  }

  /** The repairs of what {@link #check()} found; none touches a node whose heartbeat exists. */
  List<Fix> fixes(CliContext ctx) {
    RegistryKeys keys = ctx.keys();
    RedisClusterAsyncCommands<String, String> r = ctx.redis();
    List<Fix> fixes = new ArrayList<>();
    for (String id : hashesWithoutTtl()) {
      if (live(id)) {
        long ttl = heartbeatTtl.getOrDefault(id, -1L);
        if (ttl > 0) {
          long seconds = (ttl + 999) / 1000;
          fixes.add(new Fix("set a TTL of " + seconds + " s on the hash of live node " + id + " (as its heartbeat's)",
              () -> ctx.await(r.expire(keys.node(id), seconds))));
        }
      } else {
        fixes.add(new Fix("deregister dead node " + id + " (hash without TTL, no heartbeat)", () -> deregisterIfDead(ctx, id)));
      }
    }
    for (String id : orphanIds()) {
      fixes.add(new Fix("remove the index entries of gone node " + id, () -> deregisterIfDead(ctx, id)));
    }
    orphanServiceEntries().forEach((name, ids) -> {
      for (String id : ids) {
        fixes.add(new Fix("remove gone node " + id + " from index:services:" + name, () -> {
          if (ctx.await(r.exists(keys.heartbeat(id), keys.node(id))) == 0) {
            ctx.await(r.srem(keys.service(name), id));
          }
        }));
      }
    });
    return fixes;
  }

  /** Deregisters a node through the library, unless its heartbeat exists by now. */
  private static void deregisterIfDead(CliContext ctx, String id) {
    if (ctx.await(ctx.redis().exists(ctx.keys().heartbeat(id))) > 0) {
      return; // it came back: a live node is never deleted
    }
    ctx.await(ctx.discovery().deregisterNode(id));
  }
}
