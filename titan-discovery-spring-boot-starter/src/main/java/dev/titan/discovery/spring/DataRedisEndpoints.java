package dev.titan.discovery.spring;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;

/**
 * Turns Spring Boot's {@link DataRedisConnectionDetails} ({@code spring.data.redis.*}, or a
 * service connection) into Lettuce URIs for the core. Only loaded when spring-boot-data-redis is
 * on the class path.
 */
final class DataRedisEndpoints {

  private DataRedisEndpoints() {}

  static RedisEndpoint from(DataRedisConnectionDetails details) {
    boolean ssl = details.getSslBundle() != null;
    String userInfo = userInfo(details.getUsername(), details.getPassword());
    DataRedisConnectionDetails.Sentinel sentinel = details.getSentinel();
    if (sentinel != null) {
      StringBuilder b = new StringBuilder(ssl ? "rediss-sentinel://" : "redis-sentinel://").append(userInfo);
      List<String> nodes = new ArrayList<>();
      for (DataRedisConnectionDetails.Node n : sentinel.getNodes()) {
        nodes.add(hostPort(n.host(), n.port()));
      }
      b.append(String.join(",", nodes));
      b.append('/').append(sentinel.getDatabase());
      b.append('#').append(sentinel.getMaster());
      return RedisEndpoint.standalone(b.toString(), "spring.data.redis (Sentinel)");
    }
    DataRedisConnectionDetails.Cluster cluster = details.getCluster();
    if (cluster != null) {
      List<String> seeds = new ArrayList<>();
      for (DataRedisConnectionDetails.Node n : cluster.getNodes()) {
        seeds.add((ssl ? "rediss://" : "redis://") + userInfo + hostPort(n.host(), n.port()));
      }
      return RedisEndpoint.cluster(seeds, "spring.data.redis (Cluster)");
    }
    if (details.getMasterReplica() != null) {
      throw new IllegalStateException(
          "Titan Discovery cannot use a Redis master/replica set-up from spring.data.redis; set titan.discovery.redis-url to the master");
    }
    DataRedisConnectionDetails.Standalone standalone = details.getStandalone();
    String host = standalone != null ? standalone.getHost() : "localhost";
    int port = standalone != null ? standalone.getPort() : 6379;
    int database = standalone != null ? standalone.getDatabase() : 0;
    String uri = (ssl ? "rediss://" : "redis://") + userInfo + hostPort(host, port) + (database != 0 ? "/" + database : "");
    return RedisEndpoint.standalone(uri, "spring.data.redis");
  }

  private static String hostPort(String host, int port) {
    String h = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    return h + ":" + port;
  }

  /**
   * Lettuce splits the decoded user info at its first colon, so a password with a colon needs a
   * user name before it: Redis 6's {@code default} user is used then.
   */
  private static String userInfo(@Nullable String username, @Nullable String password) {
    boolean hasUser = username != null && !username.isEmpty();
    boolean hasPassword = password != null && !password.isEmpty();
    if (!hasPassword) {
      return ""; // a user name alone means no AUTH; Lettuce would take it for a password
    }
    if (!hasUser && password.indexOf(':') >= 0) {
      username = "default";
      hasUser = true;
    }
    return (hasUser ? encode(username) + ":" : "") + encode(password) + "@";
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
