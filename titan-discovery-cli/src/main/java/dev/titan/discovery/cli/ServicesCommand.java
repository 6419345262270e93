package dev.titan.discovery.cli;

import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.NodeStatus;
import dev.titan.discovery.ServiceInfo;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code titan services}: every service, its versions and its instances per status. */
@Command(
    name = "services",
    mixinStandardHelpOptions = true,
    header = "List the services with versions and instance counts per status.",
    description = {
      "List every service offered by the active nodes, with its versions and instance counts per",
      "status. A service with no UP instance is marked '!' (noUpInstance: true in JSON)."
    })
final class ServicesCommand implements Callable<Integer> {

  @ParentCommand TitanCli parent;

  @Option(names = "--all", description = "Also count nodes whose heartbeat expired but whose data is still there.")
  boolean all;

  /** One service's counts. */
  static final class Summary {
    final String name;
    final Set<String> versions = new TreeSet<>();
    final Map<NodeStatus, Integer> counts = new EnumMap<>(NodeStatus.class);
    int instances;

    Summary(String name) {
      this.name = name;
      for (NodeStatus s : NodeStatus.values()) {
        counts.put(s, 0);
      }
    }

    boolean noUp() {
      return counts.get(NodeStatus.UP) == 0;
    }
  }

  /** Runs the command; returns its exit code ({@link ExitCodes}). */
  @Override
  public Integer call() {
    try (CliContext ctx = parent.context()) {
      List<NodeInfo> nodes = ctx.await(all ? ctx.discovery().getAllNodes() : ctx.discovery().getActiveNodes());
      print(ctx.out(), summarize(nodes));
      return ExitCodes.OK;
    }
  }

  static Map<String, Summary> summarize(List<NodeInfo> nodes) {
    Map<String, Summary> byName = new TreeMap<>();
    for (NodeInfo n : nodes) {
      Set<String> counted = new HashSet<>();
      for (ServiceInfo s : n.services()) {
        Summary sum = byName.computeIfAbsent(s.name(), Summary::new);
        sum.versions.add(s.version() == null ? "-" : s.version());
        if (counted.add(s.name())) { // a node with two versions of a service is one instance
          sum.instances++;
          sum.counts.merge(n.status(), 1, Integer::sum);
        }
      }
    }
    return byName;
  }

  static void print(Output out, Map<String, Summary> services) {
    if (out.json()) {
      ObjectNode root = Output.object();
      ArrayNode arr = root.putArray("services");
      for (Summary s : services.values()) {
        ObjectNode o = arr.addObject();
        o.put("name", s.name);
        ArrayNode v = o.putArray("versions");
        s.versions.forEach(v::add);
        o.put("instances", s.instances);
        o.put("up", s.counts.get(NodeStatus.UP));
        o.put("draining", s.counts.get(NodeStatus.DRAINING));
        o.put("outOfService", s.counts.get(NodeStatus.OUT_OF_SERVICE));
        o.put("noUpInstance", s.noUp());
      }
      root.put("count", services.size());
      out.json(root);
      return;
    }
    Output.Table t = new Output.Table("", "SERVICE", "VERSIONS", "INSTANCES", "UP", "DRAINING", "OUT_OF_SERVICE");
    int noUp = 0;
    for (Summary s : services.values()) {
      if (s.noUp()) {
        noUp++;
      }
      t.row(s.noUp() ? Output.Style.RED : Output.Style.PLAIN, List.of(s.noUp() ? "!" : "", s.name,
          String.join(",", s.versions), Integer.toString(s.instances), s.counts.get(NodeStatus.UP).toString(),
          s.counts.get(NodeStatus.DRAINING).toString(), s.counts.get(NodeStatus.OUT_OF_SERVICE).toString()));
    }
    out.table(t);
    out.note(services.size() + (services.size() == 1 ? " service" : " services")
        + (noUp > 0 ? "; " + noUp + " with no UP instance (marked !)" : ""));
  }
}
