package dev.titan.discovery;

import java.util.List;
import java.util.Objects;

/**
 * A change in the registry, as published on the pub/sub channel.
 *
 * <p>On the wire this is the JSON object the TypeScript implementation publishes, with its keys
 * in this order: {@code type, nodeId, address, services, timestamp}.
 *
 * @param type what happened
 * @param nodeId the node it happened to
 * @param address the node's address (empty when the publisher did not know it)
 * @param services the node's services (unmodifiable, no nulls)
 * @param timestamp when it was published, epoch milliseconds
 */
public record DiscoveryEvent(
    Type type, String nodeId, String address, List<ServiceInfo> services, long timestamp) {

  /**
   * Makes the service list an unmodifiable copy and rejects nulls.
   *
   * @param type see the record component
   * @param nodeId see the record component
   * @param address see the record component
   * @param services see the record component
   * @param timestamp see the record component
   */
  public DiscoveryEvent {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(address, "address");
    services = List.copyOf(services);
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
