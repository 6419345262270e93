package dev.titan.discovery.benchmarks;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;

/** Heartbeats of unchanged nodes: latency of one, and throughput of 100 nodes in one JVM. */
public class HeartbeatBenchmarks {

  /**
   * Ours: the lean renew (EVALSHA, node key, id, TTL).
   *
   * @param s state
   * @return renewed
   */
  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public boolean heartbeatOurs(BenchState s) {
    s.clock.tick();
    return s.writer.renew(s.ids[s.heartbeatNode()]).join();
  }

  /**
   * Reference: EVAL of the whole script with address and services, then its PUBLISH.
   *
   * @param s state
   * @return 1
   */
  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public long heartbeatReference(BenchState s) {
    int i = s.heartbeatNode();
    return s.reference.heartbeat(s.ids[i], s.addresses[i], s.servicesJson[i], BenchData.TTL_MILLIS).join();
  }

  /**
   * Ours: 100 nodes heartbeat at once, over one connection (their renewals are batched).
   *
   * @param s state
   */
  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @OperationsPerInvocation(BenchState.HEARTBEAT_NODES)
  public void heartbeatThroughputOurs(BenchState s) {
    CompletableFuture<?>[] all = new CompletableFuture<?>[s.ids.length];
    for (int i = 0; i < s.ids.length; i++) {
      s.clock.tick();
      all[i] = s.writer.renew(s.ids[i]);
    }
    CompletableFuture.allOf(all).join();
  }

  /**
   * Reference: 100 nodes heartbeat at once, over one connection.
   *
   * @param s state
   */
  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @OperationsPerInvocation(BenchState.HEARTBEAT_NODES)
  public void heartbeatThroughputReference(BenchState s) {
    CompletableFuture<?>[] all = new CompletableFuture<?>[s.ids.length];
    for (int i = 0; i < s.ids.length; i++) {
      all[i] = s.reference.heartbeat(s.ids[i], s.addresses[i], s.servicesJson[i], BenchData.TTL_MILLIS);
    }
    CompletableFuture.allOf(all).join();
  }
}
