package dev.titan.discovery.internal.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import java.util.List;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Where to connect: a standalone or Sentinel-managed Redis through a {@link RedisClient}, or a
 * Redis Cluster through a {@link RedisClusterClient}. {@code owned} says whether the client was
 * made by us (and so is ours to shut down) or handed in by the caller (never shut down by us).
 */
public sealed interface RedisTarget {

  /**
   * A description for logs and errors: scheme, hosts and ports, never credentials.
   *
   * @return the description
   */
  String describe();

  /**
   * Whether the client is ours to shut down.
   *
   * @return true when we created it
   */
  boolean owned();

  /**
   * Shuts the client down (only call it for a client we own).
   *
   * @return completes when done
   */
  java.util.concurrent.CompletableFuture<Void> shutdownClient();

  /**
   * Standalone or Sentinel.
   *
   * @param client the client
   * @param uri the URI to connect to
   * @param owned whether we created the client
   */
  record Standalone(RedisClient client, RedisURI uri, boolean owned) implements RedisTarget {
    @Override
    public String describe() {
      return RedisTarget.describe(uri);
    }

    @Override
    public java.util.concurrent.CompletableFuture<Void> shutdownClient() {
      return client.shutdownAsync();
    }
  }

  /**
   * Redis Cluster.
   *
   * @param client the client
   * @param seeds the seed URIs (for descriptions; may be empty for a caller's client)
   * @param owned whether we created the client
   */
  record Cluster(RedisClusterClient client, List<RedisURI> seeds, boolean owned) implements RedisTarget {
    @Override
    public java.util.concurrent.CompletableFuture<Void> shutdownClient() {
      return client.shutdownAsync();
    }

    @Override
    public String describe() {
      if (seeds.isEmpty()) {
        return "Redis Cluster (caller's client)";
      }
      return "Redis Cluster " + seeds.stream().map(RedisTarget::describe).collect(Collectors.joining(", ", "[", "]"));
    }
  }

  /**
   * Describes a URI without its credentials.
   *
   * @param uri the URI
   * @return e.g. {@code redis://127.0.0.1:6379/0}, {@code rediss://host:6380}, or {@code
   *     redis-sentinel://s1:26379,s2:26379 (master mymaster)}
   */
  static String describe(@Nullable RedisURI uri) {
    if (uri == null) {
      return "(unknown Redis)";
    }
    if (!uri.getSentinels().isEmpty()) {
      String hosts = uri.getSentinels().stream().map(s -> s.getHost() + ":" + s.getPort()).collect(Collectors.joining(","));
      return "redis-sentinel://" + hosts + " (master " + uri.getSentinelMasterId() + ")";
    }
    String scheme = uri.isSsl() ? "rediss" : "redis";
    if (uri.getSocket() != null) {
      return "redis-socket://" + uri.getSocket();
    }
    String host = uri.getHost();
    if (host != null && host.indexOf(':') >= 0) {
      host = "[" + host + "]";
    }
    return scheme + "://" + host + ":" + uri.getPort() + (uri.getDatabase() != 0 ? "/" + uri.getDatabase() : "");
  }
}
