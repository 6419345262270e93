package dev.titan.discovery.cli;

import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code titan node ID}: everything stored for one node. */
@Command(
    name = "node",
    mixinStandardHelpOptions = true,
    header = "Show everything stored for one node.",
    description = {
      "Show everything stored for one node: its hash fields, the TTLs of its hash and heartbeat,",
      "and its index entries (index:nodes, index:deadlines, index:services:*, index:foreign,",
      "index:departing). Exit code 3 when nothing is stored for it."
    })
final class NodeCommand implements Callable<Integer> {

  @ParentCommand TitanCli parent;

  @Parameters(paramLabel = "ID", description = "The node id.")
  String id;

  /** What is stored for a node. */
  record Stored(String id, String hashType, Map<String, String> hash, long hashTtlMs, @Nullable String heartbeat,
      long heartbeatTtlMs, boolean inNodes, @Nullable Double deadline, List<String> serviceIndexes, boolean foreign,
      @Nullable String departing, long now) {

    boolean exists() {
      return !"none".equals(hashType) || heartbeat != null || heartbeatTtlMs != -2 || inNodes || deadline != null
          || !serviceIndexes.isEmpty() || foreign || departing != null;
    }

    String writer() {
      return new NodeFacts(heartbeatTtlMs, deadline, foreign, inNodes).writer();
    }
  }

  /** Runs the command; returns its exit code ({@link ExitCodes}). */
  @Override
  public Integer call() {
    try (CliContext ctx = parent.context()) {
      Stored s = read(ctx, id);
      if (!s.exists()) {
        throw CliException.notFound("node '" + id + "' is unknown under prefix '" + ctx.keys().prefix()
            + "'; list the nodes with 'titan nodes --all' (or check --prefix)");
      }
      print(ctx.out(), s);
      return ExitCodes.OK;
    }
  }

  static Stored read(CliContext ctx, String id) {
    RedisClusterAsyncCommands<String, String> r = ctx.redis();
    RegistryKeys k = ctx.keys();
    var type = r.type(k.node(id));
    var hashTtl = r.pttl(k.node(id));
    var hb = r.get(k.heartbeat(id));
    var hbType = r.type(k.heartbeat(id));
    var hbTtl = r.pttl(k.heartbeat(id));
    var inNodes = r.sismember(k.nodes(), id);
    var deadline = r.zscore(k.deadlines(), id);
    var foreign = r.sismember(k.foreign(), id);
    var departing = r.hget(k.departing(), id);
    var names = r.smembers(k.names());
    String hashType = ctx.await(type);
    Map<String, String> hash = "hash".equals(hashType) ? new TreeMap<>(ctx.await(r.hgetall(k.node(id)))) : Map.of();
    String heartbeat = "string".equals(ctx.await(hbType)) ? ctx.await(hb) : null;
    // the services indexes it could be in: every name we index, plus the names in its own hash
    TreeSet<String> candidates = new TreeSet<>(ctx.await(names));
    candidates.addAll(serviceNames(hash.get("services")));
    List<String> in = new ArrayList<>();
    Map<String, io.lettuce.core.RedisFuture<Boolean>> checks = new TreeMap<>();
    for (String name : candidates) {
      checks.put(name, r.sismember(k.service(name), id));
    }
    for (Map.Entry<String, io.lettuce.core.RedisFuture<Boolean>> e : checks.entrySet()) {
      if (Boolean.TRUE.equals(ctx.await(e.getValue()))) {
        in.add(e.getKey());
      }
    }
    return new Stored(id, hashType, hash, ctx.await(hashTtl), heartbeat, ctx.await(hbTtl),
        Boolean.TRUE.equals(ctx.await(inNodes)), ctx.await(deadline), in, Boolean.TRUE.equals(ctx.await(foreign)),
        ctx.await(departing), ctx.redisTimeMillis());
  }

  /** Service names in a services JSON array, as written; nothing when it is not one. */
  static List<String> serviceNames(@Nullable String json) {
    List<String> names = new ArrayList<>();
    if (json == null) {
      return names;
    }
    try {
      JsonNode arr = Output.JSON.readTree(json);
      for (JsonNode s : arr) {
        JsonNode n = s.get("name");
        if (n != null && n.isString()) {
          names.add(n.stringValue());
        }
      }
    } catch (RuntimeException ignored) {
      // not JSON: shown raw in the hash fields
    }
    return names;
  }

  private static String ttl(long ms) {
    return ms == -2 ? "no key" : ms == -1 ? "no TTL" : Durations.human(ms);
  }

  static void print(Output out, Stored s) {
    if (out.json()) {
      ObjectNode root = Output.object();
      root.put("id", s.id());
      root.put("writer", s.writer());
      root.put("active", s.heartbeatTtlMs() != -2);
      ObjectNode hash = root.putObject("hash");
      hash.put("type", s.hashType());
      hash.put("exists", !"none".equals(s.hashType()));
      if (s.hashTtlMs() >= 0) {
        hash.put("ttlMs", s.hashTtlMs());
      } else {
        hash.putNull("ttlMs");
      }
      hash.put("persistent", s.hashTtlMs() == -1);
      ObjectNode fields = hash.putObject("fields");
      s.hash().forEach(fields::put);
      ObjectNode hb = root.putObject("heartbeat");
      hb.put("exists", s.heartbeatTtlMs() != -2);
      if (s.heartbeat() == null) {
        hb.putNull("value");
      } else {
        hb.put("value", s.heartbeat());
      }
      if (s.heartbeatTtlMs() >= 0) {
        hb.put("ttlMs", s.heartbeatTtlMs());
      } else {
        hb.putNull("ttlMs");
      }
      ObjectNode idx = root.putObject("index");
      idx.put("nodes", s.inNodes());
      if (s.deadline() == null) {
        idx.putNull("deadline");
      } else {
        idx.put("deadline", s.deadline().longValue());
      }
      ArrayNode services = idx.putArray("services");
      s.serviceIndexes().forEach(services::add);
      idx.put("foreign", s.foreign());
      if (s.departing() == null) {
        idx.putNull("departing");
      } else {
        idx.put("departing", s.departing());
      }
      out.json(root);
      return;
    }
    out.line(out.style(Output.Style.BOLD, "node " + s.id()) + "  (written by " + s.writer() + ")");
    out.line("hash      " + s.hashType() + ", TTL " + ttl(s.hashTtlMs()));
    for (Map.Entry<String, String> e : s.hash().entrySet()) {
      out.line("  " + e.getKey() + " = " + e.getValue());
    }
    out.line("heartbeat " + (s.heartbeat() == null ? "none" : s.heartbeat()) + ", TTL " + ttl(s.heartbeatTtlMs()));
    out.line("index:nodes       " + (s.inNodes() ? "yes" : "no"));
    out.line("index:deadlines   " + (s.deadline() == null ? "no"
        : String.format("%d (in %s)", s.deadline().longValue(), Durations.human(s.deadline().longValue() - s.now()))));
    out.line("index:services    " + (s.serviceIndexes().isEmpty() ? "none" : String.join(", ", s.serviceIndexes())));
    out.line("index:foreign     " + (s.foreign() ? "yes" : "no"));
    out.line("index:departing   " + (s.departing() == null ? "no" : s.departing().replace("\n", " ")));
  }
}
