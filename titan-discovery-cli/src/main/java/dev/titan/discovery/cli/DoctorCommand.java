package dev.titan.discovery.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code titan doctor}: placeholder. */
@Command(name = "doctor", mixinStandardHelpOptions = true, description = "Check the deployment.")
final class DoctorCommand implements Callable<Integer> {
  @ParentCommand TitanCli parent;

  @Override
  public Integer call() {
    return 0;
  }
}
