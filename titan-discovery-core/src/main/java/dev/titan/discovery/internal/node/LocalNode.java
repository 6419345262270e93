package dev.titan.discovery.internal.node;

import dev.titan.discovery.NodeStatus;
import java.util.Map;
import dev.titan.discovery.ServiceInfo;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The identity this process registers: node id, address and services. Changes are atomic
 * (compare-and-set on an immutable snapshot), so concurrent updates never lose one another.
 */
public final class LocalNode {

  /**
   * One consistent view of the identity.
   *
   * @param nodeId the id
   * @param address the address
   * @param services the services (unmodifiable)
   * @param status whether the node takes calls
   * @param metadata the node's metadata (unmodifiable)
   */
  public record Snapshot(String nodeId, String address, List<ServiceInfo> services, NodeStatus status, Map<String, String> metadata) {
    /**
     * Copies the services and metadata.
     *
     * @param nodeId see the record component
     * @param address see the record component
     * @param services see the record component
     * @param status see the record component
     * @param metadata see the record component
     */
    public Snapshot {
      services = List.copyOf(services);
      metadata = Map.copyOf(metadata);
    }

    /**
     * An UP node without metadata.
     *
     * @param nodeId the id
     * @param address the address
     * @param services the services
     */
    public Snapshot(String nodeId, String address, List<ServiceInfo> services) {
      this(nodeId, address, services, NodeStatus.UP, Map.of());
    }

    /**
     * A copy with other services.
     *
     * @param s the services
     * @return the copy
     */
    public Snapshot withServices(List<ServiceInfo> s) {
      return new Snapshot(nodeId, address, s, status, metadata);
    }

    /**
     * A copy with another address.
     *
     * @param a the address
     * @return the copy
     */
    public Snapshot withAddress(String a) {
      return new Snapshot(nodeId, a, services, status, metadata);
    }

    /**
     * A copy with another status.
     *
     * @param st the status
     * @return the copy
     */
    public Snapshot withStatus(NodeStatus st) {
      return new Snapshot(nodeId, address, services, st, metadata);
    }

    /**
     * A copy with other metadata.
     *
     * @param m the metadata
     * @return the copy
     */
    public Snapshot withMetadata(Map<String, String> m) {
      return new Snapshot(nodeId, address, services, status, m);
    }

    /**
     * A copy with another id, address and services; status and metadata kept.
     *
     * @param id the id
     * @param a the address
     * @param s the services
     * @return the copy
     */
    public Snapshot withIdentity(String id, String a, List<ServiceInfo> s) {
      return new Snapshot(id, a, s, status, metadata);
    }
  }

  private final java.util.concurrent.atomic.AtomicReference<Snapshot> current;

  /**
   * Creates the identity.
   *
   * @param initial the initial snapshot
   */
  public LocalNode(Snapshot initial) {
    this.current = new java.util.concurrent.atomic.AtomicReference<>(initial);
  }

  /**
   * The current snapshot.
   *
   * @return the snapshot
   */
  public Snapshot get() {
    return current.get();
  }

  /**
   * Applies a change atomically.
   *
   * @param change maps the current snapshot to the new one (may be called more than once)
   * @return true when the snapshot changed
   */
  public boolean update(UnaryOperator<Snapshot> change) {
    Snapshot before;
    Snapshot after;
    do {
      before = current.get();
      after = change.apply(before);
    } while (!current.compareAndSet(before, after));
    return !before.equals(after);
  }

  /**
   * Takes on a status that an operator set for this node, if the node still has that id.
   *
   * @param nodeId the id the status was set for
   * @param status the status
   * @return true when the status changed
   */
  public boolean adoptStatus(String nodeId, NodeStatus status) {
    return update(cur -> cur.nodeId().equals(nodeId) ? cur.withStatus(status) : cur);
  }

  /**
   * Adds a service unless the same name and version is there.
   *
   * @param service the service
   * @return true when added
   */
  public boolean addService(ServiceInfo service) {
    return update(s -> {
      if (s.services().contains(service)) {
        return s;
      }
      List<ServiceInfo> out = new java.util.ArrayList<>(s.services());
      out.add(service);
      return s.withServices(out);
    });
  }

  /**
   * Removes every version of a service.
   *
   * @param name the service name
   * @return true when something was removed
   */
  public boolean removeService(String name) {
    return update(s -> {
      List<ServiceInfo> kept = s.services().stream().filter(x -> !x.name().equals(name)).toList();
      return kept.size() == s.services().size() ? s : s.withServices(kept);
    });
  }
}
