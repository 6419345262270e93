package dev.titan.discovery.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The options every command takes (inherited: before or after the command's name). */
final class GlobalOptions {

  /** Default Redis URL when neither {@code --redis} nor {@code TITAN_REDIS_URL} is set. */
  static final String DEFAULT_URL = "redis://localhost:6379";

  @Option(
      names = "--redis",
      paramLabel = "URL",
      split = ",",
      scope = ScopeType.INHERIT,
      description = {
        "Redis URL (redis://[user:password@]host:port, rediss://, redis-sentinel://);",
        "with --cluster, seed URLs (repeat or separate with commas).",
        "Default: $TITAN_REDIS_URL, else " + DEFAULT_URL + "."
      })
  List<String> redis = new ArrayList<>();

  @Option(names = "--prefix", paramLabel = "PREFIX", scope = ScopeType.INHERIT,
      description = "Key prefix (default: ${DEFAULT-VALUE}). On a cluster an untagged prefix is used whole as the hash tag.")
  String prefix = "titan:discovery";

  @Option(names = "--channel", paramLabel = "CHANNEL", scope = ScopeType.INHERIT,
      description = "Events channel (default: ${DEFAULT-VALUE}).")
  String channel = "titan:discovery:events";

  @Option(names = "--cluster", scope = ScopeType.INHERIT,
      description = "The URL(s) are Redis Cluster seeds.")
  boolean cluster;

  @Option(names = {"-o", "--output"}, paramLabel = "table|json", scope = ScopeType.INHERIT,
      description = "Output format (default: ${DEFAULT-VALUE}); json: one document with stable field names ('watch': JSON lines).")
  Output.Format output = Output.Format.table;

  @Option(names = "--timeout", paramLabel = "DURATION", scope = ScopeType.INHERIT, defaultValue = "5s",
      description = "Connect and command timeout, such as 5s or 500ms (default: ${DEFAULT-VALUE}).")
  Duration timeout = Duration.ofSeconds(5);

  @Option(names = "--verbose", scope = ScopeType.INHERIT,
      description = "Show stack traces and the library's warnings.")
  boolean verbose;

  /**
   * The Redis URLs to use: {@code --redis}, else {@code $TITAN_REDIS_URL}, else the default.
   *
   * @return at least one URL
   */
  List<String> urls() {
    if (!redis.isEmpty()) {
      return List.copyOf(redis);
    }
    String env = System.getenv("TITAN_REDIS_URL");
    if (env != null && !env.isBlank()) {
      return List.of(env.split(","));
    }
    return List.of(DEFAULT_URL);
  }
}
