package dev.titan.discovery.internal.view;

import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.ServiceInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The nodes offering one service. A change costs O(1) (one map write); the answers for any
 * version and per version are built lazily, O(nodes of this service), by the first lookup after a
 * change, then cached, so a repeated lookup costs one field read. One writer at a time; readers
 * need no lock.
 */
final class ServiceBucket {

  /** The answers, valid while the bucket's change count is {@code changes}. */
  private record Answers(long changes, List<NodeInfo> all, Map<String, List<NodeInfo>> byVersion) {}

  private final String name;
  private final ConcurrentHashMap<String, NodeInfo> members = new ConcurrentHashMap<>();
  private volatile long changes;
  private volatile Answers answers = new Answers(0, List.of(), Map.of());

  /**
   * An empty bucket.
   *
   * @param name the service name
   */
  ServiceBucket(String name) {
    this.name = name;
  }

  /**
   * Adds or replaces a node (which offers the service).
   *
   * @param node the node
   */
  void put(NodeInfo node) {
    members.put(node.nodeId(), node);
    changes++;
  }

  /**
   * Removes a node.
   *
   * @param nodeId the node id
   * @return true when the bucket is now empty
   */
  boolean remove(String nodeId) {
    if (members.remove(nodeId) != null) {
      changes++;
    }
    return members.isEmpty();
  }

  /**
   * The nodes offering the service.
   *
   * @param version the version, or null for any
   * @return an unmodifiable list
   */
  List<NodeInfo> find(@Nullable String version) {
    long c = changes;
    Answers a = answers;
    if (a.changes() != c) {
      a = build(c);
      answers = a;
    }
    return version == null ? a.all() : a.byVersion().getOrDefault(version, List.of());
  }

  private Answers build(long c) {
    List<NodeInfo> all = List.copyOf(members.values());
    Map<String, List<NodeInfo>> versions = new HashMap<>();
    for (NodeInfo n : all) {
      for (ServiceInfo s : n.services()) {
        if (s.name().equals(name) && s.version() != null) {
          List<NodeInfo> list = versions.computeIfAbsent(s.version(), v -> new ArrayList<>());
          if (list.isEmpty() || list.get(list.size() - 1) != n) { // one entry per node
            list.add(n);
          }
        }
      }
    }
    Map<String, List<NodeInfo>> frozen = new HashMap<>(versions.size() * 2);
    versions.forEach((v, l) -> frozen.put(v, List.copyOf(l)));
    return new Answers(c, all, Map.copyOf(frozen));
  }
}
