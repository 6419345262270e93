package dev.titan.discovery.spring;

import dev.titan.discovery.Discovery;
import java.util.List;

/**
 * Where Titan Discovery connects: one URI (standalone or Sentinel) or Redis Cluster seeds.
 *
 * @param uri the standalone or Sentinel URI, or null for a cluster
 * @param clusterUris the cluster seed URIs, empty when not a cluster
 * @param source where the settings came from, for logs
 */
record RedisEndpoint(String uri, List<String> clusterUris, String source) {

  static RedisEndpoint standalone(String uri, String source) {
    return new RedisEndpoint(uri, List.of(), source);
  }

  static RedisEndpoint cluster(List<String> seeds, String source) {
    return new RedisEndpoint("", List.copyOf(seeds), source);
  }

  boolean isCluster() {
    return !clusterUris.isEmpty();
  }

  void applyTo(Discovery.Builder builder) {
    if (isCluster()) {
      builder.redisClusterUris(clusterUris);
    } else {
      builder.redisUri(uri);
    }
  }
}
