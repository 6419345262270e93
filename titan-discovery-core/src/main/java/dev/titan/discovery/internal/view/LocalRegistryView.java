package dev.titan.discovery.internal.view;

import dev.titan.discovery.DiscoveryEvent;
import dev.titan.discovery.DiscoveryListener;
import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.RegistryView;
import dev.titan.discovery.internal.Completions;
import dev.titan.discovery.internal.Keys;
import dev.titan.discovery.internal.events.EventHub;
import dev.titan.discovery.internal.events.EventSubscription;
import dev.titan.discovery.internal.registry.RegistryReader;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link RegistryView} of a discovery service: lookups from a {@link ViewIndex}, kept in step
 * by a {@link ViewSync} fed by the service's {@link EventSubscription}, and a periodic probe of
 * the change counter that catches what no event announced.
 */
public final class LocalRegistryView implements RegistryView, EventSubscription.Observer {

  private static final Logger LOG = LoggerFactory.getLogger(LocalRegistryView.class);

  /** How often the change counter is compared with the view's. */
  public static final Duration PROBE_PERIOD = Duration.ofSeconds(1);
  /** How often everything is read again while nodes written without our indexes exist. */
  public static final Duration FOREIGN_PERIOD = Duration.ofSeconds(60);

  private final ViewIndex index = new ViewIndex();
  private final EventHub hub;
  private final ScheduledExecutorService scheduler;
  private final Completions completions;
  private final Duration probePeriod;
  private final Duration foreignPeriod;
  private final List<DiscoveryListener> listeners = new CopyOnWriteArrayList<>();
  private final CompletableFuture<RegistryView> ready = new CompletableFuture<>();
  private volatile @Nullable ViewSync sync;
  private volatile @Nullable ScheduledFuture<?> probe;
  private volatile @Nullable EventSubscription subscription;
  private volatile boolean closed;

  /**
   * Creates an empty view; {@link #attach} fills it.
   *
   * @param hub the event thread of the discovery service
   * @param scheduler runs the probe
   * @param completions where the futures handed to users complete (never a Redis I/O thread)
   */
  public LocalRegistryView(EventHub hub, ScheduledExecutorService scheduler, Completions completions) {
    this(hub, scheduler, completions, PROBE_PERIOD, FOREIGN_PERIOD);
  }

  /**
   * Creates an empty view with other periods than {@link #PROBE_PERIOD} and {@link
   * #FOREIGN_PERIOD} (tests).
   *
   * @param hub the event thread of the discovery service
   * @param scheduler runs the probe
   * @param completions where the futures handed to users complete (never a Redis I/O thread)
   * @param probePeriod how often the change counter is compared with the view's
   * @param foreignPeriod how often everything is read again while nodes written by the
   *     TypeScript implementation exist
   */
  public LocalRegistryView(EventHub hub, ScheduledExecutorService scheduler, Completions completions,
      Duration probePeriod, Duration foreignPeriod) {
    this.hub = hub;
    this.scheduler = scheduler;
    this.completions = completions;
    this.probePeriod = probePeriod;
    this.foreignPeriod = foreignPeriod;
  }

  /**
   * Connects the view to the registry: subscribes to the sequence channel, reads everything,
   * starts the probe.
   *
   * @param reader registry reads
   * @param commands Redis commands (for the probe)
   * @param keys key layout
   * @param subscription the service's subscription
   * @return completes when the first read has been applied
   */
  public CompletableFuture<RegistryView> attach(
      RegistryReader reader, RedisClusterAsyncCommands<String, String> commands, Keys keys, EventSubscription subscription) {
    ViewSync s = new ViewSync(index, new RedisSource(reader), Runnable::run, this::changed);
    this.subscription = subscription;
    sync = s;
    s.firstRead().whenComplete((v, e) -> {
      if (e == null) {
        ready.complete(this);
      } else if (closed) {
        ready.completeExceptionally(e);
      }
    });
    subscription.observe(this)
        .thenRun(s::resync)
        .exceptionally(e -> {
          fail(e);
          return null;
        });
    probe = scheduler.scheduleWithFixedDelay(() -> probe(commands, keys, s),
        probePeriod.toMillis(), probePeriod.toMillis(), TimeUnit.MILLISECONDS);
    return ready;
  }

  /**
   * Fails the view when it cannot be attached (the service did not start).
   *
   * @param error why
   */
  public void fail(Throwable error) {
    ready.completeExceptionally(error);
  }

  private void probe(RedisClusterAsyncCommands<String, String> commands, Keys keys, ViewSync s) {
    if (closed) {
      return;
    }
    CompletableFuture<String> v = commands.get(keys.version()).toCompletableFuture();
    CompletableFuture<Long> n = commands.scard(keys.nodesIndex()).toCompletableFuture();
    CompletableFuture<Long> z = commands.zcard(keys.deadlines()).toCompletableFuture();
    CompletableFuture<Long> f = commands.scard(keys.foreign()).toCompletableFuture();
    CompletableFuture.allOf(v, n, z, f).whenComplete((x, e) -> {
      if (e != null) {
        LOG.debug("Local view probe failed: {}", e.toString());
        return;
      }
      long remote;
      try {
        remote = v.join() == null ? 0 : Long.parseLong(v.join());
      } catch (NumberFormatException ex) {
        remote = 0;
      }
      long r = remote;
      // nodes written by the TypeScript implementation: adopted ones, or not adopted yet
      boolean foreign = (f.join() != null && f.join() > 0)
          || (n.join() != null && z.join() != null && n.join() > z.join());
      s.onProbe(r, foreign, foreignPeriod.toMillis());
    });
  }

  private void changed(DiscoveryEvent e) {
    if (listeners.isEmpty()) {
      return;
    }
    hub.submit(() -> {
      for (DiscoveryListener l : listeners) {
        if (hub.isClosed()) {
          return;
        }
        try {
          l.onEvent(e);
        } catch (RuntimeException ex) {
          LOG.warn("Registry view listener {} threw on {} of node {}", l, e.type(), e.nodeId(), ex);
        }
      }
    });
  }

  /** Called (on the event thread) after the subscription was re-established: events were lost. */
  public void resubscribed() {
    ViewSync s = sync;
    if (s != null && !closed) {
      s.resync();
    }
  }

  @Override
  public void onSequence(String message) {
    ViewSync s = sync;
    if (s != null && !closed) {
      s.onSequence(message);
    }
  }

  @Override
  public void onEvent(@Nullable DiscoveryEvent event) {
    ViewSync s = sync;
    if (s != null && !closed) {
      s.onEvent(event);
    }
  }

  /** Stops the probe and the sync; lookups keep answering the last content. */
  public void close() {
    closed = true;
    ScheduledFuture<?> p = probe;
    if (p != null) {
      p.cancel(false);
    }
    ViewSync s = sync;
    if (s != null) {
      s.close();
    }
    ready.completeExceptionally(new IllegalStateException("the view is closed"));
  }

  @Override
  public List<NodeInfo> nodes() {
    return index.nodes();
  }

  @Override
  public List<NodeInfo> findNodesByService(String name) {
    return findNodesByService(name, null);
  }

  @Override
  public List<NodeInfo> findNodesByService(String name, @Nullable String version) {
    Objects.requireNonNull(name, "name");
    return index.find(name, version);
  }

  @Override
  public Optional<NodeInfo> node(String nodeId) {
    Objects.requireNonNull(nodeId, "nodeId");
    return index.node(nodeId);
  }

  @Override
  public int size() {
    return index.size();
  }

  @Override
  public long version() {
    ViewSync s = sync;
    return s == null ? 0 : s.version();
  }

  /**
   * The nodes with the version they reflect, taken atomically, when the view can vouch for them:
   * attached, not closed, in step, and its pub/sub connection up (so that changes keep arriving).
   *
   * @param service only the nodes offering this service, or null for every node
   * @param serviceVersion only those offering it in this version, or null for any
   * @return the content, or null
   */
  ViewSync.@Nullable Content inStepContent(@Nullable String service, @Nullable String serviceVersion) {
    ViewSync s = sync;
    EventSubscription sub = subscription;
    if (s == null || sub == null || closed || !sub.isConnected()) {
      return null;
    }
    return s.inStepContent(service, serviceVersion);
  }

  @Override
  public boolean isSynchronized() {
    ViewSync s = sync;
    return s != null && !closed && s.inStep();
  }

  @Override
  public long lastFullReadMillis() {
    ViewSync s = sync;
    return s == null ? 0 : s.lastFullReadMillis();
  }

  @Override
  public long fullReads() {
    ViewSync s = sync;
    return s == null ? 0 : s.fullReads();
  }

  @Override
  public CompletableFuture<RegistryView> ready() {
    return completions.relay(ready.copy());
  }

  @Override
  public CompletableFuture<Void> refresh() {
    ViewSync s = sync;
    if (s == null || closed) {
      return CompletableFuture.failedFuture(new IllegalStateException("the view is not running"));
    }
    return completions.relay(s.resync());
  }

  @Override
  public void addListener(DiscoveryListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  @Override
  public void removeListener(DiscoveryListener listener) {
    listeners.remove(listener);
  }

  @Override
  public String toString() {
    return "RegistryView[" + size() + " nodes, version " + version() + (isSynchronized() ? "" : ", resynchronising") + "]";
  }

  /** Reads through the registry reader. */
  private static final class RedisSource implements ViewSync.Source {
    private final RegistryReader reader;

    RedisSource(RegistryReader reader) {
      this.reader = reader;
    }

    @Override
    public CompletableFuture<RegistryReader.Snapshot> snapshot() {
      return reader.snapshot();
    }

    @Override
    public CompletableFuture<Map<String, Optional<NodeInfo>>> read(Set<String> ids) {
      Map<String, CompletableFuture<Optional<NodeInfo>>> reads = new HashMap<>();
      for (String id : ids) {
        reads.put(id, reader.node(id).thenCombine(reader.isActive(id), (n, active) -> active ? n : Optional.<NodeInfo>empty()));
      }
      return CompletableFuture.allOf(reads.values().toArray(new CompletableFuture<?>[0])).thenApply(x -> {
        Map<String, Optional<NodeInfo>> out = new HashMap<>();
        reads.forEach((id, f) -> out.put(id, f.join()));
        return out;
      });
    }
  }
}
