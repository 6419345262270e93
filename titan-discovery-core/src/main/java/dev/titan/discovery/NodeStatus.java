package dev.titan.discovery;

/**
 * Whether a node takes calls. Absent on the wire means {@link #UP}, which is what every node
 * written by the TypeScript implementation reads as.
 *
 * <p>Lookups return nodes in every status (callers decide); {@link ServiceQuery#status} filters,
 * and client-side selection and the Spring integration hand out {@link #UP} nodes only.
 */
public enum NodeStatus {
  /** Takes calls. */
  UP,
  /** Finishing the work it has; takes no new calls (set by {@link DiscoveryService#drain}). */
  DRAINING,
  /** Running but excluded from rotation: an operator's switch. */
  OUT_OF_SERVICE;

  /**
   * The status written on the wire, or {@link #UP} for an absent or unknown value (a reader never
   * fails on what another writer stored).
   *
   * @param wire the stored text, or null when absent
   * @return the status
   */
  public static NodeStatus fromWire(@org.jspecify.annotations.Nullable String wire) {
    if (wire == null || wire.isEmpty()) {
      return UP;
    }
    for (NodeStatus s : values()) {
      if (s.name().equals(wire)) {
        return s;
      }
    }
    return UP;
  }
}
