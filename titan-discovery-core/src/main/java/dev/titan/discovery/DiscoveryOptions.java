package dev.titan.discovery;

import java.time.Duration;
import java.util.Objects;

/**
 * Immutable options of a {@link DiscoveryService}. Build with {@link #builder()}; {@link
 * #defaults()} has every default.
 *
 * <p>The first eight options are those of the TypeScript implementation, with the same defaults.
 * Nodes that must see each other need the same {@link #redisPrefix()} and {@link
 * #pubSubChannel()}.
 */
public final class DiscoveryOptions {

  /** Default {@link #heartbeatInterval()}: 5 s. */
  public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(5);
  /** Default {@link #heartbeatTtl()}: 15 s. */
  public static final Duration DEFAULT_HEARTBEAT_TTL = Duration.ofSeconds(15);
  /** Default {@link #pubSubChannel()}. */
  public static final String DEFAULT_PUBSUB_CHANNEL = "titan:discovery:events";
  /** Default {@link #redisPrefix()}. */
  public static final String DEFAULT_REDIS_PREFIX = "titan:discovery";
  /** Default {@link #maxRetries()}: 3 attempts. */
  public static final int DEFAULT_MAX_RETRIES = 3;
  /** Default {@link #retryDelay()}: 1 s. */
  public static final Duration DEFAULT_RETRY_DELAY = Duration.ofSeconds(1);
  /** Default {@link #connectTimeout()}: 10 s. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  /** Default {@link #commandTimeout()}: 5 s. */
  public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(5);

  private static final DiscoveryOptions DEFAULTS = builder().build();

  private final Duration heartbeatInterval;
  private final Duration heartbeatTtl;
  private final boolean pubSubEnabled;
  private final String pubSubChannel;
  private final boolean clientMode;
  private final String redisPrefix;
  private final int maxRetries;
  private final Duration retryDelay;
  private final Duration connectTimeout;
  private final Duration commandTimeout;

  private DiscoveryOptions(Builder b) {
    this.heartbeatInterval = b.heartbeatInterval;
    this.heartbeatTtl = b.heartbeatTtl;
    this.pubSubEnabled = b.pubSubEnabled;
    this.pubSubChannel = b.pubSubChannel;
    this.clientMode = b.clientMode;
    this.redisPrefix = b.redisPrefix;
    this.maxRetries = b.maxRetries;
    this.retryDelay = b.retryDelay;
    this.connectTimeout = b.connectTimeout;
    this.commandTimeout = b.commandTimeout;
  }

  /**
   * A builder with every option at its default.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The options with every default.
   *
   * @return the default options
   */
  public static DiscoveryOptions defaults() {
    return DEFAULTS;
  }

  /**
   * A builder initialised with these options, to derive changed copies.
   *
   * @return a new builder
   */
  public Builder toBuilder() {
    return new Builder()
        .heartbeatInterval(heartbeatInterval)
        .heartbeatTtl(heartbeatTtl)
        .pubSubEnabled(pubSubEnabled)
        .pubSubChannel(pubSubChannel)
        .clientMode(clientMode)
        .redisPrefix(redisPrefix)
        .maxRetries(maxRetries)
        .retryDelay(retryDelay)
        .connectTimeout(connectTimeout)
        .commandTimeout(commandTimeout);
  }

  /**
   * Time between two heartbeats of this node.
   *
   * @return the interval
   */
  public Duration heartbeatInterval() {
    return heartbeatInterval;
  }

  /**
   * How long a heartbeat keeps the node alive; greater than the interval.
   *
   * @return the TTL
   */
  public Duration heartbeatTtl() {
    return heartbeatTtl;
  }

  /**
   * Whether events are published and received over Redis pub/sub.
   *
   * @return true when enabled
   */
  public boolean pubSubEnabled() {
    return pubSubEnabled;
  }

  /**
   * The pub/sub channel of the events.
   *
   * @return the channel name
   */
  public String pubSubChannel() {
    return pubSubChannel;
  }

  /**
   * Whether this service only discovers, without registering a node or sending heartbeats.
   *
   * @return true in client mode
   */
  public boolean clientMode() {
    return clientMode;
  }

  /**
   * The prefix of every Redis key. On Redis Cluster all keys must share one slot: a prefix with a
   * hash tag, such as {@code {titan}:discovery}, is used as given, and one without is used whole
   * as the tag ({@code {titan:discovery}}) by {@link Discovery.Builder#build()}.
   *
   * @return the prefix
   */
  public String redisPrefix() {
    return redisPrefix;
  }

  /**
   * Attempts per heartbeat or registry write before it is given up (at least 1).
   *
   * @return the number of attempts
   */
  public int maxRetries() {
    return maxRetries;
  }

  /**
   * Delay before the second attempt; attempt {@code n+1} waits {@code retryDelay * 2^(n-1)}.
   *
   * @return the base delay
   */
  public Duration retryDelay() {
    return retryDelay;
  }

  /**
   * How long {@link DiscoveryService#start()} keeps trying to reach Redis before it fails.
   *
   * @return the connect timeout
   */
  public Duration connectTimeout() {
    return connectTimeout;
  }

  /**
   * How long one Redis command may take before it fails (and is retried where that applies).
   *
   * @return the command timeout
   */
  public Duration commandTimeout() {
    return commandTimeout;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof DiscoveryOptions other)) {
      return false;
    }
    return pubSubEnabled == other.pubSubEnabled
        && clientMode == other.clientMode
        && maxRetries == other.maxRetries
        && heartbeatInterval.equals(other.heartbeatInterval)
        && heartbeatTtl.equals(other.heartbeatTtl)
        && pubSubChannel.equals(other.pubSubChannel)
        && redisPrefix.equals(other.redisPrefix)
        && retryDelay.equals(other.retryDelay)
        && connectTimeout.equals(other.connectTimeout)
        && commandTimeout.equals(other.commandTimeout);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        heartbeatInterval,
        heartbeatTtl,
        pubSubEnabled,
        pubSubChannel,
        clientMode,
        redisPrefix,
        maxRetries,
        retryDelay,
        connectTimeout,
        commandTimeout);
  }

  @Override
  public String toString() {
    return "DiscoveryOptions{heartbeatInterval="
        + heartbeatInterval
        + ", heartbeatTtl="
        + heartbeatTtl
        + ", pubSubEnabled="
        + pubSubEnabled
        + ", pubSubChannel='"
        + pubSubChannel
        + "', clientMode="
        + clientMode
        + ", redisPrefix='"
        + redisPrefix
        + "', maxRetries="
        + maxRetries
        + ", retryDelay="
        + retryDelay
        + ", connectTimeout="
        + connectTimeout
        + ", commandTimeout="
        + commandTimeout
        + '}';
  }

  /** Mutable builder of {@link DiscoveryOptions}; {@link #build()} validates. */
  public static final class Builder {
    private Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;
    private Duration heartbeatTtl = DEFAULT_HEARTBEAT_TTL;
    private boolean pubSubEnabled = false;
    private String pubSubChannel = DEFAULT_PUBSUB_CHANNEL;
    private boolean clientMode = false;
    private String redisPrefix = DEFAULT_REDIS_PREFIX;
    private int maxRetries = DEFAULT_MAX_RETRIES;
    private Duration retryDelay = DEFAULT_RETRY_DELAY;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;

    private Builder() {}

    /**
     * Sets {@link DiscoveryOptions#heartbeatInterval()}.
     *
     * @param value positive duration
     * @return this builder
     */
    public Builder heartbeatInterval(Duration value) {
      this.heartbeatInterval = Objects.requireNonNull(value, "heartbeatInterval");
      return this;
    }

    /**
     * Sets {@link DiscoveryOptions#heartbeatTtl()}.
     *
     * @param value duration greater than the heartbeat interval
     * @return this builder
     */
    public Builder heartbeatTtl(Duration value) {
      this.heartbeatTtl = Objects.requireNonNull(value, "heartbeatTtl");
      return this;
    }

    /**
     * Sets {@link DiscoveryOptions#pubSubEnabled()}.
     *
     * @param value whether events go over pub/sub
     * @return this builder
     */
    public Builder pubSubEnabled(boolean value) {
      this.pubSubEnabled = value;
      return this;
    }

    /**
     * Sets {@link DiscoveryOptions#pubSubChannel()}.
     *
     * @param value non-blank channel name
     * @return this builder
     */
    public Builder pubSubChannel(String value) {
      this.pubSubChannel = Objects.requireNonNull(value, "pubSubChannel");
      return this;
    }

    /**
     * Sets {@link DiscoveryOptions#clientMode()}.
     *
     * @param value whether to discover only
     * @return this builder
     */
    public Builder clientMode(boolean value) {
      this.clientMode = value;
      return this;
    }

    /**
     * Sets {@link DiscoveryOptions#redisPrefix()}.
     *
     * @param value non-blank key prefix
     * @return this builder
     */
    public Builder redisPrefix(String value) {
      this.redisPrefix = Objects.requireNonNull(value, "redisPrefix");
      return this;
    }

    /**
     * Sets {@link DiscoveryOptions#maxRetries()}.
     *
     * @param value at least 1
     * @return this builder
     */
    public Builder maxRetries(int value) {
      this.maxRetries = value;
      return this;
    }

    /**
     * Sets {@link DiscoveryOptions#retryDelay()}.
     *
     * @param value positive duration
     * @return this builder
     */
    public Builder retryDelay(Duration value) {
      this.retryDelay = Objects.requireNonNull(value, "retryDelay");
      return this;
    }

    /**
     * Sets {@link DiscoveryOptions#connectTimeout()}.
     *
     * @param value positive duration
     * @return this builder
     */
    public Builder connectTimeout(Duration value) {
      this.connectTimeout = Objects.requireNonNull(value, "connectTimeout");
      return this;
    }

    /**
     * Sets {@link DiscoveryOptions#commandTimeout()}.
     *
     * @param value positive duration
     * @return this builder
     */
    public Builder commandTimeout(Duration value) {
      this.commandTimeout = Objects.requireNonNull(value, "commandTimeout");
      return this;
    }

    /**
     * Validates and builds the options.
     *
     * @return the options
     * @throws IllegalArgumentException naming the option and the value when one is invalid
     */
    public DiscoveryOptions build() {
      positive("heartbeatInterval", heartbeatInterval);
      positive("heartbeatTtl", heartbeatTtl);
      if (heartbeatTtl.compareTo(heartbeatInterval) <= 0) {
        throw new IllegalArgumentException(
            "heartbeatTtl must be greater than heartbeatInterval ("
                + heartbeatInterval.toMillis()
                + " ms), was "
                + heartbeatTtl.toMillis()
                + " ms");
      }
      notBlank("pubSubChannel", pubSubChannel);
      notBlank("redisPrefix", redisPrefix);
      if (maxRetries < 1) {
        throw new IllegalArgumentException("maxRetries must be at least 1, was " + maxRetries);
      }
      positive("retryDelay", retryDelay);
      positive("connectTimeout", connectTimeout);
      positive("commandTimeout", commandTimeout);
      return new DiscoveryOptions(this);
    }

    private static void positive(String name, Duration value) {
      if (value.isNegative() || value.isZero() || value.toMillis() < 1) {
        throw new IllegalArgumentException(
            name + " must be a positive duration of at least 1 ms, was " + value);
      }
    }

    private static void notBlank(String name, String value) {
      if (value.isBlank()) {
        throw new IllegalArgumentException(name + " must not be blank, was '" + value + "'");
      }
      for (int i = 0; i < value.length(); i++) {
        if (Character.isISOControl(value.charAt(i)) || Character.isWhitespace(value.charAt(i))) {
          throw new IllegalArgumentException(
              name + " must not contain whitespace or control characters, was '" + value + "'");
        }
      }
    }
  }
}
