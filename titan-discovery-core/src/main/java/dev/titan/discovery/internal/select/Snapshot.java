package dev.titan.discovery.internal.select;

import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.NodeStatus;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The candidates of one selection, immutable once published: the instances that can be chosen
 * (already split by the preferred zone), their nodes, the prefix sums of their weights, and the
 * counts that explain an empty array. Selection reads it from one volatile field.
 */
public final class Snapshot {

  /** {@link #nextReturn} when no instance is ejected. */
  static final long NO_RETURN = Long.MAX_VALUE;

  final boolean loaded;
  final int generation;
  final long sourceVersion;
  final InstanceStats[] candidates;
  /** The candidates' nodes as they were when this snapshot was built. */
  final NodeInfo[] nodes;
  final long[] cumulativeWeights;
  final long nextReturn;
  final int matching;
  final int up;
  final int ejected;
  final boolean panic;
  final boolean inZone;
  final String statusCounts;

  private Snapshot(boolean loaded, int generation, long sourceVersion, InstanceStats[] candidates, NodeInfo[] nodes,
      long[] cumulativeWeights, long nextReturn, int matching, int up, int ejected, boolean panic, boolean inZone,
      String statusCounts) {
    this.loaded = loaded;
    this.generation = generation;
    this.sourceVersion = sourceVersion;
    this.candidates = candidates;
    this.nodes = nodes;
    this.cumulativeWeights = cumulativeWeights;
    this.nextReturn = nextReturn;
    this.matching = matching;
    this.up = up;
    this.ejected = ejected;
    this.panic = panic;
    this.inZone = inZone;
    this.statusCounts = statusCounts;
  }

  /** The snapshot before the first list is loaded: no candidates. */
  static Snapshot notLoaded() {
    return new Snapshot(false, 0, Long.MIN_VALUE, new InstanceStats[0], new NodeInfo[0], new long[0], NO_RETURN, 0, 0,
        0, false, false, "");
  }

  /**
   * Builds a snapshot: keeps the preferred zone's instances of {@code base} when there is one,
   * numbers the candidates with {@code generation} (their {@link InstanceStats#slot}) and sums
   * their weights.
   */
  static Snapshot build(int generation, long sourceVersion, List<InstanceStats> base, @Nullable String preferZone,
      long nextReturn, int matching, int up, int ejected, boolean panic, int[] statusCounts) {
    List<InstanceStats> chosen = base;
    boolean inZone = false;
    if (preferZone != null) {
      List<InstanceStats> zone = new ArrayList<>();
      for (InstanceStats i : base) {
        if (preferZone.equals(i.node.metadata().get(NodeInfo.ZONE))) {
          zone.add(i);
        }
      }
      if (!zone.isEmpty()) {
        chosen = zone;
        inZone = true;
      }
    }
    InstanceStats[] candidates = chosen.toArray(new InstanceStats[0]);
    NodeInfo[] nodes = new NodeInfo[candidates.length];
    long[] cumulative = new long[candidates.length];
    long sum = 0;
    for (int k = 0; k < candidates.length; k++) {
      nodes[k] = candidates[k].node;
      candidates[k].slot = ((long) generation << 32) | k;
      sum += candidates[k].node.weight();
      cumulative[k] = sum;
    }
    StringBuilder counts = new StringBuilder();
    for (NodeStatus st : NodeStatus.values()) {
      if (statusCounts[st.ordinal()] > 0) {
        counts.append(counts.length() == 0 ? "" : ", ").append(statusCounts[st.ordinal()]).append(' ').append(st);
      }
    }
    return new Snapshot(true, generation, sourceVersion, candidates, nodes, cumulative, nextReturn, matching, up,
        ejected, panic, inZone, counts.toString());
  }

  /** This snapshot, marked as built from a later source version (the list is unchanged). */
  Snapshot withVersion(long version) {
    return new Snapshot(loaded, generation, version, candidates, nodes, cumulativeWeights, nextReturn, matching, up,
        ejected, panic, inZone, statusCounts);
  }

  /**
   * The node of a candidate, as it was when this snapshot was built.
   *
   * @param k the candidate's index
   * @return the node
   */
  public NodeInfo node(int k) {
    return nodes[k];
  }

  /**
   * A candidate's counters.
   *
   * @param k the candidate's index
   * @return the instance
   */
  public InstanceStats candidate(int k) {
    return candidates[k];
  }

  /**
   * The number of candidates.
   *
   * @return the count
   */
  public int size() {
    return candidates.length;
  }

  /**
   * Whether a list of instances has been loaded.
   *
   * @return true once loaded
   */
  public boolean loaded() {
    return loaded;
  }

  /**
   * The number of instances that match the query, any status.
   *
   * @return the count
   */
  public int matching() {
    return matching;
  }

  /**
   * The number of matching UP instances.
   *
   * @return the count
   */
  public int up() {
    return up;
  }

  /**
   * The number of UP instances ejected.
   *
   * @return the count
   */
  public int ejected() {
    return ejected;
  }

  /**
   * Whether the panic threshold made all UP instances candidates.
   *
   * @return true in panic
   */
  public boolean panic() {
    return panic;
  }

  /**
   * Whether the candidates are the preferred zone's.
   *
   * @return true when in the preferred zone
   */
  public boolean inZone() {
    return inZone;
  }

  /**
   * Why there is no candidate, for the message of a failed selection.
   *
   * @return the reason
   */
  public String whyNone() {
    if (!loaded) {
      return "its instances are not loaded yet (wait for ServiceSelector.ready())";
    } else if (matching == 0) {
      return "no instance matches";
    } else if (up == 0) {
      return matching + " match, none is UP (" + statusCounts + ")";
    } else {
      return up + " UP, all ejected after failures";
    }
  }
}
