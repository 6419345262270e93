package dev.titan.discovery.cli;

import dev.titan.discovery.dashboard.DashboardServer;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code titan dashboard}: serves the live registry dashboard until interrupted. */
@Command(
    name = "dashboard",
    mixinStandardHelpOptions = true,
    header = "Serve the live registry dashboard in the browser.",
    description = {
      "Serve the live registry dashboard (services, instances, events; drain, out-of-service and UP",
      "actions unless --read-only) on http://BIND:PORT/, fed by Server-Sent Events from a",
      "push-updated view of the registry. Actions need the token printed at start (or --token).",
      "Binds to 127.0.0.1 unless --bind says otherwise. Runs until Ctrl-C."
    })
final class DashboardCommand implements Callable<Integer> {

  @ParentCommand TitanCli parent;

  @Option(names = "--port", defaultValue = "8080", description = "Port to serve on (0: a free one). Default: ${DEFAULT-VALUE}.")
  int port;

  @Option(names = "--bind", defaultValue = "127.0.0.1", description = "Address to bind to. Default: ${DEFAULT-VALUE}.")
  String bind;

  @Option(names = "--read-only", description = "Show the registry; refuse and hide every action.")
  boolean readOnly;

  @Option(names = "--token", description = "The token actions need (at least 16 characters); default: a random one, printed.")
  @Nullable String token;

  /** Runs the command; returns its exit code ({@link ExitCodes}) once interrupted. */
  @Override
  public Integer call() throws InterruptedException {
    if (port < 0 || port > 65535) {
      throw new CliException(ExitCodes.USAGE, "--port must be 0 to 65535, was " + port);
    }
    try (CliContext ctx = parent.context()) {
      DashboardServer server;
      try {
        server = DashboardServer.builder(ctx.discovery()).bindAddress(bind).port(port).readOnly(readOnly).token(token)
            .build().start();
      } catch (IllegalArgumentException e) {
        throw new CliException(ExitCodes.USAGE, e.getMessage());
      }
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        server.close();
        stopped.countDown();
      }, "titan-dashboard-stop"));
      ctx.out().line("Dashboard at " + server.url() + (readOnly ? " (read-only)" : ""));
      if (!readOnly) {
        ctx.out().line("Token for actions: " + server.token());
      }
      ctx.out().line("Ctrl-C stops it.");
      ctx.out().out().flush();
      stopped.await();
      return ExitCodes.OK;
    }
  }
}
