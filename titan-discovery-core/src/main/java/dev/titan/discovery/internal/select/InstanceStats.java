package dev.titan.discovery.internal.select;

import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.SelectorStats;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One instance's counters (outstanding calls, latency moving average, failure streak) and its
 * ejection state; kept across rebuilds while the instance matches. The ejection fields are written
 * under the lock of {@link Candidates}.
 */
public final class InstanceStats {

  /** Weight of a new latency sample in the moving average: 1/4. */
  private static final int EWMA_SHIFT = 2;

  final String id;
  volatile NodeInfo node;
  final AtomicInteger outstanding = new AtomicInteger();
  final AtomicInteger consecutiveFailures = new AtomicInteger();
  /** Moving average of latency in ns, -1 before the first sample (racy updates may lose one). */
  volatile long latencyEwma = -1;
  /** Generation (high 32 bits) and index (low 32 bits) in the last snapshot that has it as a candidate. */
  volatile long slot = -1L;
  // written under the lock of Candidates
  volatile boolean ejected;
  volatile long ejectedUntil;
  volatile boolean refusalLogged;
  volatile int ejections;
  volatile long returnedAt = Long.MIN_VALUE;

  InstanceStats(String id, NodeInfo node) {
    this.id = id;
    this.node = node;
  }

  /**
   * The instance's node id.
   *
   * @return the id
   */
  public String id() {
    return id;
  }

  /** A call to the instance starts: one more outstanding. */
  public void acquire() {
    outstanding.incrementAndGet();
  }

  /** A call to the instance ends: one less outstanding. */
  public void release() {
    outstanding.decrementAndGet();
  }

  void recordLatency(long nanos) {
    long sample = Math.max(0, nanos);
    long old = latencyEwma;
    latencyEwma = old < 0 ? sample : old + ((sample - old) >> EWMA_SHIFT);
  }

  /** Expected cost of one more call: latency times (outstanding + 1), 0 before a sample. */
  long cost() {
    long l = latencyEwma;
    return l <= 0 ? 0 : l * (outstanding.get() + 1L);
  }

  /** The call succeeded: records its latency and ends the failure streak. */
  void succeeded(long latencyNanos) {
    recordLatency(latencyNanos);
    if (consecutiveFailures.get() != 0) {
      consecutiveFailures.set(0);
    }
    refusalLogged = false;
  }

  SelectorStats.Instance toStats(long now) {
    boolean ej = ejected;
    return new SelectorStats.Instance(node, outstanding.get(), latencyEwma, consecutiveFailures.get(), ej, ejections,
        ej ? Math.max(0, ejectedUntil - now) : 0);
  }
}
