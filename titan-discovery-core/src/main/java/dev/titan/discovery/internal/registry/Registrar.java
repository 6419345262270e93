package dev.titan.discovery.internal.registry;

import dev.titan.discovery.DiscoveryException;
import dev.titan.discovery.DiscoveryOptions;
import dev.titan.discovery.internal.node.LocalNode;
import dev.titan.discovery.internal.node.LocalNode.Snapshot;
import dev.titan.discovery.internal.redis.RedisConnector;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node registered: the first registration, the periodic heartbeat and the immediate
 * writes after a change of address or services. All writes run one after another on one chain,
 * so a slow or retrying heartbeat never overlaps the next one, and every write sends the node's
 * latest state, so concurrent changes are never lost. A heartbeat of an unchanged node sends no
 * data (lean renew); a changed or vanished node is written in full.
 */
public final class Registrar {

  private static final Logger LOG = LoggerFactory.getLogger(Registrar.class);

  private final LocalNode node;
  private final RegistryWriter writer;
  private final ScheduledExecutorService scheduler;
  private final DiscoveryOptions options;
  private final Object lock = new Object();
  private final Set<CompletableFuture<Void>> sleeping = ConcurrentHashMap.newKeySet();

  private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null); // guarded by lock
  private @Nullable ScheduledFuture<?> nextBeat; // guarded by lock
  private volatile @Nullable Snapshot written;
  private volatile boolean begun; // written under lock
  private volatile boolean registered;
  private volatile boolean stopped;
  private volatile long lastSuccessMillis;
  private volatile long lastFullWriteAt; // Redis time of the last full write
  private volatile boolean statusToWrite; // this node's status must be written even if unchanged here
  private final java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong failed = new java.util.concurrent.atomic.AtomicLong();

  /**
   * Creates the registrar; nothing happens before {@link #start()}.
   *
   * @param node the identity to register
   * @param writer registry writes
   * @param scheduler runs heartbeats and retry delays
   * @param options intervals and retry settings
   */
  public Registrar(LocalNode node, RegistryWriter writer, ScheduledExecutorService scheduler, DiscoveryOptions options) {
    this.node = node;
    this.writer = writer;
    this.scheduler = scheduler;
    this.options = options;
  }

  /**
   * Registers the node (with retries) and starts the heartbeat. Once started, a further call
   * writes the node's current state like {@link #sync()}; the heartbeat is started only once.
   *
   * @return completes when registered; fails when every attempt failed, or with {@link
   *     IllegalStateException} after {@link #stop()}
   */
  public CompletableFuture<Void> start() {
    synchronized (lock) {
      if (stopped) {
        return CompletableFuture.failedFuture(new IllegalStateException("DiscoveryService is stopped"));
      }
      if (begun) {
        return sync();
      }
      begun = true;
      return enqueue(() -> writeWithRetry(1, "Registration")).whenComplete((v, e) -> scheduleNext(System.nanoTime()));
    }
  }

  /**
   * Whether {@link #stop()} has been called (the node was deregistered, or is being).
   *
   * @return true once stopped
   */
  public boolean isStopped() {
    return stopped;
  }

  /**
   * Redis server time (epoch ms) of this node's last full write: an event about this node
   * stamped at or before it is the echo of a write of ours, not an operator's change.
   *
   * @return epoch milliseconds, 0 before the first write
   */
  public long lastFullWriteAt() {
    return lastFullWriteAt;
  }

  /**
   * Whether {@link #start()} has been called: from then on, changes of the node are written.
   *
   * @return true once started
   */
  public boolean isStarted() {
    return begun;
  }

  /**
   * Writes the node's current state now (after any write in flight).
   *
   * @return completes when Redis has it; fails when every attempt failed
   */
  public CompletableFuture<Void> sync() {
    if (stopped) {
      return CompletableFuture.failedFuture(new IllegalStateException("DiscoveryService is stopped"));
    }
    return enqueue(() -> writeWithRetry(1, "Update"));
  }

  /**
   * Whether the node has been registered (and not deregistered by {@link #stop()}).
   *
   * @return true once the first registration succeeded
   */
  public boolean isRegistered() {
    return registered && !stopped;
  }

  /**
   * Wall-clock time of the last successful write, or 0.
   *
   * @return epoch milliseconds
   */
  public long lastSuccessMillis() {
    return lastSuccessMillis;
  }

  /**
   * Successful writes so far.
   *
   * @return the count
   */
  public long sent() {
    return sent.get();
  }

  /**
   * Failed write attempts so far.
   *
   * @return the count
   */
  public long failed() {
    return failed.get();
  }

  /**
   * Writes this node's status as it is here, even when it did not change here: when the node sets
   * its own status, a different one that an operator stored meanwhile (and that this node has not
   * adopted, for example without pub/sub) must give way. Redis publishes an event only when the
   * stored status changes.
   *
   * @return completes when Redis has it
   */
  public CompletableFuture<Void> writeStatus() {
    statusToWrite = true;
    return sync();
  }

  /**
   * Graceful drain: runs {@code markDraining} (the write of status DRAINING), keeps heartbeating
   * for {@code grace}, then {@link #stop() stops} (deregisters). A {@link #stop()} meanwhile cuts
   * the grace short.
   *
   * @param grace how long to stay registered as DRAINING
   * @param markDraining writes the DRAINING status
   * @return completes when deregistered
   */
  public CompletableFuture<Void> drain(java.time.Duration grace, Supplier<CompletableFuture<Void>> markDraining) {
    LOG.info("Draining node {}: DRAINING now, deregistered in {} ms", node.get().nodeId(), grace.toMillis());
    return markDraining.get().thenCompose(v -> sleep(grace.toMillis())).thenCompose(v -> stop());
  }

  /**
   * Stops the heartbeat, waits for the write in flight, and deregisters the node.
   *
   * @return completes when deregistered (or when deregistration failed, which is logged)
   */
  public CompletableFuture<Void> stop() {
    synchronized (lock) {
      stopped = true;
      if (nextBeat != null) {
        nextBeat.cancel(false);
      }
    }
    for (CompletableFuture<Void> s : sleeping) {
      s.complete(null); // cut retry delays short
    }
    return enqueue(() -> {
      Snapshot w = written;
      if (w == null || !registered) {
        return CompletableFuture.completedFuture(null);
      }
      return writer.deregister(List.of(w.nodeId())).handle((removed, e) -> {
        if (e != null) {
          LOG.warn("Could not deregister node {} ({}); it expires after its TTL", w.nodeId(), RedisConnector.reason(e));
        } else {
          LOG.info("Node {} deregistered", w.nodeId());
        }
        registered = false;
        written = null;
        return null;
      });
    });
  }

  /**
   * The connection to Redis is back (after a restart of Redis or a failover to a new master):
   * heartbeats now instead of at the next tick, so that a node the new master lost, or whose
   * heartbeat is about to expire there, is written again at once (a heartbeat that finds its node
   * missing writes it in full). The schedule continues one interval after this heartbeat, so
   * there is still one heartbeat per interval. When a write is under way (waiting for its retry
   * delay, as writes fail while disconnected), it is retried now instead.
   */
  public void connectionRestored() {
    synchronized (lock) {
      if (stopped) {
        return;
      }
      ScheduledFuture<?> next = nextBeat;
      if (next != null && next.cancel(false)) {
        nextBeat = null;
        LOG.debug("Connection restored: heartbeat now");
        try {
          scheduler.execute(this::beat);
        } catch (java.util.concurrent.RejectedExecutionException e) {
          // shutting down
        }
        return;
      }
    }
    for (CompletableFuture<Void> s : sleeping) {
      s.complete(null); // cut retry delays short
    }
  }

  private void beat() {
    long began = System.nanoTime();
    enqueue(() -> writeWithRetry(1, "Heartbeat")).whenComplete((v, e) -> {
      if (e != null && !stopped) {
        LOG.error("{}; next heartbeat in {} ms", RedisConnector.reason(e), options.heartbeatInterval().toMillis());
      }
      scheduleNext(began);
    });
  }

  private void scheduleNext(long lastBeganNanos) {
    synchronized (lock) {
      if (stopped) {
        return;
      }
      long delay = options.heartbeatInterval().toNanos() - (System.nanoTime() - lastBeganNanos);
      nextBeat = scheduler.schedule(this::beat, Math.max(0, delay), TimeUnit.NANOSECONDS);
    }
  }

  private CompletableFuture<Void> enqueue(Supplier<CompletableFuture<Void>> op) {
    synchronized (lock) {
      CompletableFuture<Void> run = tail.thenCompose(x -> op.get());
      tail = run.handle((v, e) -> null);
      return run;
    }
  }

  private CompletableFuture<Void> writeWithRetry(int attempt, String what) {
    if (stopped) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> once;
    try {
      once = writeOnce();
    } catch (RuntimeException e) {
      once = CompletableFuture.failedFuture(e);
    }
    return once.exceptionallyCompose(e -> {
      failed.incrementAndGet();
      if (stopped) {
        return CompletableFuture.completedFuture(null);
      }
      if (attempt >= options.maxRetries()) {
        return CompletableFuture.failedFuture(new DiscoveryException(
            what + " of node " + node.get().nodeId() + " failed after " + attempt + " attempts: " + RedisConnector.reason(e), e));
      }
      long delay = options.retryDelay().toMillis() << Math.min(attempt - 1, 30);
      LOG.warn("{} attempt {}/{} failed: {}; retrying in {} ms", what, attempt, options.maxRetries(), RedisConnector.reason(e), delay);
      return sleep(delay).thenCompose(x -> writeWithRetry(attempt + 1, what));
    }).thenRun(() -> {
      if (attempt > 1 && !stopped) {
        LOG.info("{} succeeded after {} attempts", what, attempt);
      }
    });
  }

  private CompletableFuture<Void> writeOnce() {
    Snapshot s = node.get();
    Snapshot w = written;
    CompletableFuture<Void> before = CompletableFuture.completedFuture(null);
    if (w != null && !w.nodeId().equals(s.nodeId())) {
      LOG.info("Node id changed from {} to {}: deregistering the old id", w.nodeId(), s.nodeId());
      before = writer.deregister(List.of(w.nodeId())).thenRun(() -> written = null);
    }
    return before.thenCompose(x -> {
      if (s.equals(written) && !statusToWrite) {
        return writer.renew(s.nodeId()).thenCompose(renewed -> renewed ? succeeded(s) : full(s));
      }
      return full(s);
    });
  }

  private CompletableFuture<Void> full(Snapshot s) {
    Snapshot w = written;
    // the status goes out when this node changed it (or on its first write); otherwise a status
    // that an operator set meanwhile (setNodeStatus from another process) is kept, and adopted
    boolean forced = statusToWrite;
    statusToWrite = false;
    boolean keepStored = !forced && w != null && w.nodeId().equals(s.nodeId()) && w.status() == s.status();
    return writer.register(s.nodeId(), s.address(), s.services(), s.status(), keepStored, s.metadata()).thenCompose(r -> {
      if (!r.existed() && written != null) {
        LOG.info("Node {} was missing from the registry (Redis restarted or the node expired); registered again", s.nodeId());
      } else if (written == null) {
        LOG.info("Node {} registered at {} with services {}", s.nodeId(), s.address(), s.services());
      }
      registered = true;
      lastFullWriteAt = Math.max(lastFullWriteAt, r.timestamp());
      Snapshot now = s;
      if (r.status() != s.status()) {
        LOG.info("Node {} has status {} set by an operator; keeping it", s.nodeId(), r.status());
        now = s.withStatus(r.status());
        Snapshot from = s;
        Snapshot to = now;
        node.update(cur -> cur.equals(from) ? to : cur);
      }
      return succeeded(now);
    });
  }

  private CompletableFuture<Void> succeeded(Snapshot s) {
    written = s;
    sent.incrementAndGet();
    lastSuccessMillis = System.currentTimeMillis();
    return CompletableFuture.completedFuture(null);
  }

  private CompletableFuture<Void> sleep(long millis) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    sleeping.add(f);
    f.whenComplete((v, e) -> sleeping.remove(f));
    if (stopped) {
      f.complete(null);
      return f;
    }
    scheduler.schedule(() -> f.complete(null), millis, TimeUnit.MILLISECONDS);
    return f;
  }
}
