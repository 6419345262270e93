package dev.titan.discovery;

import java.time.Duration;

/**
 * Passive health of a {@link ServiceSelector}, as Envoy's outlier detection: an instance whose
 * calls fail {@link #consecutiveFailures()} times in a row is ejected (not chosen) for a while;
 * the time grows per ejection. Immutable; {@link #defaults()} or {@link #builder()}.
 *
 * <ul>
 *   <li>The n-th ejection of an instance lasts {@code baseEjectionTime * 2^(n-1)}, at most {@link
 *       #maxEjectionTime()}. The count starts again once the instance has been back for a whole
 *       {@code maxEjectionTime} without being ejected.
 *   <li>An ejected instance comes back when its time is up, with its failure count at 0.
 *   <li>An ejection that would leave more than {@link #maxEjectionPercent()} of the UP instances
 *       ejected is refused (counted in {@link SelectorStats#refusedEjections()}): with two
 *       instances and 50 %, one can be ejected, never both.
 *   <li>Panic threshold: when the instances that are not ejected are fewer than {@link
 *       #panicThresholdPercent()} of the UP instances (instances left while others were
 *       ejected), selection ignores ejections and uses every UP instance.
 * </ul>
 *
 * <p>Ejections are local to the selector: logged, counted in {@link ServiceSelector#stats()},
 * never written to Redis.
 */
public final class OutlierEjection {

  /** Default failures in a row that eject an instance. */
  public static final int DEFAULT_CONSECUTIVE_FAILURES = 5;
  /** Default length of a first ejection. */
  public static final Duration DEFAULT_BASE_EJECTION_TIME = Duration.ofSeconds(30);
  /** Default cap on an ejection's length. */
  public static final Duration DEFAULT_MAX_EJECTION_TIME = Duration.ofMinutes(5);
  /** Default largest share of UP instances ejected at once. */
  public static final int DEFAULT_MAX_EJECTION_PERCENT = 50;
  /** Default panic threshold. */
  public static final int DEFAULT_PANIC_THRESHOLD_PERCENT = 50;

  private static final OutlierEjection DEFAULTS = builder().build();
  private static final OutlierEjection DISABLED = new OutlierEjection(builder(), false);

  private final boolean enabled;
  private final int consecutiveFailures;
  private final Duration baseEjectionTime;
  private final Duration maxEjectionTime;
  private final int maxEjectionPercent;
  private final int panicThresholdPercent;

  private OutlierEjection(Builder b, boolean enabled) {
    this.enabled = enabled;
    this.consecutiveFailures = b.consecutiveFailures;
    this.baseEjectionTime = b.baseEjectionTime;
    this.maxEjectionTime = b.maxEjectionTime;
    this.maxEjectionPercent = b.maxEjectionPercent;
    this.panicThresholdPercent = b.panicThresholdPercent;
  }

  /**
   * 5 failures in a row, 30 s doubling up to 5 min, at most 50 % ejected, panic below 50 %.
   *
   * @return the defaults
   */
  public static OutlierEjection defaults() {
    return DEFAULTS;
  }

  /**
   * No ejection: failures are counted, nothing is ever ejected.
   *
   * @return the disabled configuration
   */
  public static OutlierEjection disabled() {
    return DISABLED;
  }

  /**
   * A builder starting from the defaults.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Whether instances are ejected at all.
   *
   * @return false for {@link #disabled()}
   */
  public boolean enabled() {
    return enabled;
  }

  /**
   * Failures in a row that eject an instance.
   *
   * @return at least 1
   */
  public int consecutiveFailures() {
    return consecutiveFailures;
  }

  /**
   * Length of a first ejection.
   *
   * @return positive
   */
  public Duration baseEjectionTime() {
    return baseEjectionTime;
  }

  /**
   * Cap on an ejection's length.
   *
   * @return at least {@link #baseEjectionTime()}
   */
  public Duration maxEjectionTime() {
    return maxEjectionTime;
  }

  /**
   * Largest share of the UP instances ejected at once.
   *
   * @return 0 to 100
   */
  public int maxEjectionPercent() {
    return maxEjectionPercent;
  }

  /**
   * Below this share of non-ejected UP instances, ejections are ignored.
   *
   * @return 0 (never panic) to 100
   */
  public int panicThresholdPercent() {
    return panicThresholdPercent;
  }

  @Override
  public String toString() {
    return enabled
        ? "OutlierEjection[consecutiveFailures=" + consecutiveFailures + ", baseEjectionTime=" + baseEjectionTime
            + ", maxEjectionTime=" + maxEjectionTime + ", maxEjectionPercent=" + maxEjectionPercent
            + ", panicThresholdPercent=" + panicThresholdPercent + "]"
        : "OutlierEjection[disabled]";
  }

  /** Builder of an {@link OutlierEjection}; starts from the defaults. */
  public static final class Builder {
    private int consecutiveFailures = DEFAULT_CONSECUTIVE_FAILURES;
    private Duration baseEjectionTime = DEFAULT_BASE_EJECTION_TIME;
    private Duration maxEjectionTime = DEFAULT_MAX_EJECTION_TIME;
    private int maxEjectionPercent = DEFAULT_MAX_EJECTION_PERCENT;
    private int panicThresholdPercent = DEFAULT_PANIC_THRESHOLD_PERCENT;

    private Builder() {}

    /**
     * Failures in a row that eject an instance.
     *
     * @param failures at least 1
     * @return this builder
     */
    public Builder consecutiveFailures(int failures) {
      if (failures < 1) {
        throw new IllegalArgumentException("consecutiveFailures must be at least 1, was " + failures);
      }
      this.consecutiveFailures = failures;
      return this;
    }

    /**
     * Length of a first ejection; each further one doubles it.
     *
     * @param time positive
     * @return this builder
     */
    public Builder baseEjectionTime(Duration time) {
      this.baseEjectionTime = positive("baseEjectionTime", time);
      return this;
    }

    /**
     * Cap on an ejection's length.
     *
     * @param time positive, at least the base ejection time (checked by {@link #build()})
     * @return this builder
     */
    public Builder maxEjectionTime(Duration time) {
      this.maxEjectionTime = positive("maxEjectionTime", time);
      return this;
    }

    /**
     * Largest share of the UP instances ejected at once.
     *
     * @param percent 0 to 100
     * @return this builder
     */
    public Builder maxEjectionPercent(int percent) {
      this.maxEjectionPercent = percent("maxEjectionPercent", percent);
      return this;
    }

    /**
     * Below this share of non-ejected UP instances, selection uses every UP instance.
     *
     * @param percent 0 (never) to 100
     * @return this builder
     */
    public Builder panicThresholdPercent(int percent) {
      this.panicThresholdPercent = percent("panicThresholdPercent", percent);
      return this;
    }

    /**
     * The configuration.
     *
     * @return the immutable configuration
     * @throws IllegalArgumentException when the maximum ejection time is below the base
     */
    public OutlierEjection build() {
      if (maxEjectionTime.compareTo(baseEjectionTime) < 0) {
        throw new IllegalArgumentException("maxEjectionTime must be at least baseEjectionTime (" + baseEjectionTime
            + "), was " + maxEjectionTime);
      }
      return new OutlierEjection(this, true);
    }

    private static Duration positive(String name, Duration d) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be a positive duration, was " + d);
      }
      return d;
    }

    private static int percent(String name, int p) {
      if (p < 0 || p > 100) {
        throw new IllegalArgumentException(name + " must be 0 to 100, was " + p);
      }
      return p;
    }
  }
}
