package dev.titan.discovery;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A change in the registry, as published on the pub/sub channel.
 *
 * <p>On the wire this is the JSON object the TypeScript implementation publishes, with its keys
 * in this order: {@code type, nodeId, address, services, timestamp}; Java nodes add {@code status}
 * and {@code metadata} after them when the node is not {@link NodeStatus#UP} or has metadata
 * (TypeScript listeners ignore extra members). An event without them reads as UP, no metadata.
 *
 * @param type what happened
 * @param nodeId the node it happened to
 * @param address the node's address (empty when the publisher did not know it)
 * @param services the node's services (unmodifiable, no nulls)
 * @param timestamp when it was published, epoch milliseconds
 * @param status the node's status
 * @param metadata the node's metadata (unmodifiable)
 */
public record DiscoveryEvent(
    Type type, String nodeId, String address, List<ServiceInfo> services, long timestamp,
    NodeStatus status, Map<String, String> metadata) {

  /**
   * Makes the service list and metadata unmodifiable copies and rejects nulls.
   *
   * @param type see the record component
   * @param nodeId see the record component
   * @param address see the record component
   * @param services see the record component
   * @param timestamp see the record component
   * @param status see the record component
   * @param metadata see the record component
   */
  public DiscoveryEvent {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(status, "status");
    services = List.copyOf(services);
    metadata = NodeInfo.copyOf(metadata);
  }

  /**
   * An event about a node that is {@link NodeStatus#UP} with no metadata (the five-argument form
   * of earlier versions, and what every TypeScript-published event reads as).
   *
   * @param type what happened
   * @param nodeId the node
   * @param address the address
   * @param services the services
   * @param timestamp when, epoch milliseconds
   */
  public DiscoveryEvent(Type type, String nodeId, String address, List<ServiceInfo> services, long timestamp) {
    this(type, nodeId, address, services, timestamp, NodeStatus.UP, Map.of());
  }

  /** The kinds of change. */
  public enum Type {
    /** A node joined the registry (first registration, or back after it had gone). */
    NODE_REGISTERED,
    /** A node's address or services changed. */
    NODE_UPDATED,
    /** A node left: deregistered gracefully, or removed after its heartbeat expired. */
    NODE_DEREGISTERED
  }
}
