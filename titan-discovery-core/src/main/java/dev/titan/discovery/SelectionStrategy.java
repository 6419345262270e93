package dev.titan.discovery;

/**
 * How a {@link ServiceSelector} picks one instance among those it may choose (the UP instances
 * matching its query, not ejected, in the preferred zone when there is one there).
 */
public enum SelectionStrategy {
  /** Each instance in turn; exactly even over whole rounds. Allocation-free, lock-free. */
  ROUND_ROBIN,
  /** Uniformly at random ({@code ThreadLocalRandom}). Allocation-free, lock-free. */
  RANDOM,
  /**
   * At random in proportion to {@link NodeInfo#weight()} (metadata {@code weight}, absent = 1):
   * a prefix-sum array and a binary search, O(log n).
   */
  WEIGHTED,
  /**
   * Two distinct instances at random, the one with fewer outstanding calls wins (gRPC's
   * {@code least_request}, Envoy's default choice count). Outstanding calls are those of {@link
   * ServiceSelector#select()} leases not yet finished; {@link ServiceSelector#next()} hands out
   * no lease and counts nothing.
   */
  POWER_OF_TWO_CHOICES,
  /**
   * Two distinct instances at random, the one with the lower cost wins, where the cost is the
   * exponentially weighted moving average of its successful calls' latency times (outstanding
   * calls + 1). An instance with no measured call costs 0, so new instances are tried first.
   * Latencies come from {@link ServiceSelector#select()} leases only. With two random choices the
   * slowest instance is never chosen while it is the slowest.
   */
  LEAST_RESPONSE_TIME,
  /**
   * The same instance for as long as it may be chosen (still UP, not ejected, still in the
   * preferred zone when one is set); when it goes, another one at random, which then sticks.
   */
  STICKY
}
