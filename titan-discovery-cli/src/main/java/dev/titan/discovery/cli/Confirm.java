package dev.titan.discovery.cli;

import java.io.Console;
import java.util.Locale;

/** Asks before an operator action: on a terminal unless {@code --yes}; refuses without one. */
final class Confirm {
  private Confirm() {}

  /**
   * Returns when the action may go ahead; throws when it may not.
   *
   * @param yes whether {@code --yes} was given
   * @param action what will be done, such as "set node n1 to DRAINING"
   * @throws CliException exit 2 without a terminal and without {@code --yes}; exit 1 when the
   *     answer is not yes
   */
  static void ask(boolean yes, String action) {
    if (yes) {
      return;
    }
    Console console = System.console();
    if (console == null) {
      throw CliException.usage("refusing to " + action + " without confirmation: not a terminal; pass --yes");
    }
    String answer = console.readLine("%s? [y/N] ", capitalize(action));
    if (answer == null || !(answer.trim().equalsIgnoreCase("y") || answer.trim().equalsIgnoreCase("yes"))) {
      throw new CliException(ExitCodes.ERROR, "aborted: nothing changed");
    }
  }

  private static String capitalize(String s) {
    return s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1);
  }
}
