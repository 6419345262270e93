package dev.titan.discovery.internal.select;

import dev.titan.discovery.SelectionStrategy;
import dev.titan.discovery.ServiceSelector;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks one candidate of a {@link Snapshot} by a {@link SelectionStrategy}: round robin, random,
 * weighted (binary search over prefix sums), power of two choices, least response time, sticky.
 * Lock-free and allocation-free; keeps the round-robin counter and the sticky instance.
 */
public final class Picker {

  private static final Logger LOG = LoggerFactory.getLogger(ServiceSelector.class);

  /** {@link #indexOf} when the snapshot has no candidate. */
  public static final int NONE = -1;

  /** {@link #indexOf} when the sticky instance moved to a newer snapshot: pick again from it. */
  public static final int RETRY = -2;

  private final SelectionStrategy strategy;
  private final String serviceName;
  private final Candidates latest;
  private final AtomicInteger roundRobin = new AtomicInteger();
  private final AtomicReference<@Nullable InstanceStats> sticky = new AtomicReference<>();

  /**
   * A picker.
   *
   * @param strategy the strategy
   * @param serviceName the service, for the log
   * @param latest where the latest snapshot is published (sticky picking compares with it)
   */
  public Picker(SelectionStrategy strategy, String serviceName, Candidates latest) {
    this.strategy = strategy;
    this.serviceName = serviceName;
    this.latest = latest;
  }

  /**
   * The index of the chosen candidate in the snapshot.
   *
   * @param s the snapshot
   * @return the index, {@link #NONE} when there is none, {@link #RETRY} when the sticky instance
   *     moved to a newer snapshot than this one
   */
  public int indexOf(Snapshot s) {
    InstanceStats[] c = s.candidates;
    int n = c.length;
    if (n == 0) {
      return NONE;
    }
    switch (strategy) {
      case ROUND_ROBIN:
        return n == 1 ? 0 : (roundRobin.getAndIncrement() & Integer.MAX_VALUE) % n;
      case RANDOM:
        return n == 1 ? 0 : ThreadLocalRandom.current().nextInt(n);
      case WEIGHTED: {
        if (n == 1) {
          return 0;
        }
        long[] cum = s.cumulativeWeights;
        long r = ThreadLocalRandom.current().nextLong(cum[n - 1]);
        int at = Arrays.binarySearch(cum, r + 1); // the first cumulative weight above r
        return at >= 0 ? at : -at - 1;
      }
      case POWER_OF_TWO_CHOICES: {
        if (n == 1) {
          return 0;
        }
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        int a = rnd.nextInt(n);
        int b = other(n, a, rnd);
        return c[b].outstanding.get() < c[a].outstanding.get() ? b : a;
      }
      case LEAST_RESPONSE_TIME: {
        if (n == 1) {
          return 0;
        }
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        int a = rnd.nextInt(n);
        int b = other(n, a, rnd);
        return c[b].cost() < c[a].cost() ? b : a;
      }
      case STICKY:
        return sticky(s);
      default:
        throw new AssertionError(strategy);
    }
  }

  /** A random index other than {@code a}, uniform over the others. */
  private static int other(int n, int a, ThreadLocalRandom rnd) {
    int j = rnd.nextInt(n - 1);
    return j == a ? n - 1 : j;
  }

  private int sticky(Snapshot s) {
    InstanceStats cur = sticky.get();
    if (cur != null) {
      long slot = cur.slot;
      if ((int) (slot >>> 32) == s.generation) {
        return (int) slot;
      }
      if (latest.snapshot() != s) {
        return RETRY; // a newer snapshot may still have it
      }
    }
    int k = ThreadLocalRandom.current().nextInt(s.candidates.length);
    InstanceStats candidate = s.candidates[k];
    if (sticky.compareAndSet(cur, candidate)) {
      if (cur != null) {
        LOG.debug("Selector of '{}' sticks to {} now ({} can no longer be chosen)", serviceName, candidate.id, cur.id);
      }
      return k;
    }
    InstanceStats won = sticky.get();
    if (won != null) {
      long slot = won.slot;
      if ((int) (slot >>> 32) == s.generation) {
        return (int) slot;
      }
    }
    return k;
  }
}
