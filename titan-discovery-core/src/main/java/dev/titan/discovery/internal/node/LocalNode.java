package dev.titan.discovery.internal.node;

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
   */
  public record Snapshot(String nodeId, String address, List<ServiceInfo> services) {
    /**
     * Copies the services.
     *
     * @param nodeId see the record component
     * @param address see the record component
     * @param services see the record component
     */
    public Snapshot {
      services = List.copyOf(services);
    }

    /**
     * A copy with other services.
     *
     * @param s the services
     * @return the copy
     */
    public Snapshot withServices(List<ServiceInfo> s) {
      return new Snapshot(nodeId, address, s);
    }

    /**
     * A copy with another address.
     *
     * @param a the address
     * @return the copy
     */
    public Snapshot withAddress(String a) {
      return new Snapshot(nodeId, a, services);
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
