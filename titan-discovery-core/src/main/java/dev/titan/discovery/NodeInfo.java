package dev.titan.discovery;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.Objects;

/**
 * A node of the registry as read from Redis.
 *
 * <p>{@code status} and {@code metadata} come from the instance-state fields that Java nodes
 * write next to the TypeScript implementation's; a node without them (every TypeScript-written
 * node) is {@link NodeStatus#UP} with no metadata. Well-known metadata keys are {@link #ZONE}
 * and {@link #WEIGHT}.
 *
 * @param nodeId the node id
 * @param address the node's network address, usually {@code host:port}
 * @param services the services the node offers (unmodifiable, no nulls)
 * @param timestamp the time of the node's last write, epoch milliseconds
 * @param status whether the node takes calls
 * @param metadata the node's metadata (unmodifiable, no null keys or values)
 */
public record NodeInfo(
    String nodeId, String address, List<ServiceInfo> services, long timestamp, NodeStatus status, Map<String, String> metadata) {

  /** Metadata key of the node's zone (as Spring Cloud LoadBalancer's zone preference reads it). */
  public static final String ZONE = "zone";
  /** Metadata key of the node's weight: a positive integer, absent = 1. */
  public static final String WEIGHT = "weight";

  /**
   * Makes the service list and metadata unmodifiable copies and rejects nulls.
   *
   * @param nodeId see the record component
   * @param address see the record component
   * @param services see the record component
   * @param timestamp see the record component
   * @param status see the record component
   * @param metadata see the record component
   */
  public NodeInfo {
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(status, "status");
    services = List.copyOf(services);
    metadata = copyOf(metadata);
  }

  /**
   * An unmodifiable copy of metadata in key order, as records hold it; for the library's readers.
   *
   * @param metadata the metadata (no null keys or values)
   * @return the copy
   */
  public static Map<String, String> copyOfMetadata(Map<String, String> metadata) {
    return copyOf(metadata);
  }

  /** An unmodifiable copy in key order; no null keys or values. */
  static Map<String, String> copyOf(Map<String, String> metadata) {
    if (metadata instanceof SortedCopy) {
      return metadata; // already one of ours: immutable and ordered
    }
    if (metadata.isEmpty()) {
      return Map.of();
    }
    TreeMap<String, String> copy = new TreeMap<>();
    for (Map.Entry<String, String> e : metadata.entrySet()) {
      copy.put(Objects.requireNonNull(e.getKey(), "metadata key"),
          Objects.requireNonNull(e.getValue(), () -> "metadata value of '" + e.getKey() + "'"));
    }
    return new SortedCopy(copy);
  }

  /** An unmodifiable sorted map that is known to be a private copy (so it is never copied again). */
  private static final class SortedCopy extends java.util.AbstractMap<String, String> {
    private final Map<String, String> map;

    SortedCopy(TreeMap<String, String> map) {
      this.map = Collections.unmodifiableMap(map);
    }

    @Override
    public java.util.Set<Map.Entry<String, String>> entrySet() {
      return map.entrySet();
    }

    @Override
    public @org.jspecify.annotations.Nullable String get(@org.jspecify.annotations.Nullable Object key) {
      return map.get(key);
    }

    @Override
    public boolean containsKey(@org.jspecify.annotations.Nullable Object key) {
      return map.containsKey(key);
    }

    @Override
    public int size() {
      return map.size();
    }
  }

  /**
   * A node with status {@link NodeStatus#UP} and no metadata (the four-argument form of earlier
   * versions, and what every TypeScript-written node reads as).
   *
   * @param nodeId the node id
   * @param address the address
   * @param services the services
   * @param timestamp the last write, epoch milliseconds
   */
  public NodeInfo(String nodeId, String address, List<ServiceInfo> services, long timestamp) {
    this(nodeId, address, services, timestamp, NodeStatus.UP, Map.of());
  }

  /**
   * The {@link #ZONE} metadata.
   *
   * @return the zone, or empty
   */
  public Optional<String> zone() {
    return Optional.ofNullable(metadata.get(ZONE));
  }

  /**
   * The {@link #WEIGHT} metadata: a positive integer, 1 when absent (or not a positive integer,
   * which a writer of ours never stores).
   *
   * @return the weight, at least 1
   */
  public int weight() {
    String w = metadata.get(WEIGHT);
    if (w == null) {
      return 1;
    }
    try {
      int v = Integer.parseInt(w);
      return v > 0 ? v : 1;
    } catch (NumberFormatException e) {
      return 1;
    }
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
