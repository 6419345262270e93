package dev.titan.discovery;

import dev.titan.discovery.internal.Validation;
import dev.titan.discovery.internal.query.VersionRange;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Which nodes of one service to find: an immutable set of filters, each optional, all of which a
 * node must pass. Built with {@link #service(String)}:
 *
 * <pre>{@code
 * ServiceQuery q = ServiceQuery.service("orders")
 *     .versionRange("^2.1")          // npm semver range syntax
 *     .status(NodeStatus.UP)
 *     .zone("eu-1")                  // metadata key "zone"
 *     .metadata("tier", "gold")
 *     .build();
 * List<NodeInfo> nodes = discovery.find(q).join();
 * }</pre>
 *
 * <p>Versions: {@link Builder#version(String)} matches the exact string (the spec's meaning, as
 * {@link DiscoveryService#findNodesByService(String, String)}); {@link Builder#versionRange}
 * matches npm ranges with npm's pre-release rules, and a version that is not semver (or a service
 * without a version) never matches a range. A node matches when one of its services of that name
 * passes the version filter.
 */
public final class ServiceQuery {

  private final String service;
  private final @Nullable String version;
  private final @Nullable VersionRange range;
  private final Set<NodeStatus> statuses;
  private final Map<String, String> metadata;

  private ServiceQuery(Builder b) {
    this.service = b.service;
    this.version = b.version;
    this.range = b.range;
    this.statuses = b.statuses.isEmpty() ? Set.of() : Set.copyOf(b.statuses);
    this.metadata = Map.copyOf(b.metadata);
  }

  /**
   * A builder of a query for a service.
   *
   * @param name the service name (non-blank, no control characters)
   * @return the builder
   */
  public static Builder service(String name) {
    return new Builder(Validation.serviceName(name));
  }

  /**
   * The service name.
   *
   * @return the name
   */
  public String serviceName() {
    return service;
  }

  /**
   * The exact version filter.
   *
   * @return the version, or empty for none
   */
  public Optional<String> version() {
    return Optional.ofNullable(version);
  }

  /**
   * The version range filter, as given.
   *
   * @return the range, or empty for none
   */
  public Optional<String> versionRange() {
    return Optional.ofNullable(range).map(VersionRange::toString);
  }

  /**
   * The statuses accepted; empty for any.
   *
   * @return the statuses (unmodifiable)
   */
  public Set<NodeStatus> statuses() {
    return statuses;
  }

  /**
   * Metadata every node must carry (the zone included, as key {@code zone}).
   *
   * @return key and value pairs (unmodifiable)
   */
  public Map<String, String> metadata() {
    return metadata;
  }

  /**
   * Whether a node passes every filter.
   *
   * @param node the node
   * @return true when it matches
   */
  public boolean matches(NodeInfo node) {
    if (!statuses.isEmpty() && !statuses.contains(node.status())) {
      return false;
    }
    for (Map.Entry<String, String> e : metadata.entrySet()) {
      if (!e.getValue().equals(node.metadata().get(e.getKey()))) {
        return false;
      }
    }
    return offersMatchingVersion(node);
  }

  private boolean offersMatchingVersion(NodeInfo node) {
    for (ServiceInfo s : node.services()) {
      if (s.name().equals(service)
          && (version == null || version.equals(s.version()))
          && (range == null || range.satisfiedBy(s.version()))) {
        return true;
      }
    }
    return false;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof ServiceQuery q && q.service.equals(service) && Objects.equals(q.version, version)
        && Objects.equals(q.versionRange(), versionRange()) && q.statuses.equals(statuses) && q.metadata.equals(metadata);
  }

  @Override
  public int hashCode() {
    return Objects.hash(service, version, versionRange(), statuses, metadata);
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("ServiceQuery[service=").append(service);
    if (version != null) {
      b.append(", version=").append(version);
    }
    if (range != null) {
      b.append(", versionRange=").append(range);
    }
    if (!statuses.isEmpty()) {
      b.append(", status=").append(statuses);
    }
    if (!metadata.isEmpty()) {
      b.append(", metadata=").append(metadata);
    }
    return b.append(']').toString();
  }

  /** Builder of a {@link ServiceQuery}; every filter is optional. */
  public static final class Builder {
    private final String service;
    private @Nullable String version;
    private @Nullable VersionRange range;
    private final EnumSet<NodeStatus> statuses = EnumSet.noneOf(NodeStatus.class);
    private final Map<String, String> metadata = new LinkedHashMap<>();

    private Builder(String service) {
      this.service = service;
    }

    /**
     * Only this exact version (string equality, as the spec's lookups).
     *
     * @param version the version
     * @return this builder
     */
    public Builder version(String version) {
      this.version = Validation.serviceVersion(Objects.requireNonNull(version, "version"));
      return this;
    }

    /**
     * Only versions in this npm semver range ({@code ^2.1}, {@code ~1.4}, {@code >=2 <3}, {@code
     * 1.x}, {@code 1.2.3 - 2.3.4}, {@code ^1 || ^3}).
     *
     * @param range the range
     * @return this builder
     * @throws IllegalArgumentException naming the range when it is not npm range syntax
     */
    public Builder versionRange(String range) {
      this.range = VersionRange.parse(Objects.requireNonNull(range, "versionRange"));
      return this;
    }

    /**
     * Only nodes in one of these statuses (calls add up).
     *
     * @param status the statuses
     * @return this builder
     */
    public Builder status(NodeStatus... status) {
      for (NodeStatus s : status) {
        statuses.add(Objects.requireNonNull(s, "status"));
      }
      return this;
    }

    /**
     * Only nodes of this zone (metadata key {@code zone}).
     *
     * @param zone the zone
     * @return this builder
     */
    public Builder zone(String zone) {
      return metadata(NodeInfo.ZONE, zone);
    }

    /**
     * Only nodes whose metadata holds this key with this value.
     *
     * @param key the key
     * @param value the value
     * @return this builder
     */
    public Builder metadata(String key, String value) {
      Validation.metadataEntry(key, value);
      metadata.put(key, value);
      return this;
    }

    /**
     * The query.
     *
     * @return the immutable query
     */
    public ServiceQuery build() {
      return new ServiceQuery(this);
    }
  }
}
