package dev.titan.discovery.internal.redis;

import dev.titan.discovery.DiscoveryOptions;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the connections of a discovery service, retrying until {@link
 * DiscoveryOptions#connectTimeout()} so that a Redis that comes up meanwhile is still reached.
 * Options are applied only to clients we create; a caller's client is used as configured.
 */
public final class RedisConnector {

  private static final Logger LOG = LoggerFactory.getLogger(RedisConnector.class);
  private static final Duration MAX_CONNECT_RETRY_DELAY = Duration.ofSeconds(1);

  private RedisConnector() {}

  /**
   * Client resources for a client we own: reconnects quickly (jittered, at most 1 s apart), so a
   * restarted Redis is found again within a heartbeat interval, and a fleet does not reconnect in
   * lock-step; at once when Sentinel announces a new master ({@link FastReconnect}).
   *
   * @return new resources; shut them down with {@link FastReconnect#shutdown(ClientResources)}
   */
  public static ClientResources ownedResources() {
    return FastReconnect.resources();
  }

  /**
   * Client options for a standalone or Sentinel client we own.
   *
   * @param options discovery options
   * @return the client options
   */
  public static ClientOptions clientOptions(DiscoveryOptions options) {
    return ClientOptions.builder()
        .autoReconnect(true)
        .protocolVersion(ProtocolVersion.RESP2)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .socketOptions(socketOptions(options))
        .timeoutOptions(TimeoutOptions.enabled(options.commandTimeout()))
        .build();
  }

  /**
   * Client options for a cluster client we own: topology refreshed on MOVED/ASK and on reconnect.
   *
   * @param options discovery options
   * @return the cluster client options
   */
  public static ClusterClientOptions clusterOptions(DiscoveryOptions options) {
    return ClusterClientOptions.builder()
        .autoReconnect(true)
        .protocolVersion(ProtocolVersion.RESP2)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .socketOptions(socketOptions(options))
        .timeoutOptions(TimeoutOptions.enabled(options.commandTimeout()))
        .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
            .enableAllAdaptiveRefreshTriggers()
            .enablePeriodicRefresh(Duration.ofSeconds(30))
            .build())
        .build();
  }

  private static SocketOptions socketOptions(DiscoveryOptions options) {
    Duration connect = options.connectTimeout().compareTo(Duration.ofSeconds(5)) < 0 ? options.connectTimeout() : Duration.ofSeconds(5);
    return SocketOptions.builder().connectTimeout(connect).keepAlive(true).build();
  }

  /**
   * Connects, retrying with growing delays until the connect timeout has passed.
   *
   * @param target where to connect
   * @param options discovery options (connect timeout, retry delay)
   * @param withPubSub whether to open the pub/sub connection too
   * @param scheduler runs the retry delays
   * @param release shuts down the client and resources when they are ours (idempotent), or null
   * @return the open link; fails with a {@link dev.titan.discovery.DiscoveryException} naming the
   *     address. Completing it (exceptionally) from outside stops the retries: no attempt starts
   *     after that, and a connection that an attempt in flight opens afterwards is closed.
   */
  public static CompletableFuture<RedisLink> connect(
      RedisTarget target,
      DiscoveryOptions options,
      boolean withPubSub,
      ScheduledExecutorService scheduler,
      @Nullable Supplier<CompletableFuture<Void>> release) {
    long deadline = System.nanoTime() + options.connectTimeout().toNanos();
    CompletableFuture<RedisLink> result = new CompletableFuture<>();
    attempt(target, options, withPubSub, scheduler, release, deadline, 1, result);
    return result;
  }

  private static void attempt(
      RedisTarget target,
      DiscoveryOptions options,
      boolean withPubSub,
      ScheduledExecutorService scheduler,
      @Nullable Supplier<CompletableFuture<Void>> release,
      long deadline,
      int attempt,
      CompletableFuture<RedisLink> result) {
    if (result.isDone()) {
      return; // given up from outside (the service was stopped)
    }
    long remaining = deadline - System.nanoTime();
    openOnce(target, withPubSub, release)
        .orTimeout(Math.max(1, remaining), TimeUnit.NANOSECONDS)
        .whenComplete((link, error) -> {
          if (error == null) {
            if (attempt > 1) {
              LOG.info("Connected to {} after {} attempts", target.describe(), attempt);
            }
            if (!result.complete(link)) {
              link.closeAsync();
            }
            return;
          }
          Throwable cause = unwrap(error);
          long left = deadline - System.nanoTime();
          long delayNanos = Math.min(
              options.retryDelay().toNanos() << Math.min(attempt - 1, 20), MAX_CONNECT_RETRY_DELAY.toNanos());
          if (left <= delayNanos || result.isDone()) {
            result.completeExceptionally(new dev.titan.discovery.DiscoveryException(
                "Cannot connect to " + target.describe() + " within " + options.connectTimeout().toMillis()
                    + " ms (" + attempt + " attempts): " + reason(cause), cause));
            return;
          }
          LOG.debug("Connecting to {} failed (attempt {}): {}", target.describe(), attempt, reason(cause));
          try {
            scheduler.schedule(
                () -> attempt(target, options, withPubSub, scheduler, release, deadline, attempt + 1, result),
                delayNanos, TimeUnit.NANOSECONDS);
          } catch (java.util.concurrent.RejectedExecutionException stopping) {
            result.completeExceptionally(new IllegalStateException("DiscoveryService stopped while connecting"));
          }
        });
  }

  private static CompletableFuture<RedisLink> openOnce(
      RedisTarget target, boolean withPubSub, @Nullable Supplier<CompletableFuture<Void>> release) {
    CompletableFuture<? extends StatefulConnection<String, String>> main;
    CompletableFuture<? extends StatefulRedisPubSubConnection<String, String>> pubSub;
    CompletableFuture<@Nullable SentinelWatch> watch = CompletableFuture.completedFuture(null);
    if (target instanceof RedisTarget.Standalone s) {
      main = s.client().connectAsync(StringCodec.UTF8, s.uri()).toCompletableFuture();
      pubSub = withPubSub
          ? s.client().connectPubSubAsync(StringCodec.UTF8, s.uri()).toCompletableFuture()
          : CompletableFuture.completedFuture(null);
      FastReconnect fast = s.owned() ? FastReconnect.of(s.client().getResources()) : null;
      if (fast != null && !s.uri().getSentinels().isEmpty()) {
        // only with our own resources: a caller's client reconnects as the caller configured it
        watch = SentinelWatch.start(s.client(), s.uri(), fast).thenApply(w -> w);
      }
    } else {
      RedisTarget.Cluster c = (RedisTarget.Cluster) target;
      // connectAsync needs the topology loaded first ("Partitions not initialized" otherwise):
      // load it without blocking, then open both connections
      CompletableFuture<Void> topology = c.client().refreshPartitionsAsync().toCompletableFuture();
      main = topology.thenCompose(v -> c.client().connectAsync(StringCodec.UTF8)).thenCompose(RedisConnector::warmUp);
      pubSub = withPubSub
          ? topology.thenCompose(v -> c.client().connectPubSubAsync(StringCodec.UTF8))
          : CompletableFuture.completedFuture(null);
    }
    CompletableFuture<@Nullable SentinelWatch> w = watch;
    return main.thenCombine(pubSub, (conn, ps) -> {
          RedisClusterAsyncCommands<String, String> commands = conn instanceof StatefulRedisConnection<String, String> sc
              ? sc.async()
              : ((StatefulRedisClusterConnection<String, String>) conn).async();
          return new RedisLink(target, conn, commands, ps, release);
        })
        .thenCombine(w, RedisLink::watching)
        .whenComplete((link, error) -> {
          if (error != null) { // close whichever half did open
            main.thenAccept(StatefulConnection::closeAsync);
            pubSub.thenAccept(ps -> {
              if (ps != null) {
                ps.closeAsync();
              }
            });
            w.thenAccept(sw -> {
              if (sw != null) {
                sw.closeAsync();
              }
            });
          }
        });
  }

  /**
   * Opens the connection to every master before the first command: Lettuce opens node
   * connections on first use, and with commands rejected while disconnected (fail fast) the first
   * command to each master failed with "Currently not connected". A master that cannot be reached
   * now is left to the first command, as before.
   */
  private static CompletableFuture<StatefulRedisClusterConnection<String, String>> warmUp(
      StatefulRedisClusterConnection<String, String> conn) {
    List<CompletableFuture<?>> nodes = new ArrayList<>();
    for (RedisClusterNode n : conn.getPartitions()) {
      if (n.is(RedisClusterNode.NodeFlag.UPSTREAM)) {
        // by host and port: Lettuce keys the connections it routes slots to that way
        nodes.add(conn.getConnectionAsync(n.getUri().getHost(), n.getUri().getPort()).exceptionally(e -> null));
      }
    }
    return CompletableFuture.allOf(nodes.toArray(new CompletableFuture<?>[0])).thenApply(v -> conn);
  }

  /**
   * The error inside completion and execution wrappers.
   *
   * @param e the error
   * @return the innermost cause that is not a wrapper
   */
  public static Throwable unwrap(Throwable e) {
    Throwable t = e;
    while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /**
   * A one-line reason for an error, with the root cause's message; never a stack trace.
   *
   * @param error the error
   * @return the reason
   */
  public static String reason(Throwable error) {
    Throwable t = unwrap(error);
    if (t instanceof TimeoutException) {
      return "timed out";
    }
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String msg = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    if (root != t && root.getMessage() != null && !msg.contains(root.getMessage())) {
      msg = msg + ": " + root.getMessage();
    }
    return msg;
  }
}
