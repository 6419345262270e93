package dev.titan.discovery.spring;

import dev.titan.discovery.DiscoveryService;
import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.NodeStatus;
import dev.titan.discovery.RegistryView;
import dev.titan.discovery.ServiceInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;

/**
 * The registry as Spring Cloud sees it: service lookups mapped to {@link ServiceInstance}s.
 * With pub/sub on (the starter's default) lookups are answered from the core's push-updated
 * {@link RegistryView}, in memory, with no Redis round trip. Without it (or while the view
 * resynchronises) they are read from Redis, with a small in-memory cache per service name that is
 * dropped whenever a registry event arrives (and expires after {@code titan.discovery.cache-ttl}),
 * so a deregistered instance is gone from the next lookup. Shared by {@link TitanDiscoveryClient}
 * and {@link TitanReactiveDiscoveryClient}.
 *
 * <p>Mapping: instance id = node id, service id = the service name, host and port parsed from the
 * node's address ({@code host:port}; an IPv6 host keeps its brackets, {@code [::1]}, so that URIs
 * built from it are valid), not secure. Metadata: the node's own metadata, plus {@code version}
 * (when the node registered the service with one), {@code zone} (when the node has one), {@code
 * weight} (the node's weight, {@code 1} when absent), {@code status} and {@code nodeId}; so Spring
 * Cloud LoadBalancer's zone preference, weighted and hint-based suppliers work on them as they
 * are. A node whose address has no port is skipped, and so is every node that is not {@link
 * NodeStatus#UP} (DRAINING, OUT_OF_SERVICE): such a node is never handed out, so no load balancer
 * chooses it.
 */
public final class TitanServiceInstances {

  private static final Logger LOG = LoggerFactory.getLogger(TitanServiceInstances.class);

  /** Metadata key of the service version. */
  public static final String VERSION = "version";
  /** Metadata key of the node's status ({@code UP} in every instance handed out). */
  public static final String STATUS = "status";
  /** Metadata key of the node id. */
  public static final String NODE_ID = "nodeId";

  /** Receives the duration of each lookup, for metrics. */
  @FunctionalInterface
  public interface LookupRecorder {
    /**
     * Called once per lookup.
     *
     * @param operation {@code instances} or {@code services}
     * @param cached whether the answer came from memory
     * @param failed whether the lookup failed
     * @param nanos how long it took
     */
    void record(String operation, boolean cached, boolean failed, long nanos);
  }

  private record Entry(CompletableFuture<List<ServiceInstance>> future, long loadedNanos) {}

  private final DiscoveryService discovery;
  private final long ttlNanos;
  private final Map<String, Entry> cache = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicLong generation = new java.util.concurrent.atomic.AtomicLong();
  private final List<LookupRecorder> recorders = new CopyOnWriteArrayList<>();
  private volatile @Nullable RegistryView view;
  private volatile boolean viewUnavailable;

  /**
   * Creates the view.
   *
   * @param discovery the discovery service to read from
   * @param cacheTtl how long an answer may be reused; zero disables the cache
   */
  public TitanServiceInstances(DiscoveryService discovery, Duration cacheTtl) {
    this.discovery = Objects.requireNonNull(discovery, "discovery");
    this.ttlNanos = Math.max(0, cacheTtl.toNanos());
  }

  /**
   * Adds a recorder of lookup durations.
   *
   * @param recorder the recorder
   */
  public void addLookupRecorder(LookupRecorder recorder) {
    recorders.add(Objects.requireNonNull(recorder, "recorder"));
  }

  /**
   * The instances of a service, from memory when fresh, else from Redis.
   *
   * @param serviceId the service name
   * @return completes with the instances (an unmodifiable list)
   */
  public CompletableFuture<List<ServiceInstance>> instances(String serviceId) {
    long began = System.nanoTime();
    RegistryView local = syncedView();
    if (local != null) {
      return record("instances", true, CompletableFuture.completedFuture(toInstances(serviceId, local.findNodesByService(serviceId))), began);
    }
    Entry e = cache.get(serviceId);
    if (e != null && ttlNanos > 0 && began - e.loadedNanos() < ttlNanos && !e.future().isCompletedExceptionally()) {
      return record("instances", true, e.future(), began);
    }
    long gen = generation.get();
    CompletableFuture<List<ServiceInstance>> f = discovery.findNodesByService(serviceId)
        .thenApply(nodes -> toInstances(serviceId, nodes));
    if (ttlNanos > 0) {
      Entry fresh = new Entry(f, began);
      cache.put(serviceId, fresh);
      if (generation.get() != gen) {
        cache.remove(serviceId, fresh); // invalidated meanwhile: the read may predate the change
      }
      f.whenComplete((v, ex) -> {
        if (ex != null) {
          cache.remove(serviceId, fresh);
        }
      });
    }
    return record("instances", false, f, began);
  }

  /**
   * The names of the services offered by active nodes, sorted, read from Redis.
   *
   * @return completes with the names
   */
  public CompletableFuture<List<String>> services() {
    long began = System.nanoTime();
    RegistryView v = syncedView();
    if (v != null) {
      return record("services", true, CompletableFuture.completedFuture(names(v.nodes())), began);
    }
    CompletableFuture<List<String>> f = discovery.getActiveNodes().thenApply(TitanServiceInstances::names);
    return record("services", false, f, began);
  }

  private static List<String> names(List<NodeInfo> nodes) {
    TreeSet<String> names = new TreeSet<>();
    for (NodeInfo n : nodes) {
      for (ServiceInfo s : n.services()) {
        names.add(s.name());
      }
    }
    return List.copyOf(names);
  }

  /** The local view when it can answer: pub/sub on, service started, view synchronised. */
  private @Nullable RegistryView syncedView() {
    RegistryView v = view;
    if (v == null && !viewUnavailable && discovery.status().started()) {
      try {
        v = discovery.view();
        view = v;
      } catch (IllegalStateException e) { // pub/sub disabled: lookups go to Redis
        viewUnavailable = true;
        LOG.debug("No local registry view ({}); lookups read Redis", e.getMessage());
        return null;
      }
    }
    return v != null && v.isSynchronized() ? v : null;
  }

  /** Forgets every cached answer; the next lookups read Redis. */
  public void invalidate() {
    generation.incrementAndGet();
    cache.clear();
  }

  private <T> CompletableFuture<T> record(String op, boolean cached, CompletableFuture<T> f, long began) {
    if (recorders.isEmpty()) {
      return f;
    }
    return f.whenComplete((v, e) -> {
      long nanos = System.nanoTime() - began;
      for (LookupRecorder r : recorders) {
        try {
          r.record(op, cached, e != null, nanos);
        } catch (RuntimeException ex) {
          LOG.debug("Lookup recorder failed", ex);
        }
      }
    });
  }

  static List<ServiceInstance> toInstances(String serviceId, List<NodeInfo> nodes) {
    List<ServiceInstance> out = new ArrayList<>(nodes.size());
    for (NodeInfo n : nodes) {
      if (n.status() != NodeStatus.UP) {
        continue; // draining or out of service: takes no new calls
      }
      ServiceInstance i = toInstance(serviceId, n);
      if (i != null) {
        out.add(i);
      }
    }
    return List.copyOf(out);
  }

  static @Nullable ServiceInstance toInstance(String serviceId, NodeInfo node) {
    HostPort hp = HostPort.parse(node.address());
    if (hp == null) {
      LOG.debug("Node {} of service {} has no usable host:port address ('{}'); skipped", node.nodeId(), serviceId, node.address());
      return null;
    }
    Map<String, String> metadata = new LinkedHashMap<>(node.metadata());
    for (ServiceInfo s : node.services()) {
      if (s.name().equals(serviceId) && s.version() != null) {
        metadata.put(VERSION, s.version());
        break;
      }
    }
    // zone is in the node's metadata already; weight normalised (absent or unusable = 1)
    metadata.put(NodeInfo.WEIGHT, Integer.toString(node.weight()));
    metadata.put(STATUS, node.status().name());
    metadata.put(NODE_ID, node.nodeId());
    return new DefaultServiceInstance(node.nodeId(), serviceId, hp.host(), hp.port(), false, metadata);
  }

  /** A parsed {@code host:port}; IPv6 hosts keep their brackets. */
  record HostPort(String host, int port) {
    static @Nullable HostPort parse(String address) {
      int colon = address.lastIndexOf(':');
      if (colon <= 0 || colon == address.length() - 1) {
        return null;
      }
      String host = address.substring(0, colon);
      if (host.indexOf(':') >= 0 && !(host.startsWith("[") && host.endsWith("]"))) {
        return null; // an IPv6 address without brackets and so without a port
      }
      try {
        int port = Integer.parseInt(address.substring(colon + 1));
        return port > 0 && port <= 65535 ? new HostPort(host, port) : null;
      } catch (NumberFormatException e) {
        return null;
      }
    }
  }
}
