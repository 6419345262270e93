package dev.titan.discovery.internal.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens on every sentinel of a {@code redis-sentinel://} URI for {@code +switch-master} of our
 * master and then reconnects our connections at once ({@link FastReconnect#masterSwitched()}),
 * instead of after Lettuce's reconnect back-off. Each sentinel announces the switch when it
 * learns of it; Lettuce asks the sentinels in the URI's order for the master, so a reconnect
 * started by an early announcement may still be sent to the old master, and the next
 * announcement (or the short back-off after a switch) starts another.
 *
 * <p>Best effort: a sentinel that cannot be reached is left out (the connection to the others
 * suffices; without any, reconnects follow the ordinary back-off). The connections reconnect and
 * subscribe again by themselves.
 */
public final class SentinelWatch {

  private static final Logger LOG = LoggerFactory.getLogger(SentinelWatch.class);
  /** The channel on which a sentinel announces a new master. */
  public static final String SWITCH_MASTER = "+switch-master";

  private final String masterId;
  private final FastReconnect fast;
  private final List<StatefulRedisPubSubConnection<String, String>> connections = new CopyOnWriteArrayList<>();
  private volatile @Nullable String lastAnnounced;

  private SentinelWatch(String masterId, FastReconnect fast) {
    this.masterId = masterId;
    this.fast = fast;
  }

  /**
   * Subscribes to {@code +switch-master} on every sentinel of the URI.
   *
   * @param client the client (ours) whose connections follow the master
   * @param uri the Sentinel URI
   * @param fast the client's reconnect timing
   * @return completes when every sentinel subscribed or failed; never fails
   */
  public static CompletableFuture<SentinelWatch> start(RedisClient client, RedisURI uri, FastReconnect fast) {
    SentinelWatch watch = new SentinelWatch(uri.getSentinelMasterId(), fast);
    List<CompletableFuture<Void>> subscribed = new ArrayList<>();
    for (RedisURI sentinel : uri.getSentinels()) {
      subscribed.add(client.connectPubSubAsync(StringCodec.UTF8, sentinel).toCompletableFuture()
          .thenCompose(c -> {
            watch.connections.add(c);
            c.addListener(watch.new Listener(sentinel.getHost() + ":" + sentinel.getPort()));
            return c.async().subscribe(SWITCH_MASTER).toCompletableFuture();
          })
          .handle((v, e) -> {
            if (e != null) {
              LOG.warn("Cannot watch sentinel {}:{} for failovers ({}); reconnects after a failover may wait for the"
                  + " reconnect back-off", sentinel.getHost(), sentinel.getPort(), RedisConnector.reason(e));
            }
            return null;
          }));
    }
    return CompletableFuture.allOf(subscribed.toArray(new CompletableFuture<?>[0])).thenApply(v -> watch);
  }

  /**
   * Closes the connections to the sentinels.
   *
   * @return completes when closed
   */
  public CompletableFuture<Void> closeAsync() {
    return CompletableFuture.allOf(connections.stream().map(StatefulRedisPubSubConnection::closeAsync)
        .toArray(CompletableFuture<?>[]::new)).handle((v, e) -> null);
  }

  private void switched(String source, String message) {
    // "<master name> <old ip> <old port> <new ip> <new port>"
    String[] parts = message.split(" ");
    if (parts.length != 5 || !parts[0].equals(masterId)) {
      return;
    }
    int fired = fast.masterSwitched();
    String to = parts[3] + ":" + parts[4];
    if (!to.equals(lastAnnounced)) {
      lastAnnounced = to;
      LOG.info("Sentinel {} reports master {} moved from {}:{} to {}; reconnecting now ({} connections waiting)",
          source, masterId, parts[1], parts[2], to, fired);
    } else {
      LOG.debug("Sentinel {} reports master {} at {} too ({} connections waiting)", source, masterId, to, fired);
    }
  }

  private final class Listener extends RedisPubSubAdapter<String, String> {
    private final String source;

    Listener(String source) {
      this.source = source;
    }

    @Override
    public void message(String channel, String message) {
      if (SWITCH_MASTER.equals(channel) && message != null) {
        switched(source, message);
      }
    }
  }
}
