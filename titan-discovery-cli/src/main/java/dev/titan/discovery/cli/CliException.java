package dev.titan.discovery.cli;

/** A failure to report in one line, with the exit code to end with. */
final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int exitCode;

  CliException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  CliException(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  static CliException usage(String message) {
    return new CliException(ExitCodes.USAGE, message);
  }

  static CliException notFound(String message) {
    return new CliException(ExitCodes.NOT_FOUND, message);
  }

  int exitCode() {
    return exitCode;
  }
}
