package dev.titan.discovery.cli;

import io.lettuce.core.RedisCommandTimeoutException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/** Turns failures into one line that says what happened and what to do, and an exit code. */
final class Errors {
  private Errors() {}

  /**
   * A one-line failure for an exception thrown while talking to Redis at {@code where}.
   *
   * @param where the Redis address as it may be shown (no password)
   * @param e the failure
   * @return the failure to report
   */
  static CliException redis(String where, Throwable e) {
    Throwable t = unwrap(e);
    if (t instanceof CliException c) {
      return c;
    }
    String all = messages(t);
    if (all.contains("WRONGPASS") || all.contains("NOAUTH") || all.contains("invalid password")
        || all.contains("invalid username-password")) {
      return new CliException(ExitCodes.ERROR, "authentication to Redis at " + where + " failed (" + firstLine(redisReply(all))
          + "): give the user and password in the URL, --redis redis://[user]:password@host:port", t);
    }
    if (all.contains("NOPERM")) {
      return new CliException(ExitCodes.ERROR, "the Redis user may not do this at " + where + " (" + firstLine(redisReply(all))
          + "): check its ACL rules ('titan doctor' lists what the library needs)", t);
    }
    if (has(t, UnknownHostException.class)) {
      return new CliException(ExitCodes.ERROR, "cannot reach Redis at " + where
          + ": unknown host; check --redis or TITAN_REDIS_URL", t);
    }
    if (has(t, ConnectException.class) || all.contains("Connection refused")) {
      return new CliException(ExitCodes.ERROR, "cannot reach Redis at " + where
          + ": connection refused; is redis-server running there? Check --redis or TITAN_REDIS_URL", t);
    }
    if (has(t, RedisCommandTimeoutException.class) || has(t, TimeoutException.class)
        || all.contains("timed out")) {
      return new CliException(ExitCodes.ERROR, "Redis at " + where
          + " did not answer in time; check the address, the network, or raise --timeout", t);
    }
    if (has(t, io.lettuce.core.RedisConnectionException.class)) {
      return new CliException(ExitCodes.ERROR, "cannot reach Redis at " + where + ": " + firstLine(rootMessage(t))
          + "; check --redis or TITAN_REDIS_URL", t);
    }
    return new CliException(ExitCodes.ERROR, "Redis at " + where + ": " + firstLine(rootMessage(t))
        + " (--verbose shows the details)", t);
  }

  static Throwable unwrap(Throwable e) {
    Throwable t = e;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private static boolean has(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  private static String messages(Throwable e) {
    StringBuilder b = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      b.append(t.getMessage()).append('\n');
    }
    return b.toString();
  }

  private static String redisReply(String all) {
    for (String l : all.split("\n")) {
      if (l.startsWith("WRONGPASS") || l.startsWith("NOAUTH") || l.startsWith("NOPERM") || l.startsWith("ERR")) {
        return l;
      }
    }
    for (String l : all.split("\n")) {
      if (l.contains("WRONGPASS") || l.contains("NOAUTH") || l.contains("NOPERM")) {
        return l;
      }
    }
    return all;
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = t.getMessage();
    return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
  }

  static String firstLine(String s) {
    String t = s.strip();
    int nl = t.indexOf('\n');
    return nl < 0 ? t : t.substring(0, nl);
  }

  private static boolean verbose(CommandLine cl) {
    Object top = cl.getCommandSpec().root().userObject();
    return top instanceof TitanCli t && t.global.verbose;
  }

  /** Prints a command's failure as one line (and the stack trace with {@code --verbose}). */
  static final class ExecutionHandler implements CommandLine.IExecutionExceptionHandler {
    /** Prints the failure as one line and returns its exit code. */
    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, ParseResult parseResult) {
      PrintWriter err = cl.getErr();
      Throwable t = unwrap(ex);
      if (verbose(cl)) {
        t.printStackTrace(err);
      }
      int code;
      String message;
      if (t instanceof CliException c) {
        code = c.exitCode();
        message = c.getMessage();
      } else if (t instanceof IllegalArgumentException) {
        code = ExitCodes.USAGE;
        message = firstLine(String.valueOf(t.getMessage()));
      } else {
        code = ExitCodes.ERROR;
        message = t.getClass().getSimpleName() + ": " + firstLine(String.valueOf(t.getMessage()))
            + " (--verbose shows the stack trace)";
      }
      err.println("titan: " + message);
      err.flush();
      return code;
    }
  }

  /** Prints a usage error as one line with where to find help; exit code 2. */
  static final class UsageHandler implements CommandLine.IParameterExceptionHandler {
    /** Prints the usage error as one line and returns 2. */
    @Override
    public int handleParseException(ParameterException ex, String[] args) {
      CommandLine cl = ex.getCommandLine();
      PrintWriter err = cl.getErr();
      if (verbose(cl)) {
        ex.printStackTrace(err);
      }
      String name = cl.getCommandSpec().qualifiedName();
      err.println("titan: " + firstLine(String.valueOf(ex.getMessage())) + " (see '" + name + " --help')");
      err.flush();
      return ExitCodes.USAGE;
    }
  }
}
