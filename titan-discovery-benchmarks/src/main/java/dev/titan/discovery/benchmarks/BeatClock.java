package dev.titan.discovery.benchmarks;

import dev.titan.discovery.internal.Keys;
import dev.titan.discovery.internal.registry.RegistryWriter;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The writer's clock in benchmarks. Benchmarks renew far more often than nodes do (thousands of
 * times a second instead of once per interval), so on the real clock no renewal would ever need
 * to move a deadline. This clock advances one heartbeat interval per round of {@code nodes}
 * renewals, so each node sees the time pass as it does in production and its writer moves the
 * deadline as often as it would there (every other beat at the default TTL = 3 x interval).
 */
final class BeatClock implements LongSupplier {

  /** Interval of the benchmarked nodes: the default ratio, a third of the TTL. */
  static final long INTERVAL_MILLIS = BenchData.TTL_MILLIS / 3;

  /** Sends renewals after one hop, as a discovery service's scheduler does. */
  private static final Executor HOP = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "bench-renewals");
    t.setDaemon(true);
    return t;
  });

  private final AtomicLong now = new AtomicLong(System.nanoTime());
  private final long step;

  /**
   * @param nodes renewals per interval (the number of nodes renewing in turn)
   */
  BeatClock(int nodes) {
    this.step = TimeUnit.MILLISECONDS.toNanos(INTERVAL_MILLIS) / Math.max(1, nodes);
  }

  /** Time passes by one node's share of an interval; call once per renewal. */
  void tick() {
    now.addAndGet(step);
  }

  @Override
  public long getAsLong() {
    return now.get();
  }

  /** A writer with the benchmarked TTL and interval on this clock. */
  RegistryWriter writer(RedisClusterAsyncCommands<String, String> commands, String channel) {
    return new RegistryWriter(commands, new Keys(BenchData.PREFIX), BenchData.TTL_MILLIS, INTERVAL_MILLIS, channel, this, HOP);
  }
}
