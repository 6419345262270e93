package dev.titan.discovery.cli;

import tools.jackson.databind.node.ObjectNode;

/**
 * The outcome of one doctor check.
 *
 * @param name short name of what was checked
 * @param level OK, WARN or FAIL
 * @param message what was found, one line
 * @param advice what to do about it (empty when nothing)
 */
record Check(String name, Level level, String message, String advice) {

  /** How bad it is. */
  enum Level {
    /** Fine. */
    OK,
    /** Works, but look at it. */
    WARN,
    /** Broken. */
    FAIL
  }

  static Check ok(String name, String message) {
    return new Check(name, Level.OK, message, "");
  }

  static Check warn(String name, String message, String advice) {
    return new Check(name, Level.WARN, message, advice);
  }

  static Check fail(String name, String message, String advice) {
    return new Check(name, Level.FAIL, message, advice);
  }

  ObjectNode json() {
    ObjectNode o = Output.object();
    o.put("name", name);
    o.put("status", level.name());
    o.put("message", message);
    o.put("advice", advice);
    return o;
  }

  void print(Output out) {
    Output.Style style = level == Level.OK ? Output.Style.GREEN : level == Level.WARN ? Output.Style.YELLOW : Output.Style.RED;
    out.line(out.style(style, String.format("%-4s", level.name())) + "  " + String.format("%-10s", name) + "  " + message);
    if (!advice.isEmpty()) {
      out.line("      " + String.format("%-10s", "") + "  -> " + advice);
    }
  }
}
