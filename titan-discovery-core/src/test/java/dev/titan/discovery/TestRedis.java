package dev.titan.discovery;

import dev.titan.discovery.testkit.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

/**
 * Test helpers around one {@link RedisServer}: discovery services with fast timings, each test on
 * its own key prefix and channel (so tests sharing a server never see each other), and a plain
 * Lettuce connection to inspect and tamper with Redis.
 */
final class TestRedis implements AutoCloseable {

  final RedisServer server;
  final String prefix;
  final String channel;
  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;
  private StatefulRedisConnection<String, String> writerConnection; // guarded by this
  private final List<AutoCloseable> closeables = Collections.synchronizedList(new ArrayList<>());

  TestRedis(RedisServer server) {
    this(server, "t" + UUID.randomUUID().toString().substring(0, 8) + ":discovery");
  }

  TestRedis(RedisServer server, String prefix) {
    this.server = server;
    this.prefix = prefix;
    this.channel = prefix + ":events";
    this.client = RedisClient.create(server.uri());
    this.connection = client.connect();
  }

  /** Synchronous commands for assertions and tampering. */
  RedisCommands<String, String> redis() {
    return connection.sync();
  }

  /**
   * Asynchronous commands on a connection of their own, for registry writers and readers used
   * outside any discovery service; opened on first use, closed with this helper.
   */
  synchronized RedisAsyncCommands<String, String> async() {
    if (writerConnection == null) {
      writerConnection = client.connect();
      closeables.add(writerConnection::close);
    }
    return writerConnection.async();
  }

  /** Fast options on this test's prefix and channel, pub/sub on. */
  DiscoveryOptions.Builder fastOptions() {
    return fastOptions(prefix, channel);
  }

  /** Fast test timings (interval 200 ms, TTL 1 s) on a prefix and channel, pub/sub on. */
  static DiscoveryOptions.Builder fastOptions(String prefix, String channel) {
    return DiscoveryOptions.builder()
        .heartbeatInterval(Duration.ofMillis(200))
        .heartbeatTtl(Duration.ofMillis(1000))
        .retryDelay(Duration.ofMillis(50))
        .connectTimeout(Duration.ofSeconds(5))
        .commandTimeout(Duration.ofSeconds(2))
        .pubSubEnabled(true)
        .pubSubChannel(channel)
        .redisPrefix(prefix);
  }

  /** A builder on this server with fast options; closed with this helper. */
  Discovery.Builder builder() {
    return Discovery.builder().redisUri(server.uri()).options(fastOptions().build());
  }

  /** Builds, remembers for closing, and starts. */
  DiscoveryService started(Discovery.Builder builder) {
    DiscoveryService d = builder.build();
    closeables.add(d);
    d.start().join();
    return d;
  }

  /** A provider node with a fixed id and services, started. */
  DiscoveryService node(String id, String address, ServiceInfo... services) {
    return started(builder().nodeId(id).address(address).services(List.of(services)));
  }

  /** A client-mode service, started. */
  DiscoveryService client() {
    return started(Discovery.builder().redisUri(server.uri()).options(fastOptions().clientMode(true).build()));
  }

  /** Writes a node exactly as the TypeScript implementation does (no index entries of ours). */
  void writeTypeScriptNode(String id, String address, String servicesJson, long ttlMillis) {
    String ts = Long.toString(System.currentTimeMillis());
    redis().hset(prefix + ":nodes:" + id, java.util.Map.of("address", address, "services", servicesJson, "timestamp", ts));
    redis().expire(prefix + ":nodes:" + id, (ttlMillis + 999) / 1000);
    redis().psetex(prefix + ":heartbeat:" + id, ttlMillis, ts);
    redis().sadd(prefix + ":index:nodes", id);
  }

  /**
   * Writes six broken nodes m1 to m6 into {@code index:nodes}, each with a heartbeat: m1 lacks
   * fields, m2's services are not JSON, m3's node key is a string, m4's heartbeat key is a set
   * (EXISTS still counts it as alive; its hash is fine, offering nothing), m5's timestamp is not a
   * number, m6's services have the wrong shape. Only m4 is a readable, active node.
   */
  void writeMalformedNodes() {
    String p = prefix;
    redis().sadd(p + ":index:nodes", "m1", "m2", "m3", "m4", "m5", "m6");
    redis().hset(p + ":nodes:m1", java.util.Map.of("address", "x:1"));
    redis().hset(p + ":nodes:m2", java.util.Map.of("address", "x:1", "services", "{{nope", "timestamp", "1"));
    redis().set(p + ":nodes:m3", "i am a string");
    redis().hset(p + ":nodes:m4", java.util.Map.of("address", "x:1", "services", "[]", "timestamp", "1"));
    redis().hset(p + ":nodes:m5", java.util.Map.of("address", "x:1", "services", "[]", "timestamp", "soon"));
    redis().hset(p + ":nodes:m6", java.util.Map.of("address", "x:1", "services", "[{\"name\":5}]", "timestamp", "1"));
    for (String id : List.of("m1", "m2", "m3", "m5", "m6")) {
      redis().set(p + ":heartbeat:" + id, "1");
    }
    redis().sadd(p + ":heartbeat:m4", "weird");
  }

  /** Records raw messages on this test's channel. */
  List<String> recordChannel() {
    return recordChannel(channel);
  }

  /** Records raw messages on a channel. */
  List<String> recordChannel(String channel) {
    List<String> messages = Collections.synchronizedList(new ArrayList<>());
    StatefulRedisPubSubConnection<String, String> ps = client.connectPubSub();
    ps.addListener(new RedisPubSubAdapter<>() {
      @Override
      public void message(String ch, String message) {
        messages.add(message);
      }
    });
    ps.sync().subscribe(channel);
    closeables.add(ps::close);
    return messages;
  }

  /** Keys under this test's prefix. */
  List<String> keys() {
    List<String> keys = new ArrayList<>(redis().keys(prefix + ":*"));
    Collections.sort(keys);
    return keys;
  }

  void track(AutoCloseable c) {
    closeables.add(c);
  }

  @Override
  public void close() {
    List<AutoCloseable> copy;
    synchronized (closeables) {
      copy = new ArrayList<>(closeables);
    }
    Collections.reverse(copy);
    for (AutoCloseable c : copy) {
      try {
        c.close();
      } catch (Exception ignored) {
        // test teardown
      }
    }
    try {
      connection.close();
    } catch (RuntimeException ignored) {
      // server may be gone
    }
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}
