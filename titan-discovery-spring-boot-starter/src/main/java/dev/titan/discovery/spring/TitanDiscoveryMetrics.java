package dev.titan.discovery.spring;

import dev.titan.discovery.DiscoveryService;
import dev.titan.discovery.NodeInfo;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Micrometer meters of Titan Discovery:
 *
 * <ul>
 *   <li>{@code titan.discovery.heartbeats} (counter, tag {@code result=sent|failed}): successful
 *       heartbeats and registrations, failed attempts;
 *   <li>{@code titan.discovery.events.received} (counter): registry events received;
 *   <li>{@code titan.discovery.registry.size} (gauge): active nodes, refreshed in the background
 *       on registry events and at most every {@code refresh} when read;
 *   <li>{@code titan.discovery.lookup} (timer, tags {@code operation=instances|services}, {@code
 *       cache=hit|miss}, {@code outcome=success|error}): discovery client lookups.
 * </ul>
 */
public class TitanDiscoveryMetrics implements MeterBinder {

  private final DiscoveryService discovery;
  private final TitanServiceInstances instances;
  private final long refreshNanos;
  private final AtomicLong registrySize = new AtomicLong();
  private final AtomicLong refreshedAt = new AtomicLong(System.nanoTime() - Long.MAX_VALUE / 2);
  private final AtomicBoolean refreshing = new AtomicBoolean();

  /**
   * Creates the binder.
   *
   * @param discovery the discovery service
   * @param instances the registry view whose lookups are timed
   * @param refresh how old the registry size may be when read
   */
  public TitanDiscoveryMetrics(DiscoveryService discovery, TitanServiceInstances instances, Duration refresh) {
    this.discovery = discovery;
    this.instances = instances;
    this.refreshNanos = refresh.toNanos();
  }

  /**
   * Registers the meters.
   *
   * @param registry the meter registry
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    FunctionCounter.builder("titan.discovery.heartbeats", discovery, d -> d.status().heartbeatsSent())
        .tag("result", "sent")
        .description("Successful heartbeats and registrations of this node")
        .register(registry);
    FunctionCounter.builder("titan.discovery.heartbeats", discovery, d -> d.status().heartbeatsFailed())
        .tag("result", "failed")
        .description("Failed heartbeat and registration attempts of this node")
        .register(registry);
    FunctionCounter.builder("titan.discovery.events.received", discovery, d -> d.status().eventsReceived())
        .description("Registry events received over pub/sub")
        .register(registry);
    Gauge.builder("titan.discovery.registry.size", this, TitanDiscoveryMetrics::registrySize)
        .description("Active nodes in the registry")
        .register(registry);
    instances.addLookupRecorder((operation, cached, failed, nanos) -> Timer.builder("titan.discovery.lookup")
        .description("Discovery client lookups")
        .tag("operation", operation)
        .tag("cache", cached ? "hit" : "miss")
        .tag("outcome", failed ? "error" : "success")
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS));
  }

  /** Marks the registry size stale, so that the next read refreshes it. */
  void registryChanged() {
    refreshedAt.set(System.nanoTime() - refreshNanos - 1);
    refresh();
  }

  private double registrySize() {
    if (System.nanoTime() - refreshedAt.get() > refreshNanos) {
      refresh();
    }
    return registrySize.get();
  }

  private void refresh() {
    if (!discovery.status().started() || !refreshing.compareAndSet(false, true)) {
      return;
    }
    refreshedAt.set(System.nanoTime());
    try {
      discovery.getActiveNodes().whenComplete((List<NodeInfo> nodes, Throwable e) -> {
        if (e == null) {
          registrySize.set(nodes.size());
        }
        refreshing.set(false);
      });
    } catch (RuntimeException e) {
      refreshing.set(false);
    }
  }
}
