package dev.titan.discovery.benchmarks;

import dev.titan.discovery.Discovery;
import dev.titan.discovery.DiscoveryOptions;
import dev.titan.discovery.DiscoveryService;
import dev.titan.discovery.RegistryView;
import dev.titan.discovery.internal.Keys;
import dev.titan.discovery.internal.registry.RegistryReader;
import dev.titan.discovery.internal.registry.RegistryWriter;
import dev.titan.discovery.internal.wire.WireCodec;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import dev.titan.discovery.NodeInfo;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * What every benchmark works with, on the Redis that {@link BenchmarkMain} started and loaded
 * (system properties {@code titan.bench.uri} and {@code titan.bench.n}): our discovery service (in
 * client mode, pub/sub on, with its local view filled), the reference client, and our registry
 * writer for heartbeats.
 */
@State(Scope.Benchmark)
public class BenchState {

  /** Nodes heartbeating in the heartbeat benchmarks. */
  static final int HEARTBEAT_NODES = 100;
  /** Calls of the measured Redis lookup before JMH's warm-up (see {@link #warmUp}). */
  static final int WARM_UP_CALLS = 40;

  DiscoveryService discovery;
  /** A client-mode service without pub/sub, so without a local view: its reads go to Redis. */
  DiscoveryService discoveryWithoutView;
  RegistryView view;
  ReferenceClient reference;
  /** The same lookup bytes on a plain socket, replies skipped: the transport floor. */
  RawFloor floor;
  RegistryWriter writer;
  /** Our reader with native reads off: every list from the query script. */
  RegistryReader scriptReader;
  /** The writer's clock: one interval passes per round of heartbeats of every node. */
  BeatClock clock;
  String[] ids;
  String[] addresses;
  String[] servicesJson;
  int n;
  private RedisClient client;
  private StatefulRedisConnection<String, String> referenceConnection;
  private StatefulRedisConnection<String, String> ourConnection;
  private StatefulRedisConnection<String, String> referenceDirect;
  private io.lettuce.core.pubsub.StatefulRedisPubSubConnection<String, String> referenceListener;
  private int next;

  /** Connects everything. */
  @Setup(Level.Trial)
  public void setUp(BenchmarkParams params) {
    String uri = System.getProperty("titan.bench.uri");
    if (uri == null) {
      throw new IllegalStateException("run the benchmarks through BenchmarkMain, which starts and loads Redis");
    }
    n = Integer.getInteger("titan.bench.n", 0);
    discovery = BenchData.viewClient(uri);
    discovery.start().join();
    discoveryWithoutView = Discovery.builder()
        .redisUri(uri)
        .options(DiscoveryOptions.builder()
            .clientMode(true)
            .pubSubEnabled(false)
            .redisPrefix(BenchData.PREFIX)
            .commandTimeout(Duration.ofSeconds(60))
            .build())
        .build();
    discoveryWithoutView.start().join();
    view = discovery.view();
    view.ready().orTimeout(120, TimeUnit.SECONDS).join();
    client = RedisClient.create(io.lettuce.core.RedisURI.builder(io.lettuce.core.RedisURI.create(uri)).withTimeout(Duration.ofSeconds(60)).build());
    referenceConnection = client.connect();
    referenceDirect = client.connect();
    reference = new ReferenceClient(referenceConnection, referenceDirect, BenchData.PREFIX);
    referenceListener = BenchData.referenceListener(client);
    io.lettuce.core.RedisURI parsed = io.lettuce.core.RedisURI.create(uri);
    floor = new RawFloor(parsed.getHost(), parsed.getPort(), BenchData.PREFIX);
    ourConnection = client.connect();
    int h = Math.min(HEARTBEAT_NODES, Math.max(n, 1));
    clock = new BeatClock(h);
    writer = clock.writer(ourConnection.async(), BenchData.CHANNEL);
    scriptReader = new RegistryReader(ourConnection.async(), new Keys(BenchData.PREFIX),
        new RegistryWriter(ourConnection.async(), new Keys(BenchData.PREFIX), BenchData.TTL_MILLIS, BenchData.CHANNEL), false);
    ids = new String[h];
    addresses = new String[h];
    servicesJson = new String[h];
    for (int i = 0; i < h; i++) {
      ids[i] = BenchData.id(i);
      addresses[i] = BenchData.address(i);
      servicesJson[i] = WireCodec.encodeServices(BenchData.services(i));
    }
    checkBaselines();
    warmUp(params.getBenchmark());
  }

  /**
   * The baselines must answer what the reference's algorithm answers: the efficient and the
   * chained versions return the same nodes, the floor reads as many ids, and the reference's
   * findNodesByService returns the ids ours does. Checked once per trial, before measuring.
   */
  private void checkBaselines() {
    List<NodeInfo> fast = reference.getActiveNodes();
    List<NodeInfo> chained = reference.getActiveNodesChained().join();
    if (!ids(fast).equals(ids(chained))) {
      throw new IllegalStateException("baselines disagree: efficient " + fast.size() + " nodes, chained " + chained.size());
    }
    if (fast.size() != n) {
      System.out.println("# warning: the reference reads " + fast.size() + " live nodes, N = " + n);
    }
    int read = floor.lookup();
    int lettuce = reference.awaitRepliesOnly();
    if (read != lettuce || read < fast.size()) {
      throw new IllegalStateException("floors read " + read + " and " + lettuce + " ids, the reference " + fast.size() + " nodes");
    }
    String name = BenchData.serviceName(0);
    List<NodeInfo> ours = discoveryWithoutView.findNodesByService(name).join();
    List<NodeInfo> ref = reference.findNodesByService(name, null);
    if (!ids(ours).equals(ids(ref))) {
      throw new IllegalStateException("findNodesByService(" + name + "): ours " + ours.size() + " nodes, reference " + ref.size());
    }
  }

  /**
   * Calls the measured Redis lookup {@value #WARM_UP_CALLS} times before JMH's own warm-up. A
   * --quick run warms up for one second: about 10 calls of a 100 ms baseline, too few for the JIT
   * to compile Lettuce's reply decoding, so the baseline was measured half-compiled (a first
   * issue-15 run: 105-205 ms at 10k in JMH, 65-80 ms once warm). Every Redis lookup gets the same
   * number of calls, ours included, so that no side is measured cold.
   */
  private void warmUp(String benchmark) {
    String m = benchmark.substring(benchmark.lastIndexOf('.') + 1);
    Runnable call = switch (m) {
      case "findNodesByServiceReference", "getActiveNodesReference" -> () -> reference.findNodesByService(serviceName(), null);
      case "findNodesByServiceReferenceChained" -> () -> reference.findNodesByServiceChained(serviceName(), null).join();
      case "lookupFloorLettuce" -> reference::awaitRepliesOnly;
      case "lookupFloorRaw" -> floor::lookup;
      case "findNodesByServiceOurs" -> () -> discoveryWithoutView.findNodesByService(serviceName()).join();
      case "getActiveNodesFromRedisOurs" -> () -> discoveryWithoutView.getActiveNodes().join();
      case "findNodesByServiceOursScript" -> () -> scriptReader.byService(serviceName(), null).join();
      case "findRangeFromRedisOurs" -> () -> discoveryWithoutView.find(LookupBenchmarks.rangeQuery(this)).join();
      default -> null;
    };
    if (call != null) {
      for (int i = 0; i < WARM_UP_CALLS; i++) {
        call.run();
      }
    }
  }

  private static Set<String> ids(List<NodeInfo> nodes) {
    Set<String> out = new HashSet<>();
    for (NodeInfo node : nodes) {
      out.add(node.nodeId());
    }
    return out;
  }

  /** A service name, a different one each call. */
  String serviceName() {
    return BenchData.serviceName(next++);
  }

  /** A heartbeating node's index, a different one each call. */
  int heartbeatNode() {
    int i = next++ % ids.length;
    return i < 0 ? -i : i;
  }

  /** Closes everything. */
  @TearDown(Level.Trial)
  public void tearDown() {
    discovery.close();
    discoveryWithoutView.close();
    referenceConnection.close();
    referenceDirect.close();
    referenceListener.close();
    floor.close();
    ourConnection.close();
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}
