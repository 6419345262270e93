package dev.titan.discovery.testkit;

import dev.titan.discovery.Discovery;
import dev.titan.discovery.DiscoveryOptions;
import dev.titan.discovery.DiscoveryService;
import dev.titan.discovery.ServiceInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Builds started {@link DiscoveryService}s on a test Redis and closes them all: each helper has
 * its own key prefix and channel, so tests sharing one Redis never see each other, and fast
 * timings (heartbeat every 200 ms, TTL 1 s), so expiry tests take a second, not fifteen.
 *
 * <pre>{@code
 * try (DiscoveryServices services = DiscoveryServices.on(redis)) {
 *   services.node("orders-1", "10.0.0.1:8080", ServiceInfo.of("orders", "2.1.0"));
 *   DiscoveryService client = services.client();
 *   assertThat(client.findNodesByService("orders").join()).hasSize(1);
 * } // every service stopped: deregistered, connections closed
 * }</pre>
 *
 * Or let {@link DiscoveryExtension} make one per test method.
 */
public final class DiscoveryServices implements AutoCloseable {

  /** Heartbeat interval of {@link #options()}. */
  public static final Duration HEARTBEAT_INTERVAL = Duration.ofMillis(200);
  /** Heartbeat TTL of {@link #options()}. */
  public static final Duration HEARTBEAT_TTL = Duration.ofSeconds(1);

  private final Consumer<Discovery.Builder> connection;
  private final String prefix;
  private final String channel;
  private final List<DiscoveryService> started = new ArrayList<>();

  private DiscoveryServices(Consumer<Discovery.Builder> connection, boolean cluster) {
    this.connection = connection;
    String tag = UUID.randomUUID().toString().substring(0, 8);
    // on a cluster the whole prefix is one hash tag: every key of a test in one slot
    this.prefix = cluster ? "{test-" + tag + "}:discovery" : "test-" + tag + ":discovery";
    this.channel = prefix + ":events";
  }

  /**
   * Services on one redis-server.
   *
   * @param server the server
   * @return the helper
   */
  public static DiscoveryServices on(RedisServer server) {
    String uri = server.uri();
    return new DiscoveryServices(b -> b.redisUri(uri), false);
  }

  /**
   * Services on a Sentinel set-up ({@code redis-sentinel://} URI): they follow failovers.
   *
   * @param sentinels the set-up
   * @return the helper
   */
  public static DiscoveryServices onSentinel(RedisSentinelSetup sentinels) {
    String uri = sentinels.uri();
    return new DiscoveryServices(b -> b.redisUri(uri), false);
  }

  /**
   * Services on a Redis Cluster.
   *
   * @param cluster the cluster
   * @return the helper
   */
  public static DiscoveryServices onCluster(RedisClusterSetup cluster) {
    List<String> seeds = cluster.uris();
    return new DiscoveryServices(b -> b.redisClusterUris(seeds), true);
  }

  /**
   * This helper's key prefix (every service it builds uses it).
   *
   * @return the prefix
   */
  public String prefix() {
    return prefix;
  }

  /**
   * This helper's events channel.
   *
   * @return the channel
   */
  public String channel() {
    return channel;
  }

  /**
   * Options with this helper's prefix and channel, pub/sub on, heartbeat {@link
   * #HEARTBEAT_INTERVAL}, TTL {@link #HEARTBEAT_TTL}, short retry and connect timeouts; change
   * what a test needs.
   *
   * @return a builder of options
   */
  public DiscoveryOptions.Builder options() {
    return DiscoveryOptions.builder()
        .heartbeatInterval(HEARTBEAT_INTERVAL)
        .heartbeatTtl(HEARTBEAT_TTL)
        .retryDelay(Duration.ofMillis(50))
        .connectTimeout(Duration.ofSeconds(5))
        .commandTimeout(Duration.ofSeconds(2))
        .pubSubEnabled(true)
        .pubSubChannel(channel)
        .redisPrefix(prefix);
  }

  /**
   * A builder connected to this helper's Redis with {@link #options()}; give it to {@link
   * #start(Discovery.Builder)}.
   *
   * @return the builder
   */
  public Discovery.Builder builder() {
    Discovery.Builder b = Discovery.builder().options(options().build());
    connection.accept(b);
    return b;
  }

  /**
   * Builds and starts a service (waiting until it runs); it is closed with this helper.
   *
   * @param builder a builder from {@link #builder()}
   * @return the started service
   */
  public DiscoveryService start(Discovery.Builder builder) {
    DiscoveryService d = builder.build();
    synchronized (started) {
      started.add(d);
    }
    d.start().join();
    return d;
  }

  /**
   * A started, registered node.
   *
   * @param nodeId the node id
   * @param address {@code host:port}
   * @param services what it offers
   * @return the service
   */
  public DiscoveryService node(String nodeId, String address, ServiceInfo... services) {
    return start(builder().nodeId(nodeId).address(address).services(List.of(services)));
  }

  /**
   * A started client-mode service: discovers, registers nothing.
   *
   * @return the service
   */
  public DiscoveryService client() {
    Discovery.Builder b = Discovery.builder().options(options().clientMode(true).build());
    connection.accept(b);
    return start(b);
  }

  /** Stops every service this helper started, the last one first. */
  @Override
  public void close() {
    List<DiscoveryService> copy;
    synchronized (started) {
      copy = new ArrayList<>(started);
      started.clear();
    }
    for (int i = copy.size() - 1; i >= 0; i--) {
      copy.get(i).close();
    }
  }
}
