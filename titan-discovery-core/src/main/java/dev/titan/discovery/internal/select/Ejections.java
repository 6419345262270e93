package dev.titan.discovery.internal.select;

import dev.titan.discovery.NodeStatus;
import dev.titan.discovery.OutlierEjection;
import dev.titan.discovery.ServiceSelector;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passive health by {@link OutlierEjection}: counts the outcomes of calls, decides when a failure
 * streak ejects an instance (within the maximum share), for how long (exponential back-off up to
 * the maximum time), when it returns, and when the panic threshold makes all UP instances
 * candidates again. Its decisions are made under the lock of {@link Candidates}, which rebuilds
 * the snapshot after them.
 */
public final class Ejections {

  private static final Logger LOG = LoggerFactory.getLogger(ServiceSelector.class);

  private final String serviceName;
  private final OutlierEjection outlier;
  private final LongSupplier nanoTime;

  private final LongAdder successes = new LongAdder();
  private final LongAdder failures = new LongAdder();
  private final LongAdder abandoned = new LongAdder();
  private final LongAdder ejections = new LongAdder();
  private final LongAdder refusedEjections = new LongAdder();
  private final LongAdder returns = new LongAdder();

  Ejections(String serviceName, OutlierEjection outlier, LongSupplier nanoTime) {
    this.serviceName = serviceName;
    this.outlier = outlier;
    this.nanoTime = nanoTime;
  }

  /** A call succeeded: counts it, records its latency and ends the instance's failure streak. */
  void succeeded(InstanceStats i, long latencyNanos) {
    successes.increment();
    i.succeeded(latencyNanos);
  }

  /** A call failed: counts it and extends the streak; true when the instance should be ejected now. */
  boolean failed(InstanceStats i) {
    failures.increment();
    int streak = i.consecutiveFailures.incrementAndGet();
    return outlier.enabled() && streak >= outlier.consecutiveFailures() && !i.ejected;
  }

  /** A lease ended with neither success nor failure. */
  void abandoned() {
    abandoned.increment();
  }

  /** Whether the instance is (still) to be ejected: not ejected yet, and its streak long enough. */
  boolean ejectable(InstanceStats i) {
    return !i.ejected && i.consecutiveFailures.get() >= outlier.consecutiveFailures();
  }

  /**
   * Ejects an instance unless that passes the maximum share; under the lock.
   *
   * @param i the instance, {@link #ejectable}
   * @param error the failure, for the log
   * @param up the UP instances of the last list
   * @param ejectedNow how many of them are ejected
   * @return true when ejected (the snapshot must be rebuilt)
   */
  boolean eject(InstanceStats i, @Nullable Throwable error, int up, int ejectedNow) {
    if (i.node.status() != NodeStatus.UP) {
      return false; // not chosen anyway
    }
    if ((long) (ejectedNow + 1) * 100 > (long) outlier.maxEjectionPercent() * up) {
      refusedEjections.increment();
      if (!i.refusalLogged) {
        i.refusalLogged = true;
        LOG.warn("Selector of '{}': not ejecting {} ({}) after {} failures in a row: {} of {} UP instances are ejected"
            + " already (max {} %)", serviceName, i.id, i.node.address(), i.consecutiveFailures.get(),
            ejectedNow, up, outlier.maxEjectionPercent());
      }
      return false;
    }
    long now = nanoTime.getAsLong();
    long max = outlier.maxEjectionTime().toNanos();
    if (i.ejections > 0 && i.returnedAt != Long.MIN_VALUE && now - i.returnedAt >= max) {
      i.ejections = 0; // healthy for a whole maximum ejection time: start again
    }
    i.ejections++;
    long base = outlier.baseEjectionTime().toNanos();
    int doublings = Math.min(i.ejections - 1, 62);
    long time = base > (max >> doublings) ? max : Math.min(max, base << doublings);
    i.ejectedUntil = now + time;
    i.ejected = true;
    ejections.increment();
    LOG.warn("Selector of '{}': ejecting {} ({}) for {} ms after {} failures in a row (ejection {}){}",
        serviceName, i.id, i.node.address(), time / 1_000_000, i.consecutiveFailures.get(), i.ejections,
        error == null ? "" : ": " + error);
    return true;
  }

  /** Returns an ejected instance whose time is over (streak reset); under the lock. */
  void returnIfDue(InstanceStats i, long now) {
    if (i.ejected && now - i.ejectedUntil >= 0) {
      i.ejected = false;
      i.returnedAt = now;
      i.consecutiveFailures.set(0);
      i.refusalLogged = false;
      returns.increment();
      LOG.info("Selector of '{}': {} ({}) is back after its ejection", serviceName, i.id, i.node.address());
    }
  }

  /**
   * Whether so few UP instances are left that all of them are chosen (panic threshold); logs when
   * the panic starts.
   */
  boolean panic(int healthy, int up, boolean wasPanic) {
    boolean panic = up > 0 && healthy < up && (long) healthy * 100 < (long) outlier.panicThresholdPercent() * up;
    if (panic && !wasPanic) {
      LOG.warn("Selector of '{}': only {} of {} UP instances are not ejected (panic threshold {} %): choosing among all",
          serviceName, healthy, up, outlier.panicThresholdPercent());
    }
    return panic;
  }

  /**
   * Calls that succeeded.
   *
   * @return the count
   */
  public long successes() {
    return successes.sum();
  }

  /**
   * Calls that failed.
   *
   * @return the count
   */
  public long failures() {
    return failures.sum();
  }

  /**
   * Leases closed without success or failure.
   *
   * @return the count
   */
  public long abandonedCount() {
    return abandoned.sum();
  }

  /**
   * Ejections made.
   *
   * @return the count
   */
  public long ejections() {
    return ejections.sum();
  }

  /**
   * Ejections refused because they would pass the maximum share.
   *
   * @return the count
   */
  public long refusedEjections() {
    return refusedEjections.sum();
  }

  /**
   * Instances returned after their ejection.
   *
   * @return the count
   */
  public long returns() {
    return returns.sum();
  }
}
