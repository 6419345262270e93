package dev.titan.discovery.cli;

import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.NodeStatus;
import dev.titan.discovery.ServiceQuery;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code titan nodes}: the nodes of the registry, with filters. */
@Command(
    name = "nodes",
    header = "List the nodes with their status, zone, heartbeat, TTL and writer.",
    description = {
      "List the active nodes (heartbeat alive): id, address, services, status, zone, heartbeat age,",
      "TTL left and writer (Java, or TypeScript for nodes written by the TypeScript implementation)."
    })
final class NodesCommand implements Callable<Integer> {

  @ParentCommand TitanCli parent;

  // no mixinStandardHelpOptions here: its -V/--version would take the name of the range filter
  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
  boolean help;

  @Option(names = "--service", paramLabel = "NAME", description = "Only nodes offering this service.")
  @Nullable String service;

  @Option(names = "--version", paramLabel = "RANGE",
      description = "Only versions in this npm range (^2.1, ~1.4, >=2 <3, 1.x); needs --service.")
  @Nullable String version;

  @Option(names = "--status", paramLabel = "STATUS", split = ",",
      description = "Only nodes in these statuses: ${COMPLETION-CANDIDATES}.")
  List<NodeStatus> status = new ArrayList<>();

  @Option(names = "--zone", paramLabel = "ZONE", description = "Only nodes of this zone (metadata 'zone').")
  @Nullable String zone;

  @Option(names = "--meta", paramLabel = "KEY=VALUE", description = "Only nodes with this metadata (repeatable).")
  Map<String, String> meta = new LinkedHashMap<>();

  @Option(names = "--all", description = "Also nodes whose heartbeat expired but whose data is still there.")
  boolean all;

  /** Runs the command; returns its exit code ({@link ExitCodes}). */
  @Override
  public Integer call() {
    ServiceQuery query = query();
    try (CliContext ctx = parent.context()) {
      List<NodeInfo> nodes;
      if (query != null && !all) {
        nodes = ctx.await(ctx.discovery().find(query));
      } else {
        List<NodeInfo> read = ctx.await(all ? ctx.discovery().getAllNodes() : ctx.discovery().getActiveNodes());
        nodes = new ArrayList<>();
        for (NodeInfo n : read) {
          if (query != null ? query.matches(n) : matchesWithoutService(n)) {
            nodes.add(n);
          }
        }
      }
      nodes = new ArrayList<>(nodes);
      nodes.sort(Comparator.comparing(NodeInfo::nodeId));
      Map<String, NodeFacts> facts = NodeFacts.read(ctx, NodeFacts.ids(nodes));
      long now = ctx.redisTimeMillis();
      print(ctx.out(), nodes, facts, now);
      return ExitCodes.OK;
    }
  }

  /** The query for {@code --service}, validated before anything connects; null without it. */
  private @Nullable ServiceQuery query() {
    if (service == null) {
      if (version != null) {
        throw CliException.usage("--version needs --service: a range selects versions of one service");
      }
      return null;
    }
    ServiceQuery.Builder b;
    try {
      b = ServiceQuery.service(service);
    } catch (IllegalArgumentException e) {
      throw CliException.usage("bad --service: " + e.getMessage());
    }
    if (version != null) {
      try {
        b.versionRange(version);
      } catch (IllegalArgumentException e) {
        throw CliException.usage("bad --version range '" + version
            + "': use npm range syntax such as ^2.1, ~1.4, >=2 <3, 1.x or ^1 || ^3");
      }
    }
    b.status(status.toArray(new NodeStatus[0]));
    try {
      if (zone != null) {
        b.zone(zone);
      }
      meta.forEach(b::metadata);
    } catch (IllegalArgumentException e) {
      throw CliException.usage("bad --zone or --meta: " + e.getMessage());
    }
    return b.build();
  }

  private boolean matchesWithoutService(NodeInfo n) {
    if (!status.isEmpty() && !status.contains(n.status())) {
      return false;
    }
    if (zone != null && !zone.equals(n.metadata().get(NodeInfo.ZONE))) {
      return false;
    }
    for (Map.Entry<String, String> e : meta.entrySet()) {
      if (!e.getValue().equals(n.metadata().get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  static void print(Output out, List<NodeInfo> nodes, Map<String, NodeFacts> facts, long now) {
    if (out.json()) {
      ObjectNode root = Output.object();
      ArrayNode arr = root.putArray("nodes");
      for (NodeInfo n : nodes) {
        NodeFacts f = facts.get(n.nodeId());
        ObjectNode o = arr.addObject();
        o.put("id", n.nodeId());
        o.put("address", n.address());
        o.set("services", NodeFacts.servicesJson(n.services()));
        o.put("status", n.status().name());
        if (n.zone().isPresent()) {
          o.put("zone", n.zone().get());
        } else {
          o.putNull("zone");
        }
        o.put("weight", n.weight());
        o.set("metadata", NodeFacts.metadataJson(n.metadata()));
        o.put("timestamp", n.timestamp());
        o.put("heartbeatAgeMs", Math.max(0, now - n.timestamp()));
        if (f.heartbeatTtlMs() >= 0) {
          o.put("ttlMs", f.heartbeatTtlMs());
        } else {
          o.putNull("ttlMs");
        }
        o.put("writer", f.writer());
      }
      root.put("count", nodes.size());
      out.json(root);
      return;
    }
    Output.Table t = new Output.Table("ID", "ADDRESS", "SERVICES", "STATUS", "ZONE", "HEARTBEAT", "TTL", "WRITER");
    for (NodeInfo n : nodes) {
      NodeFacts f = facts.get(n.nodeId());
      String ttl = f.heartbeatTtlMs() == -2 ? "expired" : f.heartbeatTtlMs() == -1 ? "none" : Durations.human(f.heartbeatTtlMs());
      t.row(n.status() == NodeStatus.UP ? Output.Style.PLAIN : Output.Style.YELLOW, List.of(
          n.nodeId(), n.address(), NodeFacts.services(n.services()), n.status().name(), n.zone().orElse("-"),
          Durations.human(Math.max(0, now - n.timestamp())) + " ago", ttl, f.writer()));
    }
    out.table(t);
    out.note(nodes.size() + (nodes.size() == 1 ? " node" : " nodes"));
  }
}
