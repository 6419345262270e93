package dev.titan.discovery.cli;

/**
 * The registry's Redis keys, as the README's "Redis layout" lists them (the CLI reads them raw).
 *
 * @param prefix the effective prefix (on a cluster, with its hash tag)
 */
record RegistryKeys(String prefix) {

  /**
   * The prefix used on a cluster: an untagged prefix is used whole as the hash tag, as the library
   * does.
   */
  static String effectivePrefix(String prefix, boolean cluster) {
    return cluster && !hasHashTag(prefix) ? "{" + prefix + "}" : prefix;
  }

  static boolean hasHashTag(String prefix) {
    int open = prefix.indexOf('{');
    if (open < 0) {
      return false;
    }
    int close = prefix.indexOf('}', open + 1);
    return close > open + 1;
  }

  String node(String id) {
    return prefix + ":nodes:" + id;
  }

  String heartbeat(String id) {
    return prefix + ":heartbeat:" + id;
  }

  String nodes() {
    return prefix + ":index:nodes";
  }

  String service(String name) {
    return prefix + ":index:services:" + name;
  }

  String deadlines() {
    return prefix + ":index:deadlines";
  }

  String names() {
    return prefix + ":index:names";
  }

  String version() {
    return prefix + ":index:version";
  }

  String foreign() {
    return prefix + ":index:foreign";
  }

  String departing() {
    return prefix + ":index:departing";
  }

  String sweeper() {
    return prefix + ":index:sweeper";
  }

  /** The SCAN MATCH pattern of every key under the prefix (glob characters in it escaped). */
  String scanPattern() {
    StringBuilder b = new StringBuilder();
    for (char c : prefix.toCharArray()) {
      if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
        b.append('\\');
      }
      b.append(c);
    }
    return b.append(":*").toString();
  }
}
