package dev.titan.discovery.internal.registry;

import dev.titan.discovery.internal.redis.RedisConnector;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;
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
 * <p>Cadence: the holder of the lease looks every {@link #PERIOD}, in one round trip of native
 * commands ({@link RegistryWriter#sweepCheck}, which also extends the lease), and runs the sweep
 * script only when that finds work: a deadline within the look-ahead, nodes to adopt. The script
 * costs Redis several times what those commands do, and a registry whose nodes all heartbeat has
 * no work most of the time, so an idle holder costs Redis a few O(1) and O(log N) commands per
 * period rather than a script call. The
 * others only look at the lease (one native {@code GET}) every {@link #LEASE} times a random
 * factor in [0.75, 1.25), so that a fleet's polls do not come in lock-step and cost about one
 * {@code GET} per service per {@link #LEASE}: 500/s for 1,000 services, against 2,000 script
 * calls/s when everybody ran the sweep script every period. A lease that is free (released by a
 * graceful stop, or run out after its holder died) is taken at the next poll: within 2.5 x {@link
 * #LEASE} of its holder's death.
 */
public final class Sweeper {

  private static final Logger LOG = LoggerFactory.getLogger(Sweeper.class);

  /** Time between two sweeps of the lease holder. */
  public static final Duration PERIOD = Duration.ofMillis(500);
  /** How long the lease lasts without renewal: a dead leader's lease is free after this. */
  public static final Duration LEASE = Duration.ofSeconds(2);

  private final RegistryWriter writer;
  private final ScheduledExecutorService scheduler;
  private final Supplier<String> nodeId;
  private final long periodMillis;
  private final long leaseMillis;
  private final DoubleSupplier random;
  private final AtomicLong sweeps = new AtomicLong();
  private final AtomicLong polls = new AtomicLong();
  private CompletableFuture<?> inFlight = CompletableFuture.completedFuture(null); // guarded by this
  private @Nullable ScheduledFuture<?> task; // guarded by this
  private final AtomicLong checks = new AtomicLong();
  private boolean failing; // only touched by one tick at a time
  private volatile boolean holding; // written by one tick at a time: the last tick held the lease
  private boolean stopped; // guarded by this

  /**
   * Creates the sweeper with the default {@link #PERIOD} and {@link #LEASE}; nothing happens
   * before {@link #start()}.
   *
   * @param writer registry writes
   * @param scheduler runs the ticks
   * @param nodeId the id this process sweeps as
   */
  public Sweeper(RegistryWriter writer, ScheduledExecutorService scheduler, Supplier<String> nodeId) {
    this(writer, scheduler, nodeId, PERIOD, LEASE, () -> ThreadLocalRandom.current().nextDouble());
  }

  /**
   * Creates the sweeper with its timings (for tests).
   *
   * @param writer registry writes
   * @param scheduler runs the ticks
   * @param nodeId the id this process sweeps as
   * @param period time between two sweeps of the lease holder
   * @param lease how long the lease lasts without renewal
   * @param random numbers in [0, 1) for the jitter of the others' polls
   */
  public Sweeper(RegistryWriter writer, ScheduledExecutorService scheduler, Supplier<String> nodeId,
      Duration period, Duration lease, DoubleSupplier random) {
    this.writer = writer;
    this.scheduler = scheduler;
    this.nodeId = nodeId;
    this.periodMillis = period.toMillis();
    this.leaseMillis = lease.toMillis();
    this.random = random;
  }

  /** Starts: the first look at the lease comes after one {@link #PERIOD}. */
  public synchronized void start() {
    schedule(periodMillis);
  }

  /**
   * How long to wait before the next tick.
   *
   * @param holder whether this node holds the lease (or found it free and swept)
   * @return milliseconds
   */
  long nextDelayMillis(boolean holder) {
    return holder ? periodMillis : Math.round(leaseMillis * (0.75 + 0.5 * random.getAsDouble()));
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
   * Ticks so far: looks at the lease, the holder's checks included.
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
      if (holding) {
        checks.incrementAndGet();
        round = writer.sweepCheck(me, leaseMillis)
            .handle((check, e) -> e != null ? new RegistryWriter.SweepCheck(null, true) : check)
            .thenCompose(check -> {
              if (check.holder() != null && !check.holder().equals(me)) {
                return CompletableFuture.completedFuture(false); // taken over while this node stalled
              }
              return check.due() || check.holder() == null ? sweep(me) : CompletableFuture.completedFuture(true);
            });
      } else {
        round = writer.sweeperLeaseHolder().handle((holder, e) -> e != null || holder == null || holder.equals(me))
            .thenCompose(mine -> mine ? sweep(me) : CompletableFuture.completedFuture(false));
      }
      inFlight = round;
    }
    round.whenComplete((holder, e) -> {
      holding = Boolean.TRUE.equals(holder);
      schedule(nextDelayMillis(holding));
    });
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
