package dev.titan.discovery;

import dev.titan.discovery.internal.DefaultDiscoveryService;
import dev.titan.discovery.internal.Keys;
import dev.titan.discovery.internal.Validation;
import dev.titan.discovery.internal.node.LocalNode;
import dev.titan.discovery.internal.node.NodeIdentity;
import dev.titan.discovery.internal.redis.ConnectionSpec;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.resource.ClientResources;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point: builds a {@link DiscoveryService}.
 *
 * <pre>{@code
 * DiscoveryService discovery = Discovery.builder()
 *     .redisUri("redis://localhost:6379")
 *     .options(DiscoveryOptions.builder().pubSubEnabled(true).build())
 *     .services(List.of(ServiceInfo.of("user-service", "1.0.0")))
 *     .build();
 * discovery.start().join();
 * }</pre>
 *
 * <p>Ownership: a client made here from a URI is closed by {@link DiscoveryService#close()}; a
 * client or {@link ClientResources} handed in by the caller is never closed.
 */
public final class Discovery {

  private static final Logger LOG = LoggerFactory.getLogger(Discovery.class);

  private Discovery() {}

  /**
   * A new builder.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Builder of a {@link DiscoveryService}. {@link #build()} connects nothing. */
  public static final class Builder {
    private @Nullable String redisUri;
    private @Nullable List<String> clusterUris;
    private @Nullable RedisClient redisClient;
    private @Nullable RedisClusterClient clusterClient;
    private @Nullable ClientResources clientResources;
    private @Nullable SslOptions sslOptions;
    private DiscoveryOptions options = DiscoveryOptions.defaults();
    private @Nullable String nodeId;
    private @Nullable String address;
    private List<ServiceInfo> services = List.of();
    private @Nullable Executor callbackExecutor;
    private boolean registerOnStart = true;
    private Map<String, String> metadata = Map.of();

    private Builder() {}

    /**
     * The Redis to use: {@code redis://}, {@code rediss://} (TLS) or {@code redis-sentinel://}, in
     * Lettuce's URI syntax, credentials included. Default {@code redis://localhost:6379}.
     *
     * @param uri the URI
     * @return this builder
     */
    public Builder redisUri(String uri) {
      this.redisUri = Objects.requireNonNull(uri, "redisUri");
      return this;
    }

    /**
     * Use Redis Cluster, reached through these seed URIs. Every key of the registry must share one
     * slot: a prefix holding a hash tag (such as {@code {titan}:discovery}) is used as given, and a
     * prefix without one is used whole as the tag ({@code titan:discovery} becomes {@code
     * {titan:discovery}}; logged once at INFO). Other nodes on the cluster, TypeScript ones
     * included, and ACL key patterns must use that effective prefix.
     *
     * @param seedUris at least one seed URI
     * @return this builder
     */
    public Builder redisClusterUris(List<String> seedUris) {
      this.clusterUris = List.copyOf(seedUris);
      return this;
    }

    /**
     * Use the caller's client (never closed by the library) with {@link #redisUri(String)}.
     *
     * @param client the client
     * @return this builder
     */
    public Builder redisClient(RedisClient client) {
      this.redisClient = Objects.requireNonNull(client, "redisClient");
      return this;
    }

    /**
     * Use the caller's cluster client (never closed by the library).
     *
     * @param client the client
     * @return this builder
     */
    public Builder redisClusterClient(RedisClusterClient client) {
      this.clusterClient = Objects.requireNonNull(client, "redisClusterClient");
      return this;
    }

    /**
     * Lettuce resources (threads, event loops) to share with other clients of the application;
     * never shut down by the library. Without them, a client made here gets its own.
     *
     * @param resources the resources
     * @return this builder
     */
    public Builder clientResources(ClientResources resources) {
      this.clientResources = Objects.requireNonNull(resources, "clientResources");
      return this;
    }

    /**
     * TLS settings for a {@code rediss://} URI (or TLS cluster seeds), such as the trust store or
     * CA certificate that verifies the server: {@code
     * SslOptions.builder().jdkSslProvider().trustManager(caPemFile).build()}. Applied only to the
     * client made here from a URI; a caller's client keeps its own options. Default: the JVM's
     * trust store.
     *
     * @param sslOptions Lettuce SSL options
     * @return this builder
     */
    public Builder sslOptions(SslOptions sslOptions) {
      this.sslOptions = Objects.requireNonNull(sslOptions, "sslOptions");
      return this;
    }

    /**
     * The options; default {@link DiscoveryOptions#defaults()}.
     *
     * @param options the options
     * @return this builder
     */
    public Builder options(DiscoveryOptions options) {
      this.options = Objects.requireNonNull(options, "options");
      return this;
    }

    /**
     * A fixed node id; default {@code titan-{pid}-{epochMillis}-{random}}.
     *
     * @param nodeId letters, digits and {@code . _ - : @}
     * @return this builder
     */
    public Builder nodeId(String nodeId) {
      this.nodeId = Validation.nodeId(nodeId);
      return this;
    }

    /**
     * A fixed address; default from {@code TITAN_HOST}/{@code HOST} and {@code
     * TITAN_PORT}/{@code PORT}, else the first non-loopback IPv4 address, port 3000.
     *
     * @param address {@code host:port}, IPv6 as {@code [::1]:80}
     * @return this builder
     */
    public Builder address(String address) {
      this.address = Validation.address(address);
      return this;
    }

    /**
     * The services this node offers from the start.
     *
     * @param services the services
     * @return this builder
     */
    public Builder services(List<ServiceInfo> services) {
      this.services = Validation.services(services);
      return this;
    }

    /**
     * This node's metadata from the start; well-known keys {@code zone} and {@code weight} (a
     * whole number from 1 to 1,000,000; absent = 1). Change it at run time with {@link
     * DiscoveryService#updateMetadata}.
     *
     * @param metadata at most 32 entries; keys 1 to 64 letters, digits and {@code . _ - / :};
     *     values at most 512 characters without control characters
     * @return this builder
     * @throws IllegalArgumentException naming the entry that breaks a limit
     */
    public Builder metadata(Map<String, String> metadata) {
      this.metadata = Validation.metadata(metadata);
      return this;
    }

    /**
     * Where the futures returned by the service (and its {@link RegistryView}) complete. Default:
     * a pool of the service's own daemon threads, created on demand and shut down with the
     * service. Never a Redis I/O thread, so a callback may block, even {@code join()} another
     * lookup, without stalling replies or heartbeats. A caller's executor is never shut down by the
     * library; it must not run tasks on the calling thread if callbacks may block.
     *
     * @param executor the executor
     * @return this builder
     */
    public Builder callbackExecutor(Executor executor) {
      this.callbackExecutor = Objects.requireNonNull(executor, "callbackExecutor");
      return this;
    }

    /**
     * Whether {@link DiscoveryService#start()} registers this node; default true. With false,
     * {@code start()} connects, subscribes, runs the sweeper and answers lookups but writes
     * nothing for this node ({@link DiscoveryService#isRegistered()} stays false, changes of its
     * identity stay local) until {@link DiscoveryService#register()} or {@link
     * DiscoveryService#registerNode} registers it: for an application that knows its address
     * only later, such as a web server on a random port. No effect in client mode.
     *
     * @param registerOnStart false to register later, with {@link DiscoveryService#register()}
     * @return this builder
     */
    public Builder registerOnStart(boolean registerOnStart) {
      this.registerOnStart = registerOnStart;
      return this;
    }

    /**
     * Builds the service; connects nothing.
     *
     * @return the service
     * @throws IllegalArgumentException when the connection settings are contradictory or invalid
     */
    public DiscoveryService build() {
      boolean cluster = clusterUris != null || clusterClient != null;
      if (cluster && (redisUri != null || redisClient != null)) {
        throw new IllegalArgumentException("choose either Redis Cluster (redisClusterUris/redisClusterClient) or redisUri/redisClient, not both");
      }
      if (clusterUris != null && clusterClient != null) {
        throw new IllegalArgumentException("choose either redisClusterUris or redisClusterClient, not both");
      }
      DiscoveryOptions effective = options;
      if (cluster && !new Keys(options.redisPrefix()).hasHashTag()) {
        // every script touches keys of one node and the indexes together: they must share a
        // slot, so the whole prefix becomes the hash tag
        String tagged = "{" + options.redisPrefix() + "}";
        effective = options.toBuilder().redisPrefix(tagged).build();
        LOG.info("Redis Cluster: key prefix '{}' has no hash tag; using '{}' (keys {}:nodes:{{id}}, {}:index:...), "
            + "so that all registry keys share one slot. Other nodes (TypeScript too) and ACL key patterns must use '{}'",
            options.redisPrefix(), tagged, tagged, tagged, tagged);
      }
      String id = nodeId != null ? nodeId : NodeIdentity.generateNodeId();
      String addr = address != null ? address : NodeIdentity.detectAddress();
      ConnectionSpec connection;
      if (cluster) {
        List<RedisURI> seeds = new ArrayList<>();
        if (clusterUris != null) {
          if (clusterUris.isEmpty()) {
            throw new IllegalArgumentException("redisClusterUris must name at least one seed, was []");
          }
          for (String u : clusterUris) {
            seeds.add(parse("redisClusterUris", u));
          }
        }
        connection = new ConnectionSpec(null, null, clusterClient, seeds, clientResources, sslOptions);
      } else {
        RedisURI uri = parse("redisUri", redisUri != null ? redisUri : "redis://localhost:6379");
        connection = new ConnectionSpec(uri, redisClient, null, List.of(), clientResources, sslOptions);
      }
      return new DefaultDiscoveryService(connection, effective,
          new LocalNode.Snapshot(id, addr, services, NodeStatus.UP, metadata), registerOnStart, callbackExecutor);
    }

    private static RedisURI parse(String what, String uri) {
      try {
        return RedisURI.create(uri);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(what + " is not a valid Redis URI: '" + redact(uri) + "'");
      }
    }

    private static String redact(String uri) {
      return uri.replaceAll("://[^@/]*@", "://***@");
    }
  }
}
