package dev.titan.discovery.cli;

import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.NodeStatus;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import tools.jackson.databind.node.ObjectNode;

/** {@code titan drain ID [--grace 30s]}: sets DRAINING, optionally deregisters after a grace. */
@Command(
    name = "drain",
    mixinStandardHelpOptions = true,
    header = "Set a node to DRAINING; with --grace, deregister it afterwards.",
    description = {
      "Set a node to DRAINING so that callers stop choosing it. With --grace, wait that long and",
      "then deregister the node. A Java node that is still running registers again on its next",
      "heartbeat, but keeps the DRAINING status it adopted (stop the process to take it away for",
      "good). Asks for confirmation on a terminal; without one, --yes is required."
    })
final class DrainCommand implements Callable<Integer> {

  @ParentCommand TitanCli parent;

  @Parameters(paramLabel = "ID", description = "The node id.")
  String id;

  @Option(names = "--grace", paramLabel = "DURATION",
      description = "After this long (30s, 500ms, 2m), deregister the node.")
  @Nullable Duration grace;

  @Option(names = {"-y", "--yes"}, description = "Do not ask for confirmation.")
  boolean yes;

  /** Runs the command; returns its exit code ({@link ExitCodes}). */
  @Override
  public Integer call() throws InterruptedException {
    OperatorActions.checkId(id);
    try (CliContext ctx = parent.context()) {
      NodeInfo before = OperatorActions.existing(ctx, id);
      Confirm.ask(yes, "drain node " + id + (grace == null ? "" : " and deregister it after " + Durations.human(grace.toMillis())));
      OperatorActions.setStatus(ctx, id, NodeStatus.DRAINING);
      Output out = ctx.out();
      if (!out.json()) {
        out.line("node " + id + ": " + before.status() + " -> DRAINING");
      }
      boolean deregistered = false;
      if (grace != null) {
        if (!out.json()) {
          out.line("deregistering " + id + " in " + Durations.human(grace.toMillis()) + " (Ctrl-C leaves it DRAINING)");
        }
        Thread.sleep(grace.toMillis()); // the operator asked to wait: this is the grace period
        ctx.await(ctx.discovery().deregisterNode(id));
        deregistered = true;
        if (!out.json()) {
          out.line("node " + id + ": deregistered");
        }
      }
      if (out.json()) {
        ObjectNode r = OperatorActions.result("drain", id, before.status(), NodeStatus.DRAINING);
        if (grace == null) {
          r.putNull("graceMs");
        } else {
          r.put("graceMs", grace.toMillis());
        }
        r.put("deregistered", deregistered);
        out.json(r);
      }
      return ExitCodes.OK;
    }
  }
}
