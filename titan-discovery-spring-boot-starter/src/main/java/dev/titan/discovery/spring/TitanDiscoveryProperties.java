package dev.titan.discovery.spring;

import dev.titan.discovery.Discovery;
import dev.titan.discovery.DiscoveryOptions;
import dev.titan.discovery.NodeInfo;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of Titan Discovery in a Spring Boot application, bound from {@code titan.discovery.*}.
 *
 * <p>The option properties map one to one onto {@link DiscoveryOptions}; their defaults are the
 * core's (written out here so that the IDE metadata shows them; a test checks they match), except {@link #isPubSubEnabled() pub-sub-enabled}, which is {@code true} here: the
 * Spring Cloud {@code DiscoveryClient} and the LoadBalancer cache eviction rely on registry events
 * to drop a shut-down instance at once instead of after a cache expiry.
 */
@ConfigurationProperties("titan.discovery")
public class TitanDiscoveryProperties {

  /** Largest {@code weight} (the core's limit). */
  static final int MAX_WEIGHT = 1_000_000;

  /** Whether Titan Discovery is enabled at all. */
  private boolean enabled = true;

  /**
   * Redis to use ({@code redis://}, {@code rediss://} or {@code redis-sentinel://}, Lettuce URI
   * syntax). When not set, the application's Spring Data Redis connection ({@code
   * spring.data.redis.*}) is used, else {@code redis://localhost:6379}.
   */
  private @Nullable String redisUrl;

  /** How often this node renews its registration. */
  private Duration heartbeatInterval = Duration.ofSeconds(5);

  /** How long a registration lives without a heartbeat; must be greater than the interval. */
  private Duration heartbeatTtl = Duration.ofSeconds(15);

  /**
   * Whether registry events go over Redis pub/sub. On by default in Spring (the core's default is
   * off) because the discovery client and LoadBalancer caches are invalidated by these events.
   */
  private boolean pubSubEnabled = true;

  /** The pub/sub channel of registry events. */
  private String pubSubChannel = "titan:discovery:events";

  /** Discover only: never register this application nor send heartbeats. */
  private boolean clientMode = false;

  /** Prefix of every Redis key (with a hash tag such as {titan}:discovery on Redis Cluster). */
  private String redisPrefix = "titan:discovery";

  /** Attempts per heartbeat or registry write. */
  private int maxRetries = 3;

  /** Delay before the second attempt, doubled per further attempt. */
  private Duration retryDelay = Duration.ofSeconds(1);

  /** How long start-up keeps trying to reach Redis before it fails. */
  private Duration connectTimeout = Duration.ofSeconds(10);

  /** How long one Redis command may take. */
  private Duration commandTimeout = Duration.ofSeconds(5);

  /** Version registered with this application's service; none when not set. */
  private @Nullable String serviceVersion;

  /** Service name registered for this application; defaults to spring.application.name. */
  private @Nullable String serviceName;

  /** Fixed node id (instance id); generated ({@code titan-{pid}-{millis}-{random}}) when not set. */
  private @Nullable String nodeId;

  /**
   * Host registered for this application; detected when not set ({@code TITAN_HOST}/{@code HOST},
   * else the first non-loopback IPv4 address, else localhost).
   */
  private @Nullable String host;

  /** Port registered for this application; defaults to the web server's actual port. */
  private @Nullable Integer port;

  /**
   * How long the discovery client may answer a service lookup from memory. Registry events
   * invalidate it earlier; zero disables the cache.
   */
  private Duration cacheTtl = Duration.ofSeconds(5);

  /**
   * Metadata of this application's node (at most 32 entries; keys of letters, digits and {@code
   * . _ - / :}; a key with a dot is written in brackets, {@code titan.discovery.metadata[a.b]=c}).
   * Spring Cloud's ServiceInstance metadata carries it.
   */
  private Map<String, String> metadata = new LinkedHashMap<>();

  /**
   * Zone of this application's node (metadata {@code zone}, as Spring Cloud LoadBalancer's zone
   * preference reads it); wins over a {@code zone} entry of {@code titan.discovery.metadata}.
   */
  private @Nullable String zone;

  /**
   * Weight of this application's node, a whole number from 1 to 1000000 (metadata {@code weight},
   * as Spring Cloud LoadBalancer's weighted configuration reads it; absent = 1); wins over a
   * {@code weight} entry of {@code titan.discovery.metadata}.
   */
  private @Nullable Integer weight;

  /**
   * Whether Titan is enabled.
   *
   * @return true when enabled
   */
  public boolean isEnabled() {
    return enabled;
  }

  /**
   * Sets whether Titan is enabled.
   *
   * @param enabled true to enable
   */
  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  /**
   * The Redis URL, or null to use Spring Data Redis settings.
   *
   * @return the URL or null
   */
  public @Nullable String getRedisUrl() {
    return redisUrl;
  }

  /**
   * Sets the Redis URL.
   *
   * @param redisUrl the URL, or null
   */
  public void setRedisUrl(@Nullable String redisUrl) {
    this.redisUrl = redisUrl;
  }

  /**
   * The heartbeat interval.
   *
   * @return the interval
   */
  public Duration getHeartbeatInterval() {
    return heartbeatInterval;
  }

  /**
   * Sets the heartbeat interval.
   *
   * @param heartbeatInterval the interval
   */
  public void setHeartbeatInterval(Duration heartbeatInterval) {
    this.heartbeatInterval = heartbeatInterval;
  }

  /**
   * The heartbeat TTL.
   *
   * @return the TTL
   */
  public Duration getHeartbeatTtl() {
    return heartbeatTtl;
  }

  /**
   * Sets the heartbeat TTL.
   *
   * @param heartbeatTtl the TTL
   */
  public void setHeartbeatTtl(Duration heartbeatTtl) {
    this.heartbeatTtl = heartbeatTtl;
  }

  /**
   * Whether events go over pub/sub (default true in Spring).
   *
   * @return true when enabled
   */
  public boolean isPubSubEnabled() {
    return pubSubEnabled;
  }

  /**
   * Sets whether events go over pub/sub.
   *
   * @param pubSubEnabled true to enable
   */
  public void setPubSubEnabled(boolean pubSubEnabled) {
    this.pubSubEnabled = pubSubEnabled;
  }

  /**
   * The pub/sub channel.
   *
   * @return the channel
   */
  public String getPubSubChannel() {
    return pubSubChannel;
  }

  /**
   * Sets the pub/sub channel.
   *
   * @param pubSubChannel the channel
   */
  public void setPubSubChannel(String pubSubChannel) {
    this.pubSubChannel = pubSubChannel;
  }

  /**
   * Whether this application only discovers.
   *
   * @return true in client mode
   */
  public boolean isClientMode() {
    return clientMode;
  }

  /**
   * Sets client mode.
   *
   * @param clientMode true to discover only
   */
  public void setClientMode(boolean clientMode) {
    this.clientMode = clientMode;
  }

  /**
   * The Redis key prefix.
   *
   * @return the prefix
   */
  public String getRedisPrefix() {
    return redisPrefix;
  }

  /**
   * Sets the Redis key prefix.
   *
   * @param redisPrefix the prefix
   */
  public void setRedisPrefix(String redisPrefix) {
    this.redisPrefix = redisPrefix;
  }

  /**
   * Attempts per write.
   *
   * @return the attempts
   */
  public int getMaxRetries() {
    return maxRetries;
  }

  /**
   * Sets the attempts per write.
   *
   * @param maxRetries at least 1
   */
  public void setMaxRetries(int maxRetries) {
    this.maxRetries = maxRetries;
  }

  /**
   * The base retry delay.
   *
   * @return the delay
   */
  public Duration getRetryDelay() {
    return retryDelay;
  }

  /**
   * Sets the base retry delay.
   *
   * @param retryDelay the delay
   */
  public void setRetryDelay(Duration retryDelay) {
    this.retryDelay = retryDelay;
  }

  /**
   * The connect timeout.
   *
   * @return the timeout
   */
  public Duration getConnectTimeout() {
    return connectTimeout;
  }

  /**
   * Sets the connect timeout.
   *
   * @param connectTimeout the timeout
   */
  public void setConnectTimeout(Duration connectTimeout) {
    this.connectTimeout = connectTimeout;
  }

  /**
   * The command timeout.
   *
   * @return the timeout
   */
  public Duration getCommandTimeout() {
    return commandTimeout;
  }

  /**
   * Sets the command timeout.
   *
   * @param commandTimeout the timeout
   */
  public void setCommandTimeout(Duration commandTimeout) {
    this.commandTimeout = commandTimeout;
  }

  /**
   * The version registered with this application's service.
   *
   * @return the version or null
   */
  public @Nullable String getServiceVersion() {
    return serviceVersion;
  }

  /**
   * Sets the registered version.
   *
   * @param serviceVersion the version or null
   */
  public void setServiceVersion(@Nullable String serviceVersion) {
    this.serviceVersion = serviceVersion;
  }

  /**
   * The registered service name, or null for spring.application.name.
   *
   * @return the name or null
   */
  public @Nullable String getServiceName() {
    return serviceName;
  }

  /**
   * Sets the registered service name.
   *
   * @param serviceName the name or null
   */
  public void setServiceName(@Nullable String serviceName) {
    this.serviceName = serviceName;
  }

  /**
   * The fixed node id, or null to generate one.
   *
   * @return the id or null
   */
  public @Nullable String getNodeId() {
    return nodeId;
  }

  /**
   * Sets a fixed node id.
   *
   * @param nodeId the id or null
   */
  public void setNodeId(@Nullable String nodeId) {
    this.nodeId = nodeId;
  }

  /**
   * The registered host, or null to detect it.
   *
   * @return the host or null
   */
  public @Nullable String getHost() {
    return host;
  }

  /**
   * Sets the registered host.
   *
   * @param host the host or null
   */
  public void setHost(@Nullable String host) {
    this.host = host;
  }

  /**
   * The registered port, or null for the web server's port.
   *
   * @return the port or null
   */
  public @Nullable Integer getPort() {
    return port;
  }

  /**
   * Sets the registered port.
   *
   * @param port the port or null
   */
  public void setPort(@Nullable Integer port) {
    this.port = port;
  }

  /**
   * How long lookups may be answered from memory.
   *
   * @return the TTL; zero disables the cache
   */
  public Duration getCacheTtl() {
    return cacheTtl;
  }

  /**
   * Sets how long lookups may be answered from memory.
   *
   * @param cacheTtl the TTL; zero disables the cache
   */
  public void setCacheTtl(Duration cacheTtl) {
    this.cacheTtl = cacheTtl;
  }

  /**
   * The node's metadata.
   *
   * @return the metadata map (mutable, bound by Spring)
   */
  public Map<String, String> getMetadata() {
    return metadata;
  }

  /**
   * Sets the node's metadata.
   *
   * @param metadata the metadata
   */
  public void setMetadata(Map<String, String> metadata) {
    this.metadata = metadata;
  }

  /**
   * The node's zone.
   *
   * @return the zone, or null
   */
  public @Nullable String getZone() {
    return zone;
  }

  /**
   * Sets the node's zone.
   *
   * @param zone the zone, or null
   */
  public void setZone(@Nullable String zone) {
    this.zone = zone;
  }

  /**
   * The node's weight.
   *
   * @return the weight, or null for the default (1)
   */
  public @Nullable Integer getWeight() {
    return weight;
  }

  /**
   * Sets the node's weight.
   *
   * @param weight the weight, or null
   */
  public void setWeight(@Nullable Integer weight) {
    this.weight = weight;
  }

  /**
   * The node's metadata from {@code metadata}, {@code zone} and {@code weight} (the last two win
   * over entries of the same key), checked.
   *
   * @return the metadata, in key order
   * @throws IllegalArgumentException naming the property and the value when one is invalid
   */
  public Map<String, String> toMetadata() {
    Map<String, String> m = new java.util.TreeMap<>();
    if (metadata != null) {
      for (Map.Entry<String, String> e : metadata.entrySet()) {
        String value = e.getValue() == null ? "" : e.getValue();
        try {
          Discovery.builder().metadata(Map.of(e.getKey(), value));
        } catch (IllegalArgumentException ex) {
          throw new IllegalArgumentException(
              "titan.discovery.metadata." + e.getKey() + " is invalid ('" + value + "'): " + ex.getMessage(), ex);
        }
        m.put(e.getKey(), value);
      }
    }
    if (zone != null) {
      if (zone.isBlank()) {
        throw new IllegalArgumentException("titan.discovery.zone must not be blank, was '" + zone + "'");
      }
      m.put(NodeInfo.ZONE, zone);
    }
    if (weight != null) {
      if (weight < 1 || weight > MAX_WEIGHT) {
        throw new IllegalArgumentException(
            "titan.discovery.weight must be a whole number from 1 to " + MAX_WEIGHT + ", was '" + weight + "'");
      }
      m.put(NodeInfo.WEIGHT, Integer.toString(weight));
    }
    try {
      Discovery.builder().metadata(m); // the limits on the whole map (number of entries)
    } catch (IllegalArgumentException ex) {
      throw new IllegalArgumentException("titan.discovery.metadata is invalid: " + ex.getMessage(), ex);
    }
    return m;
  }

  /**
   * These properties as validated core options.
   *
   * @return the options
   * @throws IllegalArgumentException naming the option when a value is invalid
   */
  public DiscoveryOptions toOptions() {
    return DiscoveryOptions.builder()
        .heartbeatInterval(heartbeatInterval)
        .heartbeatTtl(heartbeatTtl)
        .pubSubEnabled(pubSubEnabled)
        .pubSubChannel(pubSubChannel)
        .clientMode(clientMode)
        .redisPrefix(redisPrefix)
        .maxRetries(maxRetries)
        .retryDelay(retryDelay)
        .connectTimeout(connectTimeout)
        .commandTimeout(commandTimeout)
        .build();
  }
}
