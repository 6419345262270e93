package dev.titan.discovery.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import tools.jackson.databind.node.ObjectNode;

/** {@code titan deregister ID}: removes a node from the registry. */
@Command(
    name = "deregister",
    mixinStandardHelpOptions = true,
    header = "Remove a node from the registry.",
    description = {
      "Remove a node from the registry (hash, heartbeat, index entries; NODE_DEREGISTERED published).",
      "A Java node that is still running registers again on its next heartbeat. Asks for",
      "confirmation on a terminal; without one, --yes is required. Exit code 3 for an unknown node."
    })
final class DeregisterCommand implements Callable<Integer> {

  @ParentCommand TitanCli parent;

  @Parameters(paramLabel = "ID", description = "The node id.")
  String id;

  @Option(names = {"-y", "--yes"}, description = "Do not ask for confirmation.")
  boolean yes;

  /** Runs the command; returns its exit code ({@link ExitCodes}). */
  @Override
  public Integer call() {
    OperatorActions.checkId(id);
    try (CliContext ctx = parent.context()) {
      if (!NodeCommand.read(ctx, id).exists()) {
        throw CliException.notFound("node '" + id + "' is unknown under prefix '" + ctx.keys().prefix()
            + "'; list the nodes with 'titan nodes --all' (or check --prefix)");
      }
      Confirm.ask(yes, "deregister node " + id);
      ctx.await(ctx.discovery().deregisterNode(id));
      if (ctx.out().json()) {
        ObjectNode r = OperatorActions.result("deregister", id, null, null);
        r.put("deregistered", true);
        ctx.out().json(r);
      } else {
        ctx.out().line("node " + id + ": deregistered");
      }
      return ExitCodes.OK;
    }
  }
}
