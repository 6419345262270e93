package dev.titan.discovery.cli;

/** Keeps the library's and Lettuce's logging off the terminal unless {@code --verbose}. */
final class Logging {
  private Logging() {}

  /**
   * Configures slf4j-simple; must run before the first logger is created.
   *
   * @param verbose whether to show warnings (else nothing is logged)
   */
  static void configure(boolean verbose) {
    setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "warn" : "off");
    setIfAbsent("org.slf4j.simpleLogger.logFile", "System.err");
    setIfAbsent("org.slf4j.simpleLogger.showThreadName", "false");
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
