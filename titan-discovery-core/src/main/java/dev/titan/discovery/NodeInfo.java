package dev.titan.discovery;

import java.util.List;
import java.util.Objects;

/**
 * A node of the registry as read from Redis.
 *
 * @param nodeId the node id
 * @param address the node's network address, usually {@code host:port}
 * @param services the services the node offers (unmodifiable, no nulls)
 * @param timestamp the time of the node's last write, epoch milliseconds
 */
public record NodeInfo(String nodeId, String address, List<ServiceInfo> services, long timestamp) {

  /**
   * Makes the service list an unmodifiable copy and rejects nulls.
   *
   * @param nodeId see the record component
   * @param address see the record component
   * @param services see the record component
   * @param timestamp see the record component
   */
  public NodeInfo {
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(address, "address");
    services = List.copyOf(services);
  }

  /**
   * Whether this node offers the named service, in the given version when one is given.
   *
   * @param name the service name
   * @param version the version, or {@code null} for any version
   * @return true when one of the node's services matches
   */
  public boolean offers(String name, @org.jspecify.annotations.Nullable String version) {
    for (ServiceInfo s : services) {
      if (s.matches(name, version)) {
        return true;
      }
    }
    return false;
  }
}
