package dev.titan.discovery.internal.redis;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The open connections of one discovery service: one for commands and, with pub/sub enabled, one
 * for the subscription; with our own client on Sentinel, the watch of the sentinels. Closing
 * closes all of them, and the client when it is ours.
 */
public final class RedisLink {

  private final RedisTarget target;
  private final StatefulConnection<String, String> connection;
  private final RedisClusterAsyncCommands<String, String> commands;
  private final @Nullable StatefulRedisPubSubConnection<String, String> pubSub;
  private final @Nullable Supplier<CompletableFuture<Void>> release;
  private volatile @Nullable SentinelWatch watch;

  RedisLink(
      RedisTarget target,
      StatefulConnection<String, String> connection,
      RedisClusterAsyncCommands<String, String> commands,
      @Nullable StatefulRedisPubSubConnection<String, String> pubSub,
      @Nullable Supplier<CompletableFuture<Void>> release) {
    this.target = target;
    this.connection = connection;
    this.commands = commands;
    this.pubSub = pubSub;
    this.release = release;
  }

  /**
   * Attaches the watch of the sentinels, closed with the link.
   *
   * @param link the link
   * @param watch the watch, or null
   * @return the link
   */
  static RedisLink watching(RedisLink link, @Nullable SentinelWatch watch) {
    link.watch = watch;
    return link;
  }

  /**
   * Runs an action every time the command connection has connected again (on a Redis I/O thread:
   * it must not block). Commands are accepted again when it runs.
   *
   * @param action the action
   */
  public void onReconnect(Runnable action) {
    if (connection instanceof RedisChannelHandler<?, ?> handler) {
      handler.addListener(new RedisConnectionStateListener() {
        @Override
        public void onRedisConnected(RedisChannelHandler<?, ?> c, SocketAddress address) {
          action.run();
        }
      });
    }
  }

  /**
   * Asynchronous commands, for both standalone and cluster connections.
   *
   * @return the command interface
   */
  public RedisClusterAsyncCommands<String, String> commands() {
    return commands;
  }

  /**
   * The pub/sub connection, or null when pub/sub is disabled.
   *
   * @return the connection
   */
  public @Nullable StatefulRedisPubSubConnection<String, String> pubSub() {
    return pubSub;
  }

  /**
   * Where this link goes, without credentials.
   *
   * @return the description
   */
  public String describe() {
    return target.describe();
  }

  /**
   * Whether the command connection is currently open.
   *
   * @return true when connected
   */
  public boolean isOpen() {
    return connection.isOpen();
  }

  /**
   * Closes the connections, then shuts down the client and its resources if they are ours (and
   * waits for that).
   *
   * @return completes when everything is closed
   */
  public CompletableFuture<Void> closeAsync() {
    List<CompletableFuture<Void>> closing = new ArrayList<>();
    SentinelWatch w = watch;
    if (w != null) {
      closing.add(w.closeAsync());
    }
    if (pubSub != null) {
      closing.add(pubSub.closeAsync());
    }
    closing.add(connection.closeAsync());
    CompletableFuture<Void> all = CompletableFuture.allOf(closing.toArray(new CompletableFuture<?>[0]))
        .handle((v, e) -> null);
    Supplier<CompletableFuture<Void>> r = release;
    return r == null ? all : all.thenCompose(v -> r.get());
  }
}
