package dev.titan.discovery.internal.redis;

import dev.titan.discovery.DiscoveryOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.resource.ClientResources;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * How to reach Redis, as the builder resolved it, and the rule of ownership: a client made here
 * (from a URI) is ours to close, with its resources unless the caller lent them; a caller's
 * client is used as it is and never closed.
 *
 * @param uri standalone/Sentinel URI, or null for cluster
 * @param client the caller's standalone client, or null to create one
 * @param clusterClient the caller's cluster client, or null
 * @param clusterSeeds cluster seeds when we create the cluster client
 * @param resources the caller's client resources, or null
 * @param sslOptions TLS settings for a client we create, or null for Lettuce's defaults
 */
public record ConnectionSpec(
    @Nullable RedisURI uri,
    @Nullable RedisClient client,
    @Nullable RedisClusterClient clusterClient,
    List<RedisURI> clusterSeeds,
    @Nullable ClientResources resources,
    @Nullable SslOptions sslOptions) {

  /**
   * A connection under way: the link, and what releases a client we created when the connection
   * fails or is given up.
   *
   * @param link the connector's own future: completing it exceptionally stops the retries
   * @param released completes once a client and resources we created are shut down after a
   *     failed or given-up connection (at once when the connection succeeded or nothing is ours)
   */
  public record Connecting(CompletableFuture<RedisLink> link, CompletableFuture<Void> released) {
    /**
     * Gives up: no further attempt is made, a client we created is shut down (see {@link
     * #released()}), and a connection that an attempt in flight opens afterwards is closed.
     *
     * @param why the reason the link fails with
     */
    public void cancel(Throwable why) {
      link.completeExceptionally(why);
    }
  }

  /**
   * Creates the client when it is ours and connects (with retries, see {@link RedisConnector}).
   * When nothing could be connected, or the connection is given up, a client we created is shut
   * down again, with its resources when those are ours too.
   *
   * @param options discovery options
   * @param scheduler runs retry delays
   * @return the connection under way
   */
  public Connecting open(DiscoveryOptions options, ScheduledExecutorService scheduler) {
    RedisTarget target;
    ClientResources ownResources = null;
    if (clusterClient != null) {
      target = new RedisTarget.Cluster(clusterClient, List.of(), false);
    } else if (client != null) {
      target = new RedisTarget.Standalone(client, requireUri(), false);
    } else {
      ClientResources res = resources;
      if (res == null) {
        ownResources = RedisConnector.ownedResources();
        res = ownResources;
      }
      if (!clusterSeeds.isEmpty()) {
        RedisClusterClient c = RedisClusterClient.create(res, clusterSeeds);
        c.setOptions(sslOptions == null
            ? RedisConnector.clusterOptions(options)
            : RedisConnector.clusterOptions(options).mutate().sslOptions(sslOptions).build());
        target = new RedisTarget.Cluster(c, clusterSeeds, true);
      } else {
        RedisClient c = RedisClient.create(res);
        c.setOptions(sslOptions == null
            ? RedisConnector.clientOptions(options)
            : RedisConnector.clientOptions(options).mutate().sslOptions(sslOptions).build());
        target = new RedisTarget.Standalone(c, requireUri(), true);
      }
    }
    Supplier<CompletableFuture<Void>> release = target.owned() ? once(target, ownResources) : null;
    CompletableFuture<RedisLink> link = RedisConnector.connect(target, options, options.pubSubEnabled(), scheduler, release);
    CompletableFuture<Void> released = new CompletableFuture<>();
    link.whenComplete((l, e) -> {
      if (e == null || release == null) {
        released.complete(null);
      } else { // nothing connected, or given up: release the client now
        release.get().whenComplete((x, y) -> released.complete(null));
      }
    });
    return new Connecting(link, released);
  }

  /** Shuts down our client, then our resources (when ours), once however often it is called. */
  private static Supplier<CompletableFuture<Void>> once(RedisTarget target, @Nullable ClientResources ownResources) {
    AtomicReference<CompletableFuture<Void>> done = new AtomicReference<>();
    return () -> {
      CompletableFuture<Void> mine = new CompletableFuture<>();
      if (!done.compareAndSet(null, mine)) {
        return done.get();
      }
      target.shutdownClient().handle((x, e) -> null).whenComplete((x, e) -> {
        if (ownResources == null) {
          mine.complete(null);
          return;
        }
        FastReconnect.shutdown(ownResources).whenComplete((v, err) -> mine.complete(null));
      });
      return mine;
    };
  }

  private RedisURI requireUri() {
    if (uri == null) {
      throw new IllegalStateException("no Redis URI");
    }
    return uri;
  }
}
