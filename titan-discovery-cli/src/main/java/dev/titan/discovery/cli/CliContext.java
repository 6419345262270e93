package dev.titan.discovery.cli;

import dev.titan.discovery.Discovery;
import dev.titan.discovery.DiscoveryOptions;
import dev.titan.discovery.DiscoveryService;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * What a command works with: the global options, the output, a plain Lettuce connection for raw
 * inspection and, when needed, a client-mode {@link DiscoveryService} on the same client. Opened
 * lazily, closed by {@link #close()}.
 */
final class CliContext implements AutoCloseable {

  private final GlobalOptions options;
  private final Output output;
  private final RegistryKeys keys;
  private final List<RedisURI> uris = new ArrayList<>();
  private @Nullable AbstractRedisClient client;
  private @Nullable StatefulConnection<String, String> connection;
  private @Nullable RedisClusterAsyncCommands<String, String> commands;
  private @Nullable DiscoveryService discovery;

  CliContext(GlobalOptions options, PrintWriter out, PrintWriter err) {
    this.options = options;
    this.output = new Output(out, err, options.output, Output.colorByDefault());
    this.keys = new RegistryKeys(RegistryKeys.effectivePrefix(options.prefix, options.cluster));
  }

  GlobalOptions options() {
    return options;
  }

  Output out() {
    return output;
  }

  RegistryKeys keys() {
    return keys;
  }

  String channel() {
    return options.channel;
  }

  /** Where Redis is, for messages: the URL(s) without passwords. */
  String where() {
    List<String> shown = new ArrayList<>();
    for (String u : options.urls()) {
      shown.add(u.replaceAll("://[^@/]*@", "://***@"));
    }
    return String.join(",", shown);
  }

  /** The raw commands, connected on first use (fails fast with one line). */
  synchronized RedisClusterAsyncCommands<String, String> redis() {
    if (commands == null) {
      connect();
    }
    return commands;
  }

  /** Waits for a Redis reply; a failure becomes one line. */
  <T> T await(CompletionStage<T> future) {
    try {
      return future.toCompletableFuture().get(options.timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCodes.ERROR, "interrupted");
    } catch (Exception e) {
      throw Errors.redis(where(), e);
    }
  }

  /** Redis server time in epoch milliseconds (TIME). */
  long redisTimeMillis() {
    List<String> t = await(redis().time());
    return Long.parseLong(t.get(0)) * 1000 + Long.parseLong(t.get(1)) / 1000;
  }

  /** A started client-mode discovery service on the same client (publishes events). */
  synchronized DiscoveryService discovery() {
    if (discovery == null) {
      redis();
      DiscoveryOptions o = DiscoveryOptions.builder()
          .clientMode(true)
          .pubSubEnabled(true)
          .redisPrefix(options.prefix)
          .pubSubChannel(options.channel)
          .connectTimeout(options.timeout)
          .commandTimeout(options.timeout)
          .maxRetries(1)
          .build();
      Discovery.Builder b = Discovery.builder().options(o).nodeId("titan-cli-" + ProcessHandle.current().pid());
      if (client instanceof RedisClusterClient cc) {
        b.redisClusterClient(cc);
      } else {
        b.redisClient((RedisClient) client).redisUri(options.urls().get(0));
      }
      DiscoveryService d = b.build();
      discovery = d;
      await(d.start());
    }
    return discovery;
  }

  /** A pub/sub connection on the same client. */
  StatefulRedisPubSubConnection<String, String> pubSub() {
    redis();
    try {
      return client instanceof RedisClusterClient cc ? cc.connectPubSub() : ((RedisClient) client).connectPubSub();
    } catch (RuntimeException e) {
      throw Errors.redis(where(), e);
    }
  }

  private void connect() {
    Duration timeout = options.timeout;
    for (String u : options.urls()) {
      RedisURI uri;
      try {
        uri = RedisURI.create(u.trim());
      } catch (RuntimeException e) {
        throw CliException.usage("'" + u.replaceAll("://[^@/]*@", "://***@")
            + "' is not a Redis URL: use redis://[user:password@]host:port (or rediss://, redis-sentinel://)");
      }
      uri.setTimeout(timeout);
      uris.add(uri);
    }
    SocketOptions socket = SocketOptions.builder().connectTimeout(timeout).build();
    TimeoutOptions timeouts = TimeoutOptions.enabled(timeout);
    try {
      if (options.cluster) {
        RedisClusterClient cc = RedisClusterClient.create(uris);
        client = cc;
        cc.setOptions(ClusterClientOptions.builder().socketOptions(socket).timeoutOptions(timeouts).build());
        var c = cc.connect();
        connection = c;
        commands = c.async();
      } else {
        if (uris.size() > 1) {
          throw CliException.usage("several --redis URLs need --cluster (they are cluster seeds)");
        }
        RedisClient rc = RedisClient.create(uris.get(0));
        client = rc;
        rc.setOptions(ClientOptions.builder().socketOptions(socket).timeoutOptions(timeouts).build());
        var c = rc.connect();
        connection = c;
        commands = c.async();
      }
    } catch (CliException e) {
      throw e;
    } catch (RuntimeException e) {
      throw Errors.redis(where(), e);
    }
    // a server that wants a password says so here; TIME, not PING: the least-privilege ACL rule
    // of docs/production.md allows it (PING is not among the commands the library needs)
    await(commands.time());
  }

  @Override
  public synchronized void close() {
    if (discovery != null) {
      try {
        discovery.close();
      } catch (RuntimeException ignored) {
        // closing: nothing left to report
      }
    }
    if (connection != null) {
      connection.closeAsync();
    }
    if (client != null) {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }
}
