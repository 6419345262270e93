package dev.titan.discovery.dashboard;

import dev.titan.discovery.DiscoveryEvent;
import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.ServiceInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.json.JsonMapper;

/**
 * The page's JSON for nodes and event-log entries. Each node's JSON is kept while the view hands
 * out the same (immutable) {@link NodeInfo} instance, so that a snapshot of 10,000 nodes encodes
 * only the ones that changed since the last snapshot or batch.
 */
final class NodeJson {

  private final JsonMapper json;
  /** Each node's JSON, kept while the view hands out the same (immutable) NodeInfo instance. */
  private final Map<String, Encoded> encoded = new ConcurrentHashMap<>();

  private record Encoded(NodeInfo node, String json) {}

  NodeJson(JsonMapper json) {
    this.json = json;
  }

  /**
   * Appends a JSON array of nodes, each encoded once per NodeInfo instance.
   *
   * @param out where to append
   * @param nodes the nodes
   */
  void appendNodes(StringBuilder out, List<NodeInfo> nodes) {
    out.append('[');
    for (int i = 0; i < nodes.size(); i++) {
      NodeInfo n = nodes.get(i);
      Encoded e = encoded.get(n.nodeId());
      if (e == null || e.node() != n) {
        e = new Encoded(n, json.writeValueAsString(node(n)));
        encoded.put(n.nodeId(), e);
      }
      if (i > 0) {
        out.append(',');
      }
      out.append(e.json());
    }
    out.append(']');
  }

  /**
   * Drops a removed node's cached JSON.
   *
   * @param nodeId the node
   */
  void forget(String nodeId) {
    encoded.remove(nodeId);
  }

  /**
   * A node as the page shows it.
   *
   * @param n the node
   * @return its members, in the page's order
   */
  static Map<String, Object> node(NodeInfo n) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", n.nodeId());
    m.put("address", n.address());
    List<Map<String, Object>> services = new ArrayList<>(n.services().size());
    for (ServiceInfo s : n.services()) {
      Map<String, Object> sm = new LinkedHashMap<>();
      sm.put("name", s.name());
      if (s.version() != null) {
        sm.put("version", s.version());
      }
      services.add(sm);
    }
    m.put("services", services);
    m.put("timestamp", n.timestamp());
    m.put("status", n.status().name());
    m.put("zone", n.zone().orElse(null));
    m.put("weight", n.weight());
    m.put("metadata", n.metadata());
    return m;
  }

  /**
   * The event-log entry of a registry event (its {@code id} is added when it is logged).
   *
   * @param event the view's event
   * @return a mutable entry
   */
  static Map<String, Object> event(DiscoveryEvent event) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("kind", event.type().name());
    e.put("nodeId", event.nodeId());
    e.put("status", event.status().name());
    e.put("time", event.timestamp() > 0 ? event.timestamp() : System.currentTimeMillis());
    return e;
  }

  /**
   * The event-log entry of an operator's action.
   *
   * @param nodeId the node
   * @param from its status before
   * @param to the status set
   * @param reason the operator's reason
   * @param remote who asked (the client's address)
   * @return a mutable entry
   */
  static Map<String, Object> operatorAction(String nodeId, String from, String to, String reason, String remote) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("kind", "OPERATOR");
    e.put("nodeId", nodeId);
    e.put("from", from);
    e.put("status", to);
    e.put("reason", reason);
    e.put("remote", remote);
    e.put("time", System.currentTimeMillis());
    return e;
  }

  /**
   * The event-log entry that stands for the registry events left out of a batch.
   *
   * @param count how many were left out
   * @return a mutable entry
   */
  static Map<String, Object> summary(int count) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("kind", "SUMMARY");
    e.put("nodeId", "");
    e.put("count", count);
    e.put("time", System.currentTimeMillis());
    return e;
  }
}
