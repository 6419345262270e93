package dev.titan.discovery.benchmarks;

import dev.titan.discovery.ServiceInfo;
import dev.titan.discovery.internal.Keys;
import dev.titan.discovery.internal.registry.RegistryWriter;
import dev.titan.discovery.internal.wire.WireCodec;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The data set: N nodes, each offering {@value #SERVICES_PER_NODE} of {@value #SERVICE_NAMES}
 * service names in one of three versions, as in the baseline measurement. Nodes live an
 * hour, so nothing expires during a run.
 */
final class BenchData {

  /** The key prefix used by every benchmark. */
  static final String PREFIX = "titan:discovery";
  /** The pub/sub channel used by every benchmark. */
  static final String CHANNEL = "titan:discovery:events";
  /** Where the baseline publishes its heartbeats' NODE_UPDATED events (see ReferenceClient). */
  static final String REFERENCE_CHANNEL = "titan:discovery:reference-events";

  /**
   * One listening node for the baseline's events: a raw subscriber that drops them.
   *
   * @param client the client
   * @return the connection, to close
   */
  static io.lettuce.core.pubsub.StatefulRedisPubSubConnection<String, String> referenceListener(io.lettuce.core.RedisClient client) {
    io.lettuce.core.pubsub.StatefulRedisPubSubConnection<String, String> ps = client.connectPubSub();
    ps.sync().subscribe(REFERENCE_CHANNEL);
    return ps;
  }

  /** How many service names exist. */
  static final int SERVICE_NAMES = 50;
  /** How many services each node offers. */
  static final int SERVICES_PER_NODE = 3;
  /** TTL of loaded nodes: long enough for a whole run. */
  static final long TTL_MILLIS = 3_600_000;

  private BenchData() {}

  static String id(int i) {
    return String.format("node-%06d", i);
  }

  static String address(int i) {
    return "10." + ((i >> 16) & 255) + "." + ((i >> 8) & 255) + "." + (i & 255) + ":8080";
  }

  static String serviceName(int k) {
    return String.format("svc-%02d", k % SERVICE_NAMES);
  }

  static List<ServiceInfo> services(int i) {
    List<ServiceInfo> out = new ArrayList<>(SERVICES_PER_NODE);
    for (int k = 0; k < SERVICES_PER_NODE; k++) {
      out.add(ServiceInfo.of(serviceName(i * 7 + k * 17), "1." + (i % 3) + ".0"));
    }
    return out;
  }

  /** Writes N nodes with our registration script (wire format plus our indexes). */
  static void loadOurs(RedisAsyncCommands<String, String> commands, int n) {
    RegistryWriter writer = new RegistryWriter(commands, new Keys(PREFIX), TTL_MILLIS, "");
    List<CompletableFuture<?>> batch = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      batch.add(writer.register(id(i), address(i), services(i)));
      if (batch.size() == 2000 || i == n - 1) {
        CompletableFuture.allOf(batch.toArray(new CompletableFuture<?>[0])).join();
        batch.clear();
      }
    }
  }

  /** Writes N nodes exactly as the TypeScript implementation's registration does (raw keys only). */
  static void loadReference(StatefulRedisConnection<String, String> connection, int n) throws Exception {
    RedisAsyncCommands<String, String> c = connection.async();
    List<RedisFuture<?>> batch = new ArrayList<>();
    String ts = Long.toString(System.currentTimeMillis());
    for (int i = 0; i < n; i++) {
      String id = id(i);
      batch.add(c.hset(PREFIX + ":nodes:" + id,
          Map.of("address", address(i), "services", WireCodec.encodeServices(services(i)), "timestamp", ts)));
      batch.add(c.expire(PREFIX + ":nodes:" + id, TTL_MILLIS / 1000));
      batch.add(c.psetex(PREFIX + ":heartbeat:" + id, TTL_MILLIS, "1"));
      batch.add(c.sadd(PREFIX + ":index:nodes", id));
      if (batch.size() >= 8000 || i == n - 1) {
        for (RedisFuture<?> f : batch) {
          f.get(60, TimeUnit.SECONDS);
        }
        batch.clear();
      }
    }
  }

  /**
   * A client-mode service with pub/sub on (so that it can hold a local view) on the benchmark's
   * prefix and channel, not started.
   *
   * @param uri the Redis
   * @return the service
   */
  static dev.titan.discovery.DiscoveryService viewClient(String uri) {
    return dev.titan.discovery.Discovery.builder()
        .redisUri(uri)
        .options(dev.titan.discovery.DiscoveryOptions.builder()
            .clientMode(true)
            .pubSubEnabled(true)
            .pubSubChannel(CHANNEL)
            .redisPrefix(PREFIX)
            .commandTimeout(java.time.Duration.ofSeconds(60))
            .build())
        .build();
  }

}
