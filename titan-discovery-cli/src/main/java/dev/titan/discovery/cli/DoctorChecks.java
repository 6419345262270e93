package dev.titan.discovery.cli;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The doctor's checks other than the keyspace's; each returns one {@link Check}. */
final class DoctorChecks {

  /** What the library sends, with sample arguments ({@code K} a key, {@code C} the channel). */
  private static final List<String> COMMANDS = List.of(
      "evalsha 0000000000000000000000000000000000000000 1 K", "eval return 1 K", "hmget K f", "exists K",
      "subscribe C", "subscribe S", "unsubscribe C", "time", "type K", "get K", "set K v", "del K", "incr K",
      "pttl K", "expire K 1", "hset K f v", "hget K f", "hdel K f", "hexists K f", "sadd K m", "srem K m",
      "smembers K", "scard K", "sismember K m", "zadd K 1 m", "zrem K m", "zscore K m", "zcard K", "zcount K 0 1",
      "zrangebyscore K 0 1", "zrange K 0 0", "pexpire K 1", "mget K", "sscan K 0", "publish C m", "publish S m");

  private final CliContext ctx;
  private final RedisClusterAsyncCommands<String, String> r;

  DoctorChecks(CliContext ctx) {
    this.ctx = ctx;
    this.r = ctx.redis();
  }

  static Map<String, String> info(String text) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String line : text.split("\r?\n")) {
      int c = line.indexOf(':');
      if (c > 0 && !line.startsWith("#")) {
        m.put(line.substring(0, c), line.substring(c + 1).trim());
      }
    }
    return m;
  }

  Check server() {
    Map<String, String> s = info(ctx.await(r.info("server")));
    Map<String, String> rep = info(ctx.await(r.info("replication")));
    String version = s.getOrDefault("redis_version", "?");
    String mode = s.getOrDefault("redis_mode", "standalone");
    String role = rep.getOrDefault("role", "?");
    String what = "Redis " + version + ", " + mode + ", role " + role;
    if ("cluster".equals(mode) && !ctx.options().cluster) {
      return Check.warn("redis", what, "this is a Redis Cluster: pass --cluster (the URL becomes a seed)");
    }
    if ("slave".equals(role) || "replica".equals(role)) {
      return Check.warn("redis", what, "this is a replica: writes (operator actions, heartbeats) fail; point --redis at the master");
    }
    if (older(version, 6, 2)) {
      return Check.warn("redis", what, "the library is tested on Redis 6.2 and 7; upgrade");
    }
    return Check.ok("redis", what);
  }

  static boolean older(String version, int major, int minor) {
    String[] p = version.split("\\.");
    try {
      int ma = Integer.parseInt(p[0]);
      int mi = p.length > 1 ? Integer.parseInt(p[1]) : 0;
      return ma < major || (ma == major && mi < minor);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  Check hashTag() {
    String given = ctx.options().prefix;
    if (!ctx.options().cluster) {
      return Check.ok("hash tag", "not a cluster: no hash tag needed");
    }
    if (RegistryKeys.hasHashTag(given)) {
      return Check.ok("hash tag", "prefix '" + given + "' holds a hash tag: every registry key is in one slot");
    }
    return Check.warn("hash tag", "prefix '" + given + "' has no hash tag; the library uses '" + ctx.keys().prefix() + "'",
        "give TypeScript nodes and ACL key patterns the prefix '" + ctx.keys().prefix()
            + "' (under an untagged prefix their heartbeats fail with CROSSSLOT)");
  }

  Check typeScript(Keyspace k) {
    Set<String> ts = k.typeScriptNodes();
    if (ts.isEmpty()) {
      return Check.ok("typescript", "no node written by the TypeScript implementation");
    }
    List<String> l = new ArrayList<>(ts);
    return Check.ok("typescript", ts.size() + " node(s) written by the TypeScript implementation ("
        + String.join(", ", l.size() > 5 ? l.subList(0, 5) : l) + (l.size() > 5 ? ", ..." : "")
        + "): found by every query; local views also re-read every 60 s while they exist");
  }

  Check clock() {
    long before = System.currentTimeMillis();
    long redis = ctx.redisTimeMillis();
    long after = System.currentTimeMillis();
    long skew = (before + after) / 2 - redis;
    String what = "this host is " + Math.abs(skew) + " ms " + (skew >= 0 ? "ahead of" : "behind") + " Redis TIME (round trip "
        + (after - before) + " ms)";
    if (Math.abs(skew) > 1000) {
      return Check.warn("clock", what, "sync the clocks (NTP): deadlines use Redis time, but TypeScript nodes write their "
          + "host's clock and heartbeat ages are computed against Redis time");
    }
    return Check.ok("clock", what);
  }

  Check acl() {
    String user;
    try {
      user = ctx.await(r.aclWhoami());
    } catch (CliException e) {
      return Check.warn("acl", "cannot tell: ACL WHOAMI failed (" + e.getMessage() + ")",
          "on Redis 6+ let an admin check the user against the rule in docs/production.md (ACL section)");
    }
    String key = ctx.keys().prefix() + ":doctor-check";
    String channel = ctx.channel();
    List<String> denied = new ArrayList<>();
    boolean dryRun = true;
    Map<String, RedisFuture<String>> pending = new LinkedHashMap<>();
    for (String c : COMMANDS) {
      String[] parts = c.replace("K", key).replace("S", channel + ":seq").replace("C", channel).split(" ");
      String[] rest = new String[parts.length - 1];
      System.arraycopy(parts, 1, rest, 0, rest.length);
      pending.put(c.split(" ")[0] + (c.contains(" S") ? " (" + channel + ":seq)" : ""), r.aclDryRun(user, parts[0], rest));
    }
    for (Map.Entry<String, RedisFuture<String>> e : pending.entrySet()) {
      try {
        String reply = ctx.await(e.getValue());
        if (!"OK".equalsIgnoreCase(reply)) {
          denied.add(e.getKey());
        }
      } catch (CliException x) {
        String m = x.getMessage().toLowerCase(Locale.ROOT);
        if (m.contains("unknown subcommand") || m.contains("unknown command") || m.contains("syntax")) {
          dryRun = false;
          break;
        }
        if (m.contains("noperm")) {
          return Check.warn("acl", "user '" + user + "': cannot tell, this user may not run ACL DRYRUN",
              "let an admin compare the user with the rule in docs/production.md (ACL section); the library needs no ACL command");
        }
        denied.add(e.getKey());
      }
    }
    if (!dryRun) {
      return aclWithoutDryRun(user);
    }
    if (denied.isEmpty()) {
      return Check.ok("acl", "user '" + user + "' may run every command the library needs on '" + ctx.keys().prefix()
          + ":*', " + channel + " and " + channel + ":seq (ACL DRYRUN)");
    }
    return Check.fail("acl", "user '" + user + "' may not: " + String.join(", ", denied),
        "grant them as in docs/production.md (ACL section): keys ~" + ctx.keys().prefix() + ":*, channels &" + channel
            + " &" + channel + ":seq");
  }

  private Check aclWithoutDryRun(String user) {
    List<Object> rules;
    try {
      rules = ctx.await(r.aclGetuser(user));
    } catch (CliException e) {
      return Check.warn("acl", "user '" + user + "': cannot tell (no ACL DRYRUN before Redis 7, and ACL GETUSER failed)",
          "let an admin compare the user with the rule in docs/production.md (ACL section)");
    }
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i + 1 < rules.size(); i += 2) {
      m.put(String.valueOf(rules.get(i)), String.valueOf(rules.get(i + 1)));
    }
    String commands = m.getOrDefault("commands", "?");
    String keys = m.getOrDefault("keys", "?");
    String channels = m.getOrDefault("channels", "?");
    if (commands.contains("+@all") && !commands.contains(" -") && keys.contains("~*") && channels.contains("&*")) {
      return Check.ok("acl", "user '" + user + "' may run every command on every key and channel (ACL GETUSER)");
    }
    return Check.warn("acl", "user '" + user + "': cannot check exactly before Redis 7 (no ACL DRYRUN); commands "
        + commands + ", keys " + keys + ", channels " + channels,
        "compare with the rule in docs/production.md (ACL section)");
  }

  Check memory(Keyspace k) {
    List<String> sample = new ArrayList<>();
    for (String id : k.hashes) {
      if (k.live(id)) {
        sample.add(id);
      }
      if (sample.size() == 20) {
        break;
      }
    }
    if (sample.isEmpty()) {
      return Check.ok("memory", "no live node to measure");
    }
    long total = 0;
    try {
      List<RedisFuture<Long>> f = new ArrayList<>();
      for (String id : sample) {
        f.add(r.memoryUsage(ctx.keys().node(id)));
        f.add(r.memoryUsage(ctx.keys().heartbeat(id)));
      }
      for (RedisFuture<Long> x : f) {
        Long v = ctx.await(x);
        total += v == null ? 0 : v;
      }
    } catch (CliException e) {
      return Check.warn("memory", "cannot tell: MEMORY USAGE failed (" + e.getMessage() + ")",
          "run it as a user allowed MEMORY USAGE; the library does not need it");
    }
    long per = total / sample.size();
    String what = "about " + per + " B per node for its hash and heartbeat (MEMORY USAGE of " + sample.size()
        + " node(s)), plus its index entries";
    if (per > 2048) {
      return Check.warn("memory", what, "more than expected (about 1.1 KB with indexes): large metadata or many services per node?");
    }
    return Check.ok("memory", what);
  }

  Check sweeper(long nodes) {
    String holder = ctx.await(r.get(ctx.keys().sweeper()));
    Long ttl = ctx.await(r.pttl(ctx.keys().sweeper()));
    if (holder != null) {
      return Check.ok("sweeper", "lease held by " + holder + " (expires in " + Durations.human(ttl == null ? -1 : ttl)
          + " unless renewed): dead nodes are removed within TTL + 1 s");
    }
    if (nodes == 0) {
      return Check.ok("sweeper", "lease free; no Java node is registered");
    }
    return Check.warn("sweeper", "lease free: no Java discovery service is running a sweeper",
        "dead nodes are removed only when someone looks them up; run at least one Java service (client mode is enough)");
  }
}
