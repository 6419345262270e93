package dev.titan.discovery.benchmarks;

import dev.titan.discovery.Discovery;
import dev.titan.discovery.DiscoveryOptions;
import dev.titan.discovery.DiscoveryService;
import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.NodeStatus;
import dev.titan.discovery.RegistryView;
import dev.titan.discovery.SelectionStrategy;
import dev.titan.discovery.ServiceInfo;
import dev.titan.discovery.ServiceSelector;
import dev.titan.discovery.internal.Keys;
import dev.titan.discovery.internal.registry.RegistryWriter;
import dev.titan.discovery.testkit.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * {@link ServiceSelector#next()} over 100 instances of one service, answered from a local view,
 * per strategy, against what a user writes by hand: {@code findNodesByService} on the view (or on
 * Redis) and a random pick. Self-contained (starts its own redis-server), so it runs with JMH's
 * own main rather than {@link BenchmarkMain}:
 *
 * <pre>
 * java -cp titan-discovery-benchmarks/target/benchmarks.jar org.openjdk.jmh.Main SelectorBenchmarks \
 *     -wi 2 -i 3 -w 1s -r 1s -f 1 -bm avgt,sample -tu ns -t 1
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SelectorBenchmarks {

  /** Instances of the service. */
  static final int INSTANCES = 100;
  static final String SERVICE = "orders";

  /** A redis-server with 100 instances of "orders", a view, and one selector per strategy. */
  @State(Scope.Benchmark)
  public static class Selectors {
    RedisServer server;
    DiscoveryService discovery;
    DiscoveryService withoutView;
    RegistryView view;
    ServiceSelector roundRobin;
    ServiceSelector random;
    ServiceSelector weighted;
    ServiceSelector powerOfTwo;
    ServiceSelector leastResponseTime;
    ServiceSelector roundRobinZone;

    /** Starts Redis, writes the instances, fills the view, builds the selectors. */
    @Setup(Level.Trial)
    public void setUp() {
      server = RedisServer.start();
      RedisClient client = RedisClient.create(server.uri());
      try (StatefulRedisConnection<String, String> c = client.connect()) {
        RegistryWriter writer = new RegistryWriter(c.async(), new Keys(BenchData.PREFIX), BenchData.TTL_MILLIS, "");
        List<CompletableFuture<?>> writes = new ArrayList<>();
        for (int i = 0; i < INSTANCES; i++) {
          writes.add(writer.register(BenchData.id(i), BenchData.address(i), List.of(ServiceInfo.of(SERVICE, "2.1.0")),
              NodeStatus.UP, false, Map.of("weight", Integer.toString(1 + i % 4), "zone", i % 2 == 0 ? "eu-1" : "eu-2")));
        }
        CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0])).join();
      } finally {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      }
      discovery = Discovery.builder().redisUri(server.uri())
          .options(DiscoveryOptions.builder().clientMode(true).pubSubEnabled(true).redisPrefix(BenchData.PREFIX)
              .pubSubChannel(BenchData.CHANNEL).build())
          .build();
      discovery.start().join();
      withoutView = Discovery.builder().redisUri(server.uri())
          .options(DiscoveryOptions.builder().clientMode(true).redisPrefix(BenchData.PREFIX).build())
          .build();
      withoutView.start().join();
      view = discovery.view();
      view.ready().join();
      roundRobin = selector(SelectionStrategy.ROUND_ROBIN, null);
      random = selector(SelectionStrategy.RANDOM, null);
      weighted = selector(SelectionStrategy.WEIGHTED, null);
      powerOfTwo = selector(SelectionStrategy.POWER_OF_TWO_CHOICES, null);
      leastResponseTime = selector(SelectionStrategy.LEAST_RESPONSE_TIME, null);
      roundRobinZone = selector(SelectionStrategy.ROUND_ROBIN, "eu-1");
      if (view.findNodesByService(SERVICE).size() != INSTANCES || roundRobinZone.stats().candidates() != INSTANCES / 2) {
        throw new IllegalStateException("expected " + INSTANCES + " instances, the view has " + view.findNodesByService(SERVICE).size());
      }
    }

    private ServiceSelector selector(SelectionStrategy strategy, String zone) {
      ServiceSelector.Builder b = ServiceSelector.builder(discovery, SERVICE).view(view).strategy(strategy);
      if (zone != null) {
        b.preferZone(zone);
      }
      ServiceSelector s = b.build();
      s.ready().join();
      return s;
    }

    /** Closes everything. */
    @TearDown(Level.Trial)
    public void tearDown() {
      discovery.close();
      withoutView.close();
      server.close();
    }
  }

  /**
   * ROUND_ROBIN.
   *
   * @param s state
   * @return the node
   */
  @Benchmark
  public NodeInfo nextRoundRobin(Selectors s) {
    return s.roundRobin.next();
  }

  /**
   * RANDOM.
   *
   * @param s state
   * @return the node
   */
  @Benchmark
  public NodeInfo nextRandom(Selectors s) {
    return s.random.next();
  }

  /**
   * WEIGHTED (weights 1 to 4).
   *
   * @param s state
   * @return the node
   */
  @Benchmark
  public NodeInfo nextWeighted(Selectors s) {
    return s.weighted.next();
  }

  /**
   * POWER_OF_TWO_CHOICES (nothing outstanding: next() takes no lease).
   *
   * @param s state
   * @return the node
   */
  @Benchmark
  public NodeInfo nextPowerOfTwoChoices(Selectors s) {
    return s.powerOfTwo.next();
  }

  /**
   * LEAST_RESPONSE_TIME.
   *
   * @param s state
   * @return the node
   */
  @Benchmark
  public NodeInfo nextLeastResponseTime(Selectors s) {
    return s.leastResponseTime.next();
  }

  /**
   * ROUND_ROBIN preferring a zone (50 of the 100 instances).
   *
   * @param s state
   * @return the node
   */
  @Benchmark
  public NodeInfo nextRoundRobinPreferZone(Selectors s) {
    return s.roundRobinZone.next();
  }

  /**
   * A lease with POWER_OF_TWO_CHOICES: select, success (two clock reads, the outstanding count up
   * and down, the latency average).
   *
   * @param s state
   * @return the node
   */
  @Benchmark
  public NodeInfo selectSuccessPowerOfTwoChoices(Selectors s) {
    try (ServiceSelector.Call call = s.powerOfTwo.select()) {
      call.success();
      return call.node();
    }
  }

  /**
   * The baseline by hand: the view's list of the service, the UP ones, one at random.
   *
   * @param s state
   * @return the node
   */
  @Benchmark
  public NodeInfo baselineViewFindAndRandom(Selectors s) {
    List<NodeInfo> nodes = s.view.findNodesByService(SERVICE);
    List<NodeInfo> up = new ArrayList<>(nodes.size());
    for (NodeInfo n : nodes) {
      if (n.status() == NodeStatus.UP) {
        up.add(n);
      }
    }
    return up.get(ThreadLocalRandom.current().nextInt(up.size()));
  }

  /**
   * The baseline by hand without the UP filter: the view's list, one at random.
   *
   * @param s state
   * @return the node
   */
  @Benchmark
  public NodeInfo baselineViewFindAndRandomUnfiltered(Selectors s) {
    List<NodeInfo> nodes = s.view.findNodesByService(SERVICE);
    return nodes.get(ThreadLocalRandom.current().nextInt(nodes.size()));
  }

  /**
   * The baseline by hand without a view: one Redis read per selection, one at random.
   *
   * @param s state
   * @return the node
   */
  @Benchmark
  public NodeInfo baselineRedisFindAndRandom(Selectors s) {
    List<NodeInfo> nodes = s.withoutView.findNodesByService(SERVICE).join();
    return nodes.get(ThreadLocalRandom.current().nextInt(nodes.size()));
  }
}
