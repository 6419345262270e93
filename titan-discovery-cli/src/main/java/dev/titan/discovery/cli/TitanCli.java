package dev.titan.discovery.cli;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code titan} command line: inspects a Titan Discovery registry in Redis, watches its events,
 * changes the status of nodes and checks the deployment ({@code doctor}).
 *
 * <p>Run it with {@code java -jar titan-discovery-cli/target/titan.jar --help}. Exit codes: {@value
 * ExitCodes#OK} ok, {@value ExitCodes#ERROR} error, {@value ExitCodes#USAGE} usage, {@value
 * ExitCodes#NOT_FOUND} not found.
 *
 * <p>Adding a command: write a class annotated with {@link Command} that implements {@code
 * Callable<Integer>}, gets the parent with {@code @ParentCommand TitanCli parent} and its
 * connections and output with {@code parent.context()} (a {@link CliContext}), and add an
 * instance to {@link #commands()}. The global options are inherited: they may be given before or
 * after the command's name.
 */
@Command(
    name = "titan",
    mixinStandardHelpOptions = true,
    versionProvider = TitanCli.Version.class,
    description = "Inspect and operate a Titan Discovery registry in Redis.",
    synopsisSubcommandLabel = "COMMAND",
    footerHeading = "%nExit codes:%n",
    footer = {
      "  0  ok",
      "  1  error (Redis unreachable, wrong password, a doctor check FAILed, aborted)",
      "  2  usage (bad option or value, no --yes without a terminal)",
      "  3  not found (unknown node)"
    })
public final class TitanCli {

  @Mixin GlobalOptions global = new GlobalOptions();

  @Spec CommandSpec spec;

  /** Creates the top-level command; used by picocli. */
  public TitanCli() {}

  /**
   * The subcommands, in the order {@code --help} lists them. A new command is one more entry.
   *
   * @return new instances of every subcommand
   */
  static List<Object> commands() {
    return List.of(
        new NodesCommand(),
        new ServicesCommand(),
        new NodeCommand(),
        new WatchCommand(),
        new DrainCommand(),
        new StatusCommand(),
        new DeregisterCommand(),
        new DoctorCommand(),
        new DashboardCommand());
  }

  /**
   * The global options and what they open, for a subcommand.
   *
   * @return the context
   */
  CliContext context() {
    return new CliContext(global, spec.commandLine().getOut(), spec.commandLine().getErr());
  }

  /**
   * Runs the command line and exits the JVM with its exit code.
   *
   * @param args the arguments
   */
  public static void main(String[] args) {
    System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
  }

  /**
   * Runs the command line with the given streams; returns the exit code instead of exiting.
   *
   * @param out standard output
   * @param err standard error
   * @param args the arguments
   * @return the exit code
   */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    boolean verbose = List.of(args).contains("--verbose");
    Logging.configure(verbose);
    CommandLine cl = commandLine();
    cl.setOut(out);
    cl.setErr(err);
    return cl.execute(args);
  }

  /**
   * The configured picocli command line with every subcommand.
   *
   * @return the command line
   */
  static CommandLine commandLine() {
    TitanCli top = new TitanCli();
    CommandLine cl = new CommandLine(top);
    for (Object command : commands()) {
      cl.addSubcommand(command);
    }
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.registerConverter(java.time.Duration.class, Durations::parse);
    cl.setExecutionExceptionHandler(new Errors.ExecutionHandler());
    cl.setParameterExceptionHandler(new Errors.UsageHandler());
    cl.setExitCodeExceptionMapper(t -> ExitCodes.ERROR);
    return cl;
  }

  /** Prints the version of the jar. */
  static final class Version implements CommandLine.IVersionProvider {
    /** The version line of {@code --version}. */
    @Override
    public String[] getVersion() {
      String v = TitanCli.class.getPackage().getImplementationVersion();
      return new String[] {"titan " + (v == null ? "0.1.0-SNAPSHOT" : v)};
    }
  }
}
