package dev.titan.discovery.benchmarks;

import dev.titan.discovery.Discovery;
import dev.titan.discovery.DiscoveryOptions;
import dev.titan.discovery.DiscoveryService;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM of the one-instance-per-node load ({@link InstanceLoad}): creates one {@link
 * DiscoveryService} per node through the public API ({@code Discovery.builder()} with the node's
 * id, address and services from {@link BenchData}), all sharing one Lettuce {@link
 * ClientResources}, starts them (each {@code start()} registers its node), prints {@code ready}
 * on stdout and then waits to be killed ({@code SIGKILL}): nothing deregisters, so every node
 * stays until its TTL ({@link BenchData#TTL_MILLIS}), as a crashed fleet would leave it.
 *
 * <p>Arguments: {@code URI FIRST COUNT PUBSUB} ({@code PUBSUB} is {@code true} or {@code false}).
 */
public final class NodeLoader {

  /** Registrations in flight at once in one child. */
  private static final int IN_FLIGHT = 32;

  private NodeLoader() {}

  /**
   * Loads nodes {@code FIRST} to {@code FIRST + COUNT - 1}, prints {@code ready COUNT}, then waits
   * until killed (or until stdin closes, when the parent died).
   *
   * @param args {@code URI FIRST COUNT PUBSUB}
   * @throws Exception on failure (the parent sees the exit without {@code ready})
   */
  public static void main(String[] args) throws Exception {
    String uri = args[0];
    int first = Integer.parseInt(args[1]);
    int count = Integer.parseInt(args[2]);
    boolean pubSub = Boolean.parseBoolean(args[3]);
    ClientResources resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2).build();
    // the library's defaults but for what a one-hour load needs: the benchmark's prefix and
    // channel, a TTL that outlives the run (the interval only has to be shorter), and time for a
    // busy shared machine to answer
    DiscoveryOptions options = DiscoveryOptions.builder()
        .redisPrefix(BenchData.PREFIX)
        .pubSubChannel(BenchData.CHANNEL)
        .pubSubEnabled(pubSub)
        .heartbeatTtl(Duration.ofMillis(BenchData.TTL_MILLIS))
        .heartbeatInterval(Duration.ofMillis(BenchData.TTL_MILLIS / 3))
        .commandTimeout(Duration.ofSeconds(60))
        .connectTimeout(Duration.ofSeconds(60))
        .build();
    List<DiscoveryService> services = new ArrayList<>(count);
    Semaphore inFlight = new Semaphore(IN_FLIGHT);
    List<CompletableFuture<Void>> started = new ArrayList<>(count);
    for (int i = first; i < first + count; i++) {
      DiscoveryService d = Discovery.builder()
          .redisUri(uri)
          .clientResources(resources)
          .options(options)
          .nodeId(BenchData.id(i))
          .address(BenchData.address(i))
          .services(BenchData.services(i))
          .build();
      services.add(d);
      inFlight.acquire();
      started.add(d.start().whenComplete((v, e) -> inFlight.release()));
    }
    CompletableFuture.allOf(started.toArray(new CompletableFuture<?>[0])).get(10, TimeUnit.MINUTES);
    for (DiscoveryService d : services) {
      if (!d.isRegistered()) {
        throw new IllegalStateException("not registered after start(): " + d);
      }
    }
    System.out.println("ready " + count);
    System.out.flush();
    // killed by the parent; should the parent die first, its end of stdin closes: leave then, as
    // killed (halt: no shutdown hook, no deregistration)
    try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      while (in.readLine() != null) {
        // nothing is sent
      }
    } catch (IOException ignored) {
      // the parent is gone
    }
    Runtime.getRuntime().halt(0);
  }
}
