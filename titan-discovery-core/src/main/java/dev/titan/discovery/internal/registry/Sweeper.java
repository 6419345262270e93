package dev.titan.discovery.internal.registry;

import dev.titan.discovery.internal.redis.RedisConnector;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes dead nodes without anybody querying. Every discovery service runs one, but a lease in
 * Redis lets only one of them work at a time. Deadlines are Redis server time, so clients' clocks
 * never matter, and the removal itself is the atomic check-and-remove of {@link
 * RegistryWriter#expire}, so a node is removed (and its NODE_DEREGISTERED published) exactly once
 * however many sweepers run.
 *
 * <p>Cadence of the lease holder, which pays for it alone (the whole fleet's sweeping lands on
 * one node, so with few services it dominated that node's Redis cost):
 *
 * <ul>
 *   <li>A <em>check</em> ({@link RegistryWriter#sweepCheck}: native commands in one round trip,
 *       which also extend the lease) finds whether the sweep script has work (a deadline within
 *       the look-ahead, nodes to adopt) and how far off the earliest deadline is. The script runs
 *       only when there is work, and then the holder checks again after {@link #PERIOD}.
 *   <li>Otherwise the next check comes at the earliest deadline minus the look-ahead ({@link
 *       RegistryWriter#LOOK_AHEAD_MILLIS}), at least {@link #PERIOD} and at most the longest gap
 *       later. No deadline already in the index can pass unseen before it: renewals only move
 *       deadlines later. A node registered after the check has its deadline at its registration
 *       plus its TTL; the longest gap, its TTL minus the look-ahead and one period (at least
 *       {@link #PERIOD}), leaves the holder's next check in time for every node whose TTL is at
 *       least the holder's own (a fleet usually shares one TTL). A registration heard on the
 *       events channel ({@link #registrationSeen}) brings the check to the holder's next tick, so
 *       that a newcomer with a shorter TTL is looked at in time too; without pub/sub (or from a
 *       writer that publishes nothing), a node with a shorter TTL that dies before that check
 *       waits at most the longest gap.
 *   <li>Between checks, a <em>keep-alive</em> every half {@link #LEASE} ({@link
 *       RegistryWriter#sweeperKeepAlive}: GET and PEXPIRE of the lease, SCARD and ZCARD), which
 *       also finds TypeScript-written nodes to adopt.
 * </ul>
 *
 * <p>The others only look at the lease (one native {@code GET}) every {@link #LEASE} times a
 * random factor in [0.75, 1.25), so that a fleet's polls do not come in lock-step. A lease that is
 * free (released by a graceful stop, or run out after its holder died) is taken at the next poll:
 * within 2.25 x {@link #LEASE} of its holder's last keep-alive, less than the default TTL, so the
 * holder's own node, should it die, is still removed in time by its successor.
 */
public final class Sweeper {

  private static final Logger LOG = LoggerFactory.getLogger(Sweeper.class);

  /** Shortest time between two checks of the lease holder (while a deadline is near). */
  public static final Duration PERIOD = Duration.ofMillis(500);
  /** How long the lease lasts without renewal: a dead leader's lease is free after this. */
  public static final Duration LEASE = Duration.ofSeconds(4);

  private final RegistryWriter writer;
  private final ScheduledExecutorService scheduler;
  private final Supplier<String> nodeId;
  private final long periodMillis;
  private final long leaseMillis;
  private final long maxGapMillis;
  private final DoubleSupplier random;
  private final LongSupplier nanoClock;
  private final AtomicLong sweeps = new AtomicLong();
  private final AtomicLong polls = new AtomicLong();
  private final AtomicLong keepAlives = new AtomicLong();
  private CompletableFuture<?> inFlight = CompletableFuture.completedFuture(null); // guarded by this
  private @Nullable ScheduledFuture<?> task; // guarded by this
  private final AtomicLong checks = new AtomicLong();
  private boolean failing; // only touched by one tick at a time
  private volatile boolean holding; // written by one tick at a time: the last tick held the lease
  private volatile long checkAtNanos; // the holder's next check (nanoClock); written by one tick at a time
  private final AtomicBoolean registered = new AtomicBoolean(); // a NODE_REGISTERED heard since the last tick
  private boolean stopped; // guarded by this

  /**
   * Creates the sweeper with the default {@link #PERIOD} and {@link #LEASE}; nothing happens
   * before {@link #start()}.
   *
   * @param writer registry writes
   * @param scheduler runs the ticks
   * @param nodeId the id this process sweeps as
   * @param ttl this service's heartbeat TTL, which sets the longest gap between two checks
   */
  public Sweeper(RegistryWriter writer, ScheduledExecutorService scheduler, Supplier<String> nodeId, Duration ttl) {
    this(writer, scheduler, nodeId, PERIOD, LEASE, maxGap(ttl, PERIOD), () -> ThreadLocalRandom.current().nextDouble(),
        System::nanoTime);
  }

  /**
   * Creates the sweeper with its timings (for tests).
   *
   * @param writer registry writes
   * @param scheduler runs the ticks
   * @param nodeId the id this process sweeps as
   * @param period shortest time between two checks of the holder
   * @param lease how long the lease lasts without renewal
   * @param maxGap longest time between two checks of the holder
   * @param random numbers in [0, 1) for the jitter of the others' polls
   * @param nanoClock monotonic time in nanoseconds
   */
  public Sweeper(RegistryWriter writer, ScheduledExecutorService scheduler, Supplier<String> nodeId,
      Duration period, Duration lease, Duration maxGap, DoubleSupplier random, LongSupplier nanoClock) {
    this.writer = writer;
    this.scheduler = scheduler;
    this.nodeId = nodeId;
    this.periodMillis = period.toMillis();
    this.leaseMillis = lease.toMillis();
    this.maxGapMillis = Math.max(periodMillis, maxGap.toMillis());
    this.random = random;
    this.nanoClock = nanoClock;
  }

  /**
   * The longest gap between two checks of a holder whose heartbeat TTL is {@code ttl}: the TTL
   * minus the look-ahead and one period, at least one period.
   *
   * @param ttl the heartbeat TTL
   * @param period the shortest gap
   * @return the longest gap
   */
  static Duration maxGap(Duration ttl, Duration period) {
    long gap = ttl.toMillis() - RegistryWriter.LOOK_AHEAD_MILLIS - period.toMillis();
    return Duration.ofMillis(Math.max(period.toMillis(), gap));
  }

  /** Starts: the first look at the lease comes after one {@link #PERIOD}. */
  public synchronized void start() {
    schedule(periodMillis);
  }

  /**
   * How long a non-holder waits before its next look at the lease.
   *
   * @return milliseconds: {@link #LEASE} times a random factor in [0.75, 1.25)
   */
  long pollDelayMillis() {
    return Math.round(leaseMillis * (0.75 + 0.5 * random.getAsDouble()));
  }

  /**
   * When the holder checks next, after a check found no work and the earliest deadline {@code
   * millisToEarliest} away: at that deadline minus the look-ahead, within [period, longest gap].
   *
   * @param millisToEarliest time to the earliest deadline ({@link Long#MAX_VALUE}: none)
   * @return milliseconds from now
   */
  long checkDelayMillis(long millisToEarliest) {
    long wait = millisToEarliest == Long.MAX_VALUE ? maxGapMillis
        : millisToEarliest - RegistryWriter.LOOK_AHEAD_MILLIS;
    return Math.min(maxGapMillis, Math.max(periodMillis, wait));
  }

  /**
   * How long the holder waits before its next tick: until its next check, or half a lease for a
   * keep-alive, whichever comes first.
   *
   * @return milliseconds
   */
  private long holderDelayMillis() {
    long toCheck = TimeUnit.NANOSECONDS.toMillis(checkAtNanos - nanoClock.getAsLong());
    return Math.max(0, Math.min(toCheck, leaseMillis / 2));
  }

  /**
   * Sweep script calls made so far (each one renews the lease).
   *
   * @return the count
   */
  public long sweeps() {
    return sweeps.get();
  }

  /**
   * Checks for work made so far by this node as the lease holder (each one extends the lease).
   *
   * @return the count
   */
  public long checks() {
    return checks.get();
  }

  /**
   * Keep-alives of the lease made so far by this node as the holder, between its checks.
   *
   * @return the count
   */
  public long keepAlives() {
    return keepAlives.get();
  }

  /**
   * Ticks so far: looks at the lease, the holder's checks and keep-alives included.
   *
   * @return the count
   */
  public long polls() {
    return polls.get();
  }

  private synchronized void schedule(long delayMillis) {
    if (!stopped) {
      try {
        task = scheduler.schedule(this::tick, delayMillis, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        stopped = true; // the service is shutting down
      }
    }
  }

  private void tick() {
    String me = nodeId.get();
    CompletableFuture<Boolean> round;
    synchronized (this) {
      if (stopped) {
        return;
      }
      polls.incrementAndGet();
      boolean newcomer = registered.getAndSet(false); // a registration since the last tick
      if (holding) {
        boolean full = newcomer || nanoClock.getAsLong() - checkAtNanos >= -TimeUnit.MILLISECONDS.toNanos(1);
        (full ? checks : keepAlives).incrementAndGet();
        round = (full ? writer.sweepCheck(leaseMillis) : writer.sweeperKeepAlive(leaseMillis))
            .handle((check, e) -> e != null ? new RegistryWriter.SweepCheck(null, true, Long.MAX_VALUE) : check)
            .thenCompose(check -> {
              if (check.holder() != null && !check.holder().equals(me)) {
                return CompletableFuture.completedFuture(false); // taken over while this node stalled
              }
              if (check.due() || check.holder() == null) { // work, or the lease ran out: take it again
                return sweep(me);
              }
              if (full) {
                checkAt(checkDelayMillis(check.millisToEarliest()));
              }
              return CompletableFuture.completedFuture(true);
            });
      } else {
        round = writer.sweeperLeaseHolder().handle((holder, e) -> e != null || holder == null || holder.equals(me))
            .thenCompose(mine -> mine ? sweep(me) : CompletableFuture.completedFuture(false));
      }
      inFlight = round;
    }
    round.whenComplete((holder, e) -> {
      holding = Boolean.TRUE.equals(holder);
      schedule(holding ? holderDelayMillis() : pollDelayMillis());
    });
  }

  /**
   * A NODE_REGISTERED was heard (pub/sub): the holder checks at its next tick, within half a
   * {@link #LEASE}, instead of at the earliest deadline it knew, so that a newcomer whose TTL is
   * shorter than the holder's is looked at in time too. Quick: called on a Redis I/O thread.
   */
  public void registrationSeen() {
    registered.set(true);
  }

  private void checkAt(long delayMillis) {
    checkAtNanos = nanoClock.getAsLong() + TimeUnit.MILLISECONDS.toNanos(delayMillis);
  }

  /** Sweeps (taking or renewing the lease when free or ours); true when this node holds it. */
  private CompletableFuture<Boolean> sweep(String me) {
    synchronized (this) {
      if (stopped) { // no sweep (which would take the lease again) after stop()
        return CompletableFuture.completedFuture(false);
      }
      sweeps.incrementAndGet();
    }
    return writer.sweep(me, leaseMillis).handle((removed, e) -> {
      if (e != null) {
        if (!failing) {
          LOG.debug("Sweep failed: {}", RedisConnector.reason(e));
        }
        failing = true;
        return false;
      }
      failing = false;
      checkAt(periodMillis); // work was near: look again soon
      if (!removed.isEmpty()) {
        LOG.info("Removed {} expired node(s): {}", removed.size(), removed);
      }
      return true;
    });
  }

  /**
   * Stops sweeping and gives up the lease, so another node takes over at its next poll.
   *
   * @return completes when done
   */
  public CompletableFuture<Void> stop() {
    CompletableFuture<?> last;
    synchronized (this) {
      stopped = true;
      last = inFlight;
      if (task != null) {
        task.cancel(false);
      }
    }
    return last.handle((v, e) -> null)
        .thenCompose(v -> writer.releaseSweeperLease(nodeId.get()))
        .handle((v, e) -> null);
  }
}
