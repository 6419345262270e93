package dev.titan.discovery.cli;

import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.NodeStatus;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code titan status ID STATUS}: sets a node's status. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    header = "Set a node's status: UP, OUT_OF_SERVICE or DRAINING.",
    description = {
      "Set a node's status (UP, OUT_OF_SERVICE or DRAINING), as an operator: one atomic write,",
      "NODE_UPDATED published when it changes. A Java node keeps the status and adopts it as its own.",
      "Asks for confirmation on a terminal; without one, --yes is required."
    })
final class StatusCommand implements Callable<Integer> {

  @ParentCommand TitanCli parent;

  @Parameters(index = "0", paramLabel = "ID", description = "The node id.")
  String id;

  @Parameters(index = "1", paramLabel = "STATUS", description = "${COMPLETION-CANDIDATES}")
  NodeStatus status;

  @Option(names = {"-y", "--yes"}, description = "Do not ask for confirmation.")
  boolean yes;

  /** Runs the command; returns its exit code ({@link ExitCodes}). */
  @Override
  public Integer call() {
    OperatorActions.checkId(id);
    try (CliContext ctx = parent.context()) {
      NodeInfo before = OperatorActions.existing(ctx, id);
      Confirm.ask(yes, "set node " + id + " from " + before.status() + " to " + status);
      OperatorActions.setStatus(ctx, id, status);
      if (ctx.out().json()) {
        ctx.out().json(OperatorActions.result("status", id, before.status(), status));
      } else {
        ctx.out().line("node " + id + ": " + before.status() + " -> " + status);
      }
      return ExitCodes.OK;
    }
  }
}
