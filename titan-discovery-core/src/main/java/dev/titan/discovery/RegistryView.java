package dev.titan.discovery;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * A local, push-updated copy of the registry's active nodes, like Curator's {@code ServiceCache}
 * or Eureka's client registry but without polling. Lookups are answered from memory, with no
 * Redis round trip, and never block; they cost O(matches) (a service's nodes are kept in
 * per-service, per-version lists).
 *
 * <p>Obtain it with {@link DiscoveryService#view()}. It is filled by one full read and then kept
 * fresh by the events the registry scripts publish. Every change of the registry also increments
 * a change counter in Redis ({@code index:version}) and announces the new value right before its
 * event, so a view that misses a message (pub/sub is at-most-once), is disconnected, or sees a
 * change made by a writer with pub/sub disabled detects the gap (at the next event, the
 * re-subscription after a reconnect, or its periodic one-command check of the counter) and
 * resynchronises with one full read.
 *
 * <p><b>How stale it can be.</b> A change written by another node is applied as soon as its event
 * arrives (sub-millisecond on loopback). A missed event is repaired at the next event or within
 * {@code 1 s} (the counter check). A crashed node stays in the view until the registry's sweeper
 * removes it: its heartbeat TTL plus at most one sweep period (0.5 s) while some discovery service
 * runs, since expiry, not the crash, is what Redis can observe. Nodes written by the TypeScript
 * implementation appear when the sweeper adopts them (within 0.5 s) or when they publish. Their
 * events carry no version (and may carry another node's data), so the view reads the node named
 * again instead of applying them; a change of theirs whose event was lost, or made with their
 * pub/sub off, is seen at the next periodic full read (every 60 s, done only while such nodes
 * exist). {@link NodeInfo#timestamp()} is the
 * time of the node's last change or of the last full read, not of its last heartbeat (heartbeats
 * of unchanged nodes publish nothing).
 *
 * <p>Lists handed out are unmodifiable snapshots; they do not change afterwards.
 */
public interface RegistryView {

  /**
   * Every active node in the view.
   *
   * @return an unmodifiable list
   */
  List<NodeInfo> nodes();

  /**
   * Active nodes offering a service, any version.
   *
   * @param name the service name
   * @return an unmodifiable list, empty when none
   */
  List<NodeInfo> findNodesByService(String name);

  /**
   * Active nodes offering a service in a version.
   *
   * @param name the service name
   * @param version the exact version, or {@code null} for any
   * @return an unmodifiable list, empty when none
   */
  List<NodeInfo> findNodesByService(String name, @Nullable String version);

  /**
   * One node of the view.
   *
   * @param nodeId the node id
   * @return the node, or empty when it is not in the view
   */
  Optional<NodeInfo> node(String nodeId);

  /**
   * How many nodes the view holds.
   *
   * @return the count
   */
  int size();

  /**
   * The registry's change counter ({@code index:version}) that the view reflects; 0 before the
   * first full read or while the registry is empty.
   *
   * @return the version
   */
  long version();

  /**
   * Whether the first full read has completed and no gap is waiting to be repaired.
   *
   * @return true when in step with the events
   */
  boolean isSynchronized();

  /**
   * Wall-clock time of the last completed full read, 0 before the first.
   *
   * @return epoch milliseconds
   */
  long lastFullReadMillis();

  /**
   * Full reads done so far (the first one included): a growing number means gaps are detected.
   *
   * @return the count
   */
  long fullReads();

  /**
   * Completes when the first full read has been applied.
   *
   * @return this view, once filled
   */
  CompletableFuture<RegistryView> ready();

  /**
   * Reads the whole registry again now.
   *
   * @return completes when the read has been applied
   */
  CompletableFuture<Void> refresh();

  /**
   * Adds a listener called, on the discovery service's event thread, after each change applied to
   * the view: events received, and the differences a full read found (reported as
   * NODE_REGISTERED, NODE_UPDATED or NODE_DEREGISTERED).
   *
   * @param listener the listener
   */
  void addListener(DiscoveryListener listener);

  /**
   * Removes a listener.
   *
   * @param listener the listener
   */
  void removeListener(DiscoveryListener listener);
}
