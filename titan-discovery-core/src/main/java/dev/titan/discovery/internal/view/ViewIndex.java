package dev.titan.discovery.internal.view;

import dev.titan.discovery.DiscoveryEvent;
import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.ServiceInfo;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The nodes of a local view, indexed by id and by service. One writer at a time (under the
 * sync's lock); any thread reads without locks. A change costs O(services of the node). Readers see each node and each
 * service's list atomically; a change touching a node and its services becomes visible to them
 * piece by piece, within the same microsecond.
 */
final class ViewIndex {

  private final ConcurrentHashMap<String, NodeInfo> nodes = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, ServiceBucket> services = new ConcurrentHashMap<>();
  private volatile long changes;
  private volatile Cached all = new Cached(-1, List.of());

  /** The list of every node, valid while {@code changes} has not moved. */
  private record Cached(long changes, List<NodeInfo> nodes) {}

  /**
   * Adds or replaces a node.
   *
   * @param node the node
   * @return the node it replaced, or null
   */
  @Nullable NodeInfo put(NodeInfo node) {
    NodeInfo old = nodes.put(node.nodeId(), node);
    Set<String> fresh = names(node);
    if (old != null) {
      for (String gone : names(old)) {
        if (!fresh.contains(gone)) {
          leave(gone, node.nodeId());
        }
      }
    }
    for (String name : fresh) {
      services.computeIfAbsent(name, ServiceBucket::new).put(node);
    }
    changes++;
    return old;
  }

  /**
   * Removes a node.
   *
   * @param nodeId the id
   * @return the node removed, or null
   */
  @Nullable NodeInfo remove(String nodeId) {
    NodeInfo old = nodes.remove(nodeId);
    if (old != null) {
      for (String name : names(old)) {
        leave(name, nodeId);
      }
      changes++;
    }
    return old;
  }

  /**
   * Replaces the whole content and reports what differs, as events.
   *
   * @param fresh the nodes as read from Redis
   * @param timestamp the time to stamp departure events with
   * @return the differences: registered, updated (address or services changed), deregistered
   */
  List<DiscoveryEvent> replace(Collection<NodeInfo> fresh, long timestamp) {
    Map<String, NodeInfo> next = new HashMap<>(fresh.size() * 2);
    for (NodeInfo n : fresh) {
      next.put(n.nodeId(), n);
    }
    List<DiscoveryEvent> diff = new ArrayList<>();
    for (NodeInfo old : nodes.values()) {
      if (!next.containsKey(old.nodeId())) {
        diff.add(new DiscoveryEvent(DiscoveryEvent.Type.NODE_DEREGISTERED, old.nodeId(), old.address(), old.services(),
            timestamp, old.status(), old.metadata()));
      }
    }
    for (NodeInfo n : next.values()) {
      NodeInfo old = nodes.get(n.nodeId());
      if (old == null) {
        diff.add(event(DiscoveryEvent.Type.NODE_REGISTERED, n));
      } else if (differs(old, n)) {
        diff.add(event(DiscoveryEvent.Type.NODE_UPDATED, n));
      }
    }
    Map<String, List<NodeInfo>> grouped = new HashMap<>();
    for (NodeInfo n : next.values()) {
      for (String name : names(n)) {
        grouped.computeIfAbsent(name, k -> new ArrayList<>()).add(n);
      }
    }
    nodes.putAll(next);
    nodes.keySet().retainAll(next.keySet());
    grouped.forEach((name, list) -> {
      ServiceBucket b = new ServiceBucket(name);
      list.forEach(b::put);
      services.put(name, b);
    });
    services.keySet().retainAll(grouped.keySet());
    changes++;
    return diff;
  }

  private void leave(String name, String nodeId) {
    ServiceBucket b = services.get(name);
    if (b != null && b.remove(nodeId)) {
      services.remove(name, b);
    }
  }

  /** Whether what others see of a node changed: address, services, status or metadata. */
  static boolean differs(NodeInfo old, NodeInfo n) {
    return !old.address().equals(n.address()) || !old.services().equals(n.services())
        || old.status() != n.status() || !old.metadata().equals(n.metadata());
  }

  static DiscoveryEvent event(DiscoveryEvent.Type type, NodeInfo n) {
    return new DiscoveryEvent(type, n.nodeId(), n.address(), n.services(), n.timestamp(), n.status(), n.metadata());
  }

  List<NodeInfo> nodes() {
    long c = changes;
    Cached a = all;
    if (a.changes() != c) {
      a = new Cached(c, List.copyOf(nodes.values()));
      all = a;
    }
    return a.nodes();
  }

  List<NodeInfo> find(String name, @Nullable String version) {
    ServiceBucket b = services.get(name);
    return b == null ? List.of() : b.find(version);
  }

  Optional<NodeInfo> node(String nodeId) {
    return Optional.ofNullable(nodes.get(nodeId));
  }

  int size() {
    return nodes.size();
  }

  private static Set<String> names(NodeInfo n) {
    if (n.services().size() == 1) {
      return Set.of(n.services().get(0).name());
    }
    Set<String> out = new LinkedHashSet<>();
    for (ServiceInfo s : n.services()) {
      out.add(s.name());
    }
    return out;
  }
}
