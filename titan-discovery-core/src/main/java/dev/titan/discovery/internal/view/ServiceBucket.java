package dev.titan.discovery.internal.view;

import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.ServiceInfo;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The nodes offering one service, immutable: the answer for any version and the answer per
 * version are built once per change, so a lookup costs one map access. A change costs O(nodes of
 * this service).
 */
final class ServiceBucket {

  private final String name;
  private final Map<String, NodeInfo> members;
  private final List<NodeInfo> all;
  private final Map<String, List<NodeInfo>> byVersion;

  private ServiceBucket(String name, Map<String, NodeInfo> members) {
    this.name = name;
    this.members = members;
    this.all = List.copyOf(members.values());
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
    this.byVersion = Map.copyOf(frozen);
  }

  /**
   * A bucket of the given nodes (all of which offer the service).
   *
   * @param name the service name
   * @param nodes the nodes
   * @return the bucket
   */
  static ServiceBucket of(String name, Collection<NodeInfo> nodes) {
    Map<String, NodeInfo> m = new LinkedHashMap<>();
    for (NodeInfo n : nodes) {
      m.put(n.nodeId(), n);
    }
    return new ServiceBucket(name, m);
  }

  /**
   * This bucket with the node added or replaced.
   *
   * @param node the node
   * @return a new bucket
   */
  ServiceBucket with(NodeInfo node) {
    Map<String, NodeInfo> m = new LinkedHashMap<>(members);
    m.put(node.nodeId(), node);
    return new ServiceBucket(name, m);
  }

  /**
   * This bucket without the node, or null when it becomes empty.
   *
   * @param nodeId the node id
   * @return a new bucket, this one when the node was not in it, or null when empty
   */
  @Nullable ServiceBucket without(String nodeId) {
    if (!members.containsKey(nodeId)) {
      return this;
    }
    if (members.size() == 1) {
      return null;
    }
    Map<String, NodeInfo> m = new LinkedHashMap<>(members);
    m.remove(nodeId);
    return new ServiceBucket(name, m);
  }

  /**
   * The nodes offering the service.
   *
   * @param version the version, or null for any
   * @return an unmodifiable list
   */
  List<NodeInfo> find(@Nullable String version) {
    if (version == null) {
      return all;
    }
    return byVersion.getOrDefault(version, List.of());
  }
}
