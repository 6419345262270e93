package dev.titan.discovery.internal.registry;

import dev.titan.discovery.internal.redis.RedisConnector;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes dead nodes without anybody querying. Every discovery service runs one, but a lease in
 * Redis lets only one of them work at a time; the others' ticks cost one GET inside a script.
 * Deadlines are Redis server time, so clients' clocks never matter, and the removal itself is the
 * atomic check-and-remove of {@link RegistryWriter#expire}, so a node is removed (and its
 * NODE_DEREGISTERED published) exactly once however many sweepers run.
 */
public final class Sweeper {

  private static final Logger LOG = LoggerFactory.getLogger(Sweeper.class);

  /** Time between two sweeps. */
  public static final Duration PERIOD = Duration.ofMillis(500);
  /** How long the lease lasts without renewal: a dead leader is replaced within this. */
  public static final Duration LEASE = Duration.ofSeconds(2);

  private final RegistryWriter writer;
  private final ScheduledExecutorService scheduler;
  private final Supplier<String> nodeId;
  private final AtomicBoolean running = new AtomicBoolean();
  private volatile java.util.concurrent.CompletableFuture<?> inFlight = java.util.concurrent.CompletableFuture.completedFuture(null);
  private volatile @Nullable ScheduledFuture<?> task;
  private volatile boolean failing;
  private boolean stopped; // guarded by this

  /**
   * Creates the sweeper; nothing happens before {@link #start()}.
   *
   * @param writer registry writes
   * @param scheduler runs the ticks
   * @param nodeId the id this process sweeps as
   */
  public Sweeper(RegistryWriter writer, ScheduledExecutorService scheduler, Supplier<String> nodeId) {
    this.writer = writer;
    this.scheduler = scheduler;
    this.nodeId = nodeId;
  }

  /** Starts sweeping every {@link #PERIOD}. */
  public void start() {
    task = scheduler.scheduleWithFixedDelay(this::tick, PERIOD.toMillis(), PERIOD.toMillis(), TimeUnit.MILLISECONDS);
  }

  private synchronized void tick() {
    if (stopped || !running.compareAndSet(false, true)) {
      return; // stopping, or the previous sweep is still in flight
    }
    inFlight = writer.sweep(nodeId.get(), LEASE.toMillis()).whenComplete((removed, e) -> {
      running.set(false);
      if (e != null) {
        if (!failing) {
          LOG.debug("Sweep failed: {}", RedisConnector.reason(e));
        }
        failing = true;
        return;
      }
      failing = false;
      if (!removed.isEmpty()) {
        LOG.info("Removed {} expired node(s): {}", removed.size(), removed);
      }
    });
  }

  /**
   * Stops sweeping and gives up the lease, so another node takes over at once.
   *
   * @return completes when done
   */
  public java.util.concurrent.CompletableFuture<Void> stop() {
    java.util.concurrent.CompletableFuture<?> last;
    synchronized (this) { // no tick sends a sweep (which would take the lease again) after this
      stopped = true;
      last = inFlight;
    }
    ScheduledFuture<?> t = task;
    if (t != null) {
      t.cancel(false);
    }
    return last.handle((v, e) -> null)
        .thenCompose(v -> writer.releaseSweeperLease(nodeId.get()))
        .handle((v, e) -> null);
  }
}
