package dev.titan.discovery.internal.select;

import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.NodeStatus;
import dev.titan.discovery.OutlierEjection;
import dev.titan.discovery.SelectorStats;
import dev.titan.discovery.ServiceQuery;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The instances of one selector and the {@link Snapshot} of its candidates, published through one
 * volatile field: takes new lists of nodes (filtered by the query), keeps each instance's {@link
 * InstanceStats} across them, and rebuilds the snapshot under its lock after a change, an ejection
 * or a return, while selection keeps reading the previous one.
 */
public final class Candidates {

  private final ServiceQuery query;
  private final @Nullable String preferZone;
  private final LongSupplier nanoTime;
  private final Ejections ejections;
  private final ConcurrentHashMap<String, InstanceStats> states = new ConcurrentHashMap<>();
  private final LongAdder refreshes = new LongAdder();
  /** Guards the rebuilds (and the {@link Refresher}'s state of the view). */
  final ReentrantLock lock = new ReentrantLock();
  private volatile Snapshot snapshot = Snapshot.notLoaded();

  // guarded by lock
  private List<NodeInfo> lastNodes = List.of();
  private int generation;

  /**
   * Candidates of a selector, none loaded yet.
   *
   * @param query the query nodes are filtered by
   * @param preferZone the preferred zone, or null
   * @param outlier the outlier ejection configuration
   * @param nanoTime the clock of ejections
   */
  public Candidates(ServiceQuery query, @Nullable String preferZone, OutlierEjection outlier, LongSupplier nanoTime) {
    this.query = query;
    this.preferZone = preferZone;
    this.nanoTime = nanoTime;
    this.ejections = new Ejections(query.serviceName(), outlier, nanoTime);
  }

  /**
   * The latest snapshot, as published (one volatile read).
   *
   * @return the snapshot
   */
  public Snapshot snapshot() {
    return snapshot;
  }

  /**
   * The outcome counters and ejection decisions.
   *
   * @return the ejections
   */
  public Ejections ejections() {
    return ejections;
  }

  /**
   * How many lists of nodes were taken.
   *
   * @return the count
   */
  public long refreshes() {
    return refreshes.sum();
  }

  /** Whether a node is one of the instances. */
  boolean contains(String nodeId) {
    return states.containsKey(nodeId);
  }

  /**
   * Takes a new list of nodes (filtered by the query), under the lock.
   *
   * @param nodes the nodes, any status
   */
  public void setNodes(List<NodeInfo> nodes) {
    lock.lock();
    try {
      apply(nodes, 0);
    } finally {
      lock.unlock();
    }
  }

  /**
   * The snapshot to answer from: when an ejection of {@code s} is over and no other thread
   * rebuilds, it is rebuilt first.
   */
  Snapshot returnIfDue(Snapshot s) {
    if (s.nextReturn != Snapshot.NO_RETURN && nanoTime.getAsLong() - s.nextReturn >= 0 && lock.tryLock()) {
      try {
        publish();
      } finally {
        lock.unlock();
      }
      return snapshot;
    }
    return s;
  }

  /**
   * A call succeeded.
   *
   * @param i the instance called
   * @param latencyNanos the call's latency
   */
  public void succeeded(InstanceStats i, long latencyNanos) {
    ejections.succeeded(i, latencyNanos);
  }

  /**
   * A call failed: may eject the instance.
   *
   * @param i the instance called
   * @param error what failed, for the log
   */
  public void failed(InstanceStats i, @Nullable Throwable error) {
    if (ejections.failed(i)) {
      lock.lock();
      try {
        eject(i, error);
      } finally {
        lock.unlock();
      }
    }
  }

  /** A lease ended without success or failure. */
  public void abandoned() {
    ejections.abandoned();
  }

  /** Ejects an instance unless that passes the maximum share; under the lock. */
  private void eject(InstanceStats i, @Nullable Throwable error) {
    if (states.get(i.id) != i || !ejections.ejectable(i)) {
      return;
    }
    int up = 0;
    int ejectedNow = 0;
    for (NodeInfo n : lastNodes) {
      InstanceStats st = states.get(n.nodeId());
      if (n.status() == NodeStatus.UP && st != null) {
        up++;
        if (st.ejected) {
          ejectedNow++;
        }
      }
    }
    if (ejections.eject(i, error, up, ejectedNow)) {
      publish();
    }
  }

  /** Marks the snapshot as built from a later version of an unchanged list; under the lock. */
  void markVersion(long version) {
    snapshot = snapshot.withVersion(version);
  }

  /** Takes a new list of nodes (any status), filtered by the query; under the lock. */
  void apply(List<NodeInfo> raw, long sourceVersion) {
    List<NodeInfo> nodes = new ArrayList<>(raw.size());
    for (NodeInfo n : raw) {
      if (query.matches(n)) {
        nodes.add(n);
      }
    }
    refreshes.increment();
    Set<String> ids = new HashSet<>(nodes.size() * 2);
    for (NodeInfo n : nodes) {
      ids.add(n.nodeId());
      states.computeIfAbsent(n.nodeId(), id -> new InstanceStats(id, n)).node = n;
    }
    states.keySet().retainAll(ids);
    lastNodes = nodes;
    publishAt(sourceVersion);
  }

  /** Rebuilds the candidate array from the last list (after an ejection or a return). */
  private void publish() {
    publishAt(snapshot.sourceVersion);
  }

  private void publishAt(long sourceVersion) {
    long now = nanoTime.getAsLong();
    int gen = ++generation;
    List<InstanceStats> up = new ArrayList<>(lastNodes.size());
    List<InstanceStats> healthy = new ArrayList<>(lastNodes.size());
    int[] statusCounts = new int[NodeStatus.values().length];
    long nextReturn = Snapshot.NO_RETURN;
    for (NodeInfo n : lastNodes) {
      statusCounts[n.status().ordinal()]++;
      InstanceStats i = states.get(n.nodeId());
      if (i == null || n.status() != NodeStatus.UP) {
        continue;
      }
      up.add(i);
      ejections.returnIfDue(i, now);
      if (i.ejected) {
        nextReturn = Math.min(nextReturn, i.ejectedUntil);
      } else {
        healthy.add(i);
      }
    }
    boolean panic = ejections.panic(healthy.size(), up.size(), snapshot.panic);
    snapshot = Snapshot.build(gen, sourceVersion, panic ? up : healthy, preferZone, nextReturn, lastNodes.size(),
        up.size(), up.size() - healthy.size(), panic, statusCounts);
  }

  /**
   * The instances' counters, sorted by node id.
   *
   * @param now the clock, for the remaining ejection times
   * @return the counters
   */
  public List<SelectorStats.Instance> instances(long now) {
    List<SelectorStats.Instance> list = new ArrayList<>();
    for (InstanceStats i : states.values()) {
      list.add(i.toStats(now));
    }
    list.sort((a, b) -> a.node().nodeId().compareTo(b.node().nodeId()));
    return list;
  }
}
