package dev.titan.discovery.cli;

/** The exit codes of {@code titan}. */
final class ExitCodes {
  /** Success. */
  static final int OK = 0;
  /** An error: Redis unreachable, authentication failed, a doctor check failed, aborted. */
  static final int ERROR = 1;
  /** Bad usage: an unknown option, a bad value, a missing {@code --yes} without a terminal. */
  static final int USAGE = 2;
  /** The node named does not exist. */
  static final int NOT_FOUND = 3;

  private ExitCodes() {}
}
