package dev.titan.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.titan.discovery.testkit.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Soak: {@code soak.nodes} nodes (default 1,000) with churn (graceful stops, kills that leave the
 * node to expire, new starts) for {@code soak.minutes} (default 10) against one real Redis. After
 * all stop, Redis holds no key of the prefix; the JVM's thread count and heap after GC do not
 * grow between the end of the warm-up and the end of the run.
 *
 * <p>Not part of {@code mvn verify}: run it with {@code mvn -B -pl titan-discovery-core -am verify
 * -Psoak -Dsoak.minutes=10}.
 */
class DiscoverySoak {

  private static final String PREFIX = "soak:discovery";
  private static final String CHANNEL = PREFIX + ":events";

  /** A running node and, for nodes that will be killed, its own client. */
  private record Running(DiscoveryService service, RedisClient ownClient) {}

  @Test
  void churnForMinutes() throws Exception {
    int nodes = Integer.getInteger("soak.nodes", 1000);
    double minutes = Double.parseDouble(System.getProperty("soak.minutes", "10"));
    long seed = Long.getLong("soak.seed", 42L);
    Random random = new Random(seed);
    int threadsBefore = threads();
    try (RedisServer server = RedisServer.start()) {
      ClientResources resources = DefaultClientResources.builder().ioThreadPoolSize(4).computationThreadPoolSize(2).build();
      RedisClient shared = RedisClient.create(resources);
      long keysBaseline = dbsize(server);
      DiscoveryOptions watching = DiscoveryOptions.builder()
          .heartbeatInterval(Duration.ofSeconds(1)).heartbeatTtl(Duration.ofSeconds(3))
          .retryDelay(Duration.ofMillis(200)).redisPrefix(PREFIX).pubSubChannel(CHANNEL).pubSubEnabled(true).build();
      DiscoveryOptions quiet = watching.toBuilder().pubSubEnabled(false).build();
      int[] counter = {0};
      List<Running> running = new ArrayList<>();
      java.util.function.Supplier<Running> start = () -> {
        int n = counter[0]++;
        boolean killable = random.nextInt(4) == 0;
        RedisClient own = killable ? RedisClient.create(resources) : null;
        DiscoveryService d = Discovery.builder()
            .redisClient(own != null ? own : shared)
            .redisUri(server.uri())
            .clientResources(resources)
            .options(n % 10 == 0 ? watching : quiet)
            .nodeId("soak-" + n)
            .address("10.1." + (n / 250 % 250) + "." + (n % 250) + ":8080")
            .services(List.of(ServiceInfo.of("svc-" + (n % 20), "1." + (n % 3))))
            .build();
        return new Running(d, own);
      };

      long began = System.nanoTime();
      List<CompletableFuture<Void>> starting = new ArrayList<>();
      for (int i = 0; i < nodes; i++) {
        Running r = start.get();
        running.add(r);
        starting.add(r.service().start());
        if (starting.size() == 50) {
          CompletableFuture.allOf(starting.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
          starting.clear();
        }
      }
      CompletableFuture.allOf(starting.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
      long startedMillis = (System.nanoTime() - began) / 1_000_000;
      EventLog events = new EventLog();
      running.get(0).service().onEvent(events);
      await().atMost(Duration.ofSeconds(30)).until(() -> scard(server) == nodes);

      long end = System.nanoTime() + (long) (minutes * 60e9);
      long warmUpEnd = System.nanoTime() + (long) Math.min(60e9, minutes * 60e9 / 5);
      int warmThreads = -1;
      long warmHeap = -1;
      long stops = 0;
      long kills = 0;
      long maxThreads = 0;
      List<Running> killed = new ArrayList<>();
      while (System.nanoTime() < end) {
        // about 10 changes a second: 6 graceful stops, 2 kills, 8 starts
        for (int i = 0; i < 8; i++) {
          int victim = 1 + random.nextInt(running.size() - 1); // node 0 watches events
          Running r = running.remove(victim);
          if (r.ownClient() != null && i < 2) {
            r.ownClient().shutdown(Duration.ZERO, Duration.ZERO); // connections gone, no deregistration
            killed.add(r);
            kills++;
          } else {
            CompletableFuture<Void> stopped = r.service().stop();
            if (r.ownClient() != null) {
              stopped.whenComplete((v, e) -> r.ownClient().shutdownAsync());
            }
            stops++;
          }
          Running fresh = start.get();
          running.add(fresh);
          fresh.service().start().exceptionally(e -> null);
        }
        // killed services are closed once their client is gone (deregistration fails: they expire)
        for (Running r : killed) {
          r.service().close();
        }
        killed.clear();
        maxThreads = Math.max(maxThreads, threads());
        if (warmThreads < 0 && System.nanoTime() > warmUpEnd) {
          warmThreads = threads();
          warmHeap = heapAfterGc();
        }
        Thread.sleep(800); // the churn's pace (a soak, not a test waiting for a condition)
      }
      int endThreads = threads();
      long endHeap = heapAfterGc();
      long liveKeys = dbsize(server);
      String memory = info(server, "used_memory_human");

      // the last killed nodes are swept by the running services (TTL 3 s + sweep); a node that
      // dies after the last service stopped would wait in the indexes for the next one to start
      long sweptFrom = System.nanoTime();
      await().atMost(Duration.ofSeconds(30)).until(() -> scard(server) == running.size());
      long sweptMillis = (System.nanoTime() - sweptFrom) / 1_000_000;
      for (Running r : running) {
        r.service().stop();
      }
      for (Running r : running) {
        r.service().close();
        if (r.ownClient() != null) {
          r.ownClient().shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
      }
      shared.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      resources.shutdown(0, 2, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS);
      // killed nodes expire (TTL 3 s), the sweeper lease runs out (2 s): nothing may remain
      try {
        await().atMost(Duration.ofSeconds(30)).until(() -> dbsize(server) == keysBaseline);
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        String left = server.command("KEYS", "*");
        throw new AssertionError("keys left after stop: " + left.substring(0, Math.min(3000, left.length()))
            + " ttl of index:nodes members: " + server.command("SMEMBERS", PREFIX + ":index:nodes"), e);
      }
      boolean threadsBack = false;
      try {
        await().atMost(Duration.ofSeconds(30)).until(() -> threads() <= threadsBefore + 5);
        threadsBack = true;
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        System.out.println("Threads left after stop: " + threadNames());
      }
      int threadsAfter = threads();

      String figures = String.format(
          "Soak: %d nodes, %.1f min, seed %d: started all in %d ms; %d graceful stops, %d kills, %d starts;"
              + " %d events seen by one watcher; keys while running %d (Redis used_memory %s), after stop %d"
              + " (baseline %d); threads before %d, after warm-up %d, at end %d, max %d, after stop %d;"
              + " heap after GC after warm-up %d MiB, at end %d MiB; last kills swept %d ms after the churn stopped",
          nodes, minutes, seed, startedMillis, stops, kills, counter[0], events.received().size(), liveKeys, memory,
          dbsize(server), keysBaseline, threadsBefore, warmThreads, endThreads, maxThreads, threadsAfter,
          warmHeap >> 20, endHeap >> 20, sweptMillis);
      System.out.println(figures);
      java.nio.file.Files.writeString(java.nio.file.Path.of("target", "soak-figures.txt"), figures + "\n");
      assertThat(threadsBack).as("threads back to the count before the run (%d), were %d", threadsBefore, threadsAfter).isTrue();
      assertThat(warmThreads).as("the run lasted past the warm-up").isPositive();
      assertThat(endThreads).as("threads at end vs after warm-up").isLessThanOrEqualTo(warmThreads + 50);
      assertThat(endHeap).as("heap after GC at end vs after warm-up").isLessThanOrEqualTo(warmHeap + warmHeap / 2 + (32L << 20));
    }
  }

  private static java.util.Map<String, Long> threadNames() {
    return Thread.getAllStackTraces().keySet().stream().collect(java.util.stream.Collectors.groupingBy(
        t -> t.getName().replaceAll("[0-9]+", "#"), java.util.TreeMap::new, java.util.stream.Collectors.counting()));
  }

  private static int threads() {
    return ManagementFactory.getThreadMXBean().getThreadCount();
  }

  private static long heapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static long dbsize(RedisServer server) {
    String reply = server.command("DBSIZE");
    return Long.parseLong(reply.substring(1).trim());
  }

  private static long scard(RedisServer server) {
    String reply = server.command("SCARD", PREFIX + ":index:nodes");
    return Long.parseLong(reply.substring(1).trim());
  }

  private static String info(RedisServer server, String field) {
    for (String line : server.command("INFO", "memory").split("\r\n")) {
      if (line.startsWith(field + ":")) {
        return line.substring(field.length() + 1);
      }
    }
    return "?";
  }
}
