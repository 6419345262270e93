package dev.titan.discovery.internal.select;

import dev.titan.discovery.DiscoveryEvent;
import dev.titan.discovery.DiscoveryListener;
import dev.titan.discovery.DiscoveryService;
import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.RegistryView;
import dev.titan.discovery.ServiceInfo;
import dev.titan.discovery.ServiceQuery;
import dev.titan.discovery.ServiceSelector;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the {@link Candidates} of a selector up to date: from a {@link RegistryView} (a listener,
 * and a check of the view's change counter on every selection), or else from Redis, read once per
 * cache period in the background and at once on an event about the service. Detaches on {@link
 * #close()}.
 */
public final class Refresher {

  private static final Logger LOG = LoggerFactory.getLogger(ServiceSelector.class);

  private final ServiceQuery query;
  private final @Nullable DiscoveryService discovery;
  private final @Nullable RegistryView view;
  private final boolean polling;
  private final long cachePeriodNanos;
  private final LongSupplier nanoTime;
  private final Candidates candidates;
  private final Runnable loaded;
  private final Consumer<Throwable> loadFailed;

  private final AtomicBoolean refreshing = new AtomicBoolean();
  private final LongAdder refreshFailures = new LongAdder();
  private volatile boolean refreshAgain;
  private volatile long nextLoadAt;
  private volatile boolean closed;
  private @Nullable DiscoveryListener listener;
  // guarded by the lock of candidates
  private @Nullable List<NodeInfo> lastRaw;

  /**
   * A refresher; {@link #start()} attaches it.
   *
   * @param query the query
   * @param discovery the discovery service, or null for a selector over fixed nodes
   * @param view the view to use, or null for the discovery service's (as {@code useView} says)
   * @param useView true requires a view, false reads Redis, null: the view when there is one
   * @param cachePeriod without a view, how long a list read from Redis is used
   * @param fixed whether the selector is over fixed nodes (then it refreshes nothing)
   * @param nanoTime the clock of the cache period
   * @param candidates where the lists go
   * @param loaded called after each list is loaded
   * @param loadFailed called when the first list cannot be loaded
   * @throws IllegalStateException when {@code useView} is true and the discovery service has no view
   */
  public Refresher(ServiceQuery query, @Nullable DiscoveryService discovery, @Nullable RegistryView view,
      @Nullable Boolean useView, Duration cachePeriod, boolean fixed, LongSupplier nanoTime, Candidates candidates,
      Runnable loaded, Consumer<Throwable> loadFailed) {
    this.query = query;
    this.discovery = discovery;
    this.cachePeriodNanos = cachePeriod.toNanos();
    this.nanoTime = nanoTime;
    this.candidates = candidates;
    this.loaded = loaded;
    this.loadFailed = loadFailed;
    RegistryView v = null;
    if (!fixed && discovery != null) {
      v = view;
      if (v == null && !Boolean.FALSE.equals(useView)) {
        try {
          v = discovery.view();
        } catch (IllegalStateException e) {
          if (Boolean.TRUE.equals(useView)) {
            throw e;
          }
          LOG.debug("Selector of '{}' reads Redis every {}: {}", query.serviceName(), cachePeriod, e.getMessage());
        }
      }
    }
    this.view = v;
    this.polling = !fixed && v == null;
  }

  /**
   * Whether the instances come from a view.
   *
   * @return true with a view
   */
  public boolean usesView() {
    return view != null;
  }

  /**
   * Reads of Redis that failed.
   *
   * @return the count
   */
  public long refreshFailures() {
    return refreshFailures.sum();
  }

  /** Attaches to the view (and loads from it once it is ready) or to the events (and reads Redis). */
  public void start() {
    RegistryView v = view;
    if (v != null) {
      DiscoveryListener l = e -> {
        if (concerns(e)) {
          loadFromViewLocked(v);
        }
      };
      listener = l;
      v.addListener(l); // before the first read, so that no change falls in between
      v.ready().whenComplete((r, e) -> {
        if (e != null) {
          loadFailed.accept(e);
          return;
        }
        loadFromViewLocked(v);
        loaded.run();
      });
      return;
    }
    DiscoveryService d = discovery;
    if (d != null) {
      DiscoveryListener l = e -> {
        if (concerns(e)) {
          refresh(true);
        }
      };
      listener = l;
      d.onEvent(l);
      refresh(true);
    }
  }

  /** Whether an event may change the list: it names the service, or one of our nodes. */
  private boolean concerns(DiscoveryEvent e) {
    if (closed) {
      return false;
    }
    for (ServiceInfo s : e.services()) {
      if (s.name().equals(query.serviceName())) {
        return true;
      }
    }
    return candidates.contains(e.nodeId()) || e.services().isEmpty();
  }

  /**
   * The snapshot to answer from: rebuilt first when the view moved or an ejection is over; without
   * a view, starts a background read of Redis when the cache period is over.
   *
   * @return the snapshot
   */
  public Snapshot current() {
    Snapshot s = candidates.snapshot();
    RegistryView v = view;
    if (v != null) {
      if (v.version() != s.sourceVersion && s.loaded && candidates.lock.tryLock()) {
        try {
          loadFromView(v);
        } finally {
          candidates.lock.unlock();
        }
        s = candidates.snapshot();
      }
    } else if (polling && nanoTime.getAsLong() - nextLoadAt >= 0) {
      refresh(false);
    }
    return candidates.returnIfDue(s);
  }

  private void loadFromViewLocked(RegistryView v) {
    candidates.lock.lock();
    try {
      loadFromView(v);
    } finally {
      candidates.lock.unlock();
    }
  }

  /** Reads the view's list of the service (memory only); under the lock. */
  private void loadFromView(RegistryView v) {
    long version = v.version(); // read first: a change after it makes the next selection load again
    List<NodeInfo> raw = v.findNodesByService(query.serviceName(), query.version().orElse(null));
    if (raw == lastRaw && candidates.snapshot().loaded) {
      candidates.markVersion(version); // the view's list of the service is unchanged (it caches it)
      return;
    }
    lastRaw = raw;
    candidates.apply(raw, version);
  }

  /**
   * Reads Redis in the background unless a read is running; for an event, then once more after
   * it (the running read may have missed the change), for a due period not (it is being read).
   */
  private void refresh(boolean event) {
    DiscoveryService d = discovery;
    if (d == null || closed) {
      return;
    }
    if (!refreshing.compareAndSet(false, true)) {
      if (event) {
        refreshAgain = true;
      }
      return;
    }
    nextLoadAt = nanoTime.getAsLong() + cachePeriodNanos;
    refreshAgain = false;
    CompletableFuture<List<NodeInfo>> read;
    try {
      read = d.find(query);
    } catch (RuntimeException e) {
      read = CompletableFuture.failedFuture(e);
    }
    read.whenComplete((nodes, e) -> {
      try {
        if (e != null) {
          refreshFailures.increment();
          LOG.warn("Selector of '{}': reading its instances failed, keeping the last list and retrying in {} ms: {}",
              query.serviceName(), cachePeriodNanos / 1_000_000, e.toString());
          if (!candidates.snapshot().loaded) {
            loadFailed.accept(e);
          }
          return;
        }
        candidates.setNodes(nodes);
        loaded.run();
      } finally {
        refreshing.set(false);
        if (refreshAgain && !closed) {
          refresh(true);
        }
      }
    });
  }

  /** Detaches from the view or the events; later events and refreshes do nothing. Idempotent. */
  public void close() {
    closed = true;
    DiscoveryListener l = listener;
    if (l != null) {
      RegistryView v = view;
      if (v != null) {
        v.removeListener(l);
      } else if (discovery != null) {
        discovery.offEvent(l);
      }
    }
  }
}
