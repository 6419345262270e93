package dev.titan.discovery.benchmarks;

import dev.titan.discovery.NodeInfo;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;

/** Lookups: ours from Redis, the reference's, and ours from the local view. Latency per call. */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class LookupBenchmarks {

  /**
   * Ours: findNodesByService through the public API of a service without a local view, so read
   * from Redis (one native {@code SORT … GET} of the service's index).
   *
   * @param s state
   * @return the nodes
   */
  @Benchmark
  public List<NodeInfo> findNodesByServiceOurs(BenchState s) {
    return s.discoveryWithoutView.findNodesByService(s.serviceName()).join();
  }

  /**
   * Ours: findNodesByService through the public API of the service whose local view is attached
   * (answered from the view after one O(due) confirming round trip).
   *
   * @param s state
   * @return the nodes
   */
  @Benchmark
  public List<NodeInfo> findNodesByServiceConfirmedOurs(BenchState s) {
    return s.discovery.findNodesByService(s.serviceName()).join();
  }

  /**
   * Ours with the query script instead of the native {@code SORT … GET} read: what a
   * least-privilege ACL user or a Redis Cluster gets (Redis refuses the patterns there).
   *
   * @param s state
   * @return the nodes
   */
  @Benchmark
  public List<NodeInfo> findNodesByServiceOursScript(BenchState s) {
    return s.scriptReader.byService(s.serviceName(), null).join();
  }

  /**
   * Reference: SMEMBERS, HGETALL + EXISTS per node in one flush, replies awaited together,
   * client-side filter (the efficient baseline of issue 15).
   *
   * @param s state
   * @return the nodes
   */
  @Benchmark
  public List<NodeInfo> findNodesByServiceReference(BenchState s) {
    return s.reference.findNodesByService(s.serviceName(), null);
  }

  /**
   * The first baseline: the same commands and flush, with a future chain per command.
   *
   * @param s state
   * @return the nodes
   */
  @Benchmark
  public List<NodeInfo> findNodesByServiceReferenceChained(BenchState s) {
    return s.reference.findNodesByServiceChained(s.serviceName(), null).join();
  }

  /**
   * Floor on Lettuce: the reference's commands in one flush, replies awaited, nothing parsed.
   *
   * @param s state
   * @return the number of ids read
   */
  @Benchmark
  public int lookupFloorLettuce(BenchState s) {
    return s.reference.awaitRepliesOnly();
  }

  /**
   * Floor on a plain socket: the reference's bytes in one write, reply bytes skipped.
   *
   * @param s state
   * @return the number of ids read
   */
  @Benchmark
  public int lookupFloorRaw(BenchState s) {
    return s.floor.lookup();
  }

  /**
   * Ours: getActiveNodes through the public API of the service whose local view is attached.
   *
   * @param s state
   * @return the nodes
   */
  @Benchmark
  public List<NodeInfo> getActiveNodesOurs(BenchState s) {
    return s.discovery.getActiveNodes().join();
  }

  /**
   * Ours: getActiveNodes through the public API of a service without a local view (one script
   * reading every node in Redis).
   *
   * @param s state
   * @return the nodes
   */
  @Benchmark
  public List<NodeInfo> getActiveNodesFromRedisOurs(BenchState s) {
    return s.discoveryWithoutView.getActiveNodes().join();
  }

  /**
   * Reference: getActiveNodes with its commands (efficient: one flush, replies awaited together).
   *
   * @param s state
   * @return the nodes
   */
  @Benchmark
  public List<NodeInfo> getActiveNodesReference(BenchState s) {
    return s.reference.getActiveNodes();
  }

  /**
   * Ours: findNodesByService answered by the local view.
   *
   * @param s state
   * @return the nodes
   */
  @Benchmark
  public List<NodeInfo> viewFindNodesByService(BenchState s) {
    return s.view.findNodesByService(s.serviceName());
  }

  /**
   * Ours: findNodesByService with a version, answered by the local view.
   *
   * @param s state
   * @return the nodes
   */
  @Benchmark
  public List<NodeInfo> viewFindNodesByServiceVersion(BenchState s) {
    return s.view.findNodesByService(s.serviceName(), "1.1.0");
  }

  /**
   * Ours: one node by id from the local view.
   *
   * @param s state
   * @return the node
   */
  @Benchmark
  public Optional<NodeInfo> viewNode(BenchState s) {
    return s.view.node(s.ids[s.heartbeatNode()]);
  }

  /**
   * Ours: find with an npm version range and a status filter ({@code ^1.1}, UP: two of the three
   * versions), from Redis (no view).
   *
   * @param s state
   * @return the nodes
   */
  @Benchmark
  public List<NodeInfo> findRangeFromRedisOurs(BenchState s) {
    return s.discoveryWithoutView.find(rangeQuery(s)).join();
  }

  /**
   * Ours: the same ranged find on a service with a local view (confirmed in one O(due) round trip).
   *
   * @param s state
   * @return the nodes
   */
  @Benchmark
  public List<NodeInfo> findRangeConfirmedOurs(BenchState s) {
    return s.discovery.find(rangeQuery(s)).join();
  }

  static dev.titan.discovery.ServiceQuery rangeQuery(BenchState s) {
    return dev.titan.discovery.ServiceQuery.service(s.serviceName()).versionRange("^1.1")
        .status(dev.titan.discovery.NodeStatus.UP).build();
  }
}
