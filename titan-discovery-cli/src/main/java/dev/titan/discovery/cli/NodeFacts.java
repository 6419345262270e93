package dev.titan.discovery.cli;

import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.ServiceInfo;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What the library's {@link NodeInfo} does not say about a node, read raw in one pipelined round
 * trip: heartbeat TTL, deadline entry and who wrote it.
 *
 * @param heartbeatTtlMs PTTL of the heartbeat key (-2 when there is none, -1 without TTL)
 * @param deadline the node's score in {@code index:deadlines}, or null
 * @param foreign whether it is in {@code index:foreign}
 * @param indexed whether it is in {@code index:nodes}
 */
record NodeFacts(long heartbeatTtlMs, @Nullable Double deadline, boolean foreign, boolean indexed) {

  /** Java or TypeScript. */
  static final String JAVA = "Java";
  /** Written by the TypeScript implementation. */
  static final String TYPESCRIPT = "TypeScript";

  /**
   * Who wrote the node: TypeScript when it is in {@code index:foreign}, or in {@code index:nodes}
   * without a deadline (our scripts always write one).
   */
  String writer() {
    return foreign || (indexed && deadline == null) ? TYPESCRIPT : JAVA;
  }

  /** Reads the facts of these nodes, pipelined. */
  static Map<String, NodeFacts> read(CliContext ctx, Collection<String> ids) {
    RedisClusterAsyncCommands<String, String> r = ctx.redis();
    RegistryKeys k = ctx.keys();
    Map<String, List<RedisFuture<?>>> pending = new HashMap<>();
    for (String id : ids) {
      pending.put(id, List.of(r.pttl(k.heartbeat(id)), r.zscore(k.deadlines(), id),
          r.sismember(k.foreign(), id), r.sismember(k.nodes(), id)));
    }
    Map<String, NodeFacts> facts = new HashMap<>();
    for (Map.Entry<String, List<RedisFuture<?>>> e : pending.entrySet()) {
      List<RedisFuture<?>> f = e.getValue();
      Long ttl = (Long) ctx.await(f.get(0));
      Double score = (Double) ctx.await(f.get(1));
      boolean foreign = Boolean.TRUE.equals(ctx.await(f.get(2)));
      boolean indexed = Boolean.TRUE.equals(ctx.await(f.get(3)));
      facts.put(e.getKey(), new NodeFacts(ttl == null ? -2 : ttl, score, foreign, indexed));
    }
    return facts;
  }

  /** {@code name@version} of each service, comma separated ({@code -} for none). */
  static String services(List<ServiceInfo> services) {
    if (services.isEmpty()) {
      return "-";
    }
    StringJoiner j = new StringJoiner(",");
    for (ServiceInfo s : services) {
      j.add(s.version() == null ? s.name() : s.name() + "@" + s.version());
    }
    return j.toString();
  }

  /** The services as a JSON array of {@code {name, version}}. */
  static ArrayNode servicesJson(List<ServiceInfo> services) {
    ArrayNode a = Output.array();
    for (ServiceInfo s : services) {
      ObjectNode o = a.addObject();
      o.put("name", s.name());
      if (s.version() == null) {
        o.putNull("version");
      } else {
        o.put("version", s.version());
      }
    }
    return a;
  }

  /** The metadata as a JSON object. */
  static ObjectNode metadataJson(Map<String, String> metadata) {
    ObjectNode o = Output.object();
    metadata.forEach(o::put);
    return o;
  }

  /** Ids of these nodes. */
  static List<String> ids(List<NodeInfo> nodes) {
    List<String> ids = new ArrayList<>();
    for (NodeInfo n : nodes) {
      ids.add(n.nodeId());
    }
    return ids;
  }
}
