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
   * Creates the client when it is ours and connects (with retries, see {@link RedisConnector}).
   * When nothing could be connected, a client we created is shut down again.
   *
   * @param options discovery options
   * @param scheduler runs retry delays
   * @return the open link
   */
  public CompletableFuture<RedisLink> open(DiscoveryOptions options, ScheduledExecutorService scheduler) {
    RedisTarget target;
    Runnable release = null;
    if (clusterClient != null) {
      target = new RedisTarget.Cluster(clusterClient, List.of(), false);
    } else if (client != null) {
      target = new RedisTarget.Standalone(client, requireUri(), false);
    } else {
      ClientResources res = resources;
      if (res == null) {
        ClientResources own = RedisConnector.ownedResources();
        res = own;
        release = () -> FastReconnect.shutdown(own);
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
    RedisTarget t = target;
    Runnable r = release;
    return RedisConnector.connect(t, options, options.pubSubEnabled(), scheduler, r).whenComplete((link, e) -> {
      if (e != null && t.owned()) { // nothing connected: release the client now
        t.shutdownClient().whenComplete((x, y) -> {
          if (r != null) {
            r.run();
          }
        });
      }
    });
  }

  private RedisURI requireUri() {
    if (uri == null) {
      throw new IllegalStateException("no Redis URI");
    }
    return uri;
  }
}
