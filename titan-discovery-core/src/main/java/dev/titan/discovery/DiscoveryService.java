package dev.titan.discovery;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * Service discovery on Redis: registers this node (unless in client mode), keeps it alive with TTL
 * heartbeats, answers lookups and delivers events from other nodes. Build one with {@link
 * Discovery#builder()}.
 *
 * <p>Every I/O method returns a {@link CompletableFuture} at once and never blocks the caller.
 * Lookups and writes of other nodes need {@link #start()} to have been called (they wait for it
 * to finish); before that they fail with {@link IllegalStateException}, as they do after {@link
 * #stop()}. Changes to this node's own identity ({@link #registerService}, {@link
 * #updateAddress}, ...) made before {@code start()} are applied locally and registered by {@code
 * start()}; in client mode they stay local.
 *
 * <p>Built with {@link Discovery.Builder#registerOnStart(boolean) registerOnStart(false)}, {@code
 * start()} connects, subscribes, sweeps and answers lookups but writes nothing for this node:
 * identity changes stay local until {@link #register()} (or {@link #registerNode}) registers the
 * node with its identity at that moment; from then on they are written as usual.
 *
 * <p>Invalid arguments (a blank service name, an address that is not {@code host:port}, a node id
 * with characters that do not belong in a Redis key) throw {@link IllegalArgumentException} at
 * once, with a message naming the argument and the value.
 */
public interface DiscoveryService extends AutoCloseable {

  /**
   * Connects to Redis, subscribes to events (when pub/sub is on), registers this node and starts
   * its heartbeat (unless in client mode, or built with {@link
   * Discovery.Builder#registerOnStart(boolean) registerOnStart(false)}: then {@link #register()}
   * registers it later). Calling it again returns the same outcome.
   *
   * @return completes when running; fails with {@link DiscoveryException} naming the Redis
   *     address when Redis cannot be reached within the connect timeout, or with {@link
   *     IllegalStateException} after {@link #stop()}
   */
  CompletableFuture<Void> start();

  /**
   * Stops gracefully: heartbeat stopped and awaited, node deregistered (NODE_DEREGISTERED
   * published; a node that was never registered writes and publishes nothing), subscription
   * closed, connections we opened closed. Idempotent and safe to call from several threads:
   * every call returns the same future, which never fails.
   *
   * @return completes when stopped
   */
  CompletableFuture<Void> stop();

  /**
   * Registers this node with its current identity (id, address and services, as set by the
   * builder and by {@link #registerNode}, {@link #updateAddress}, {@link #registerService}, ...)
   * and starts its heartbeat. For a service built with {@link
   * Discovery.Builder#registerOnStart(boolean) registerOnStart(false)}, whose {@link #start()}
   * registers nothing. Idempotent: while registered, a further call writes the current identity
   * (NODE_REGISTERED is published once, when the node appears).
   *
   * @return completes when Redis has the node; fails with {@link IllegalStateException} before
   *     {@link #start()}, after {@link #stop()} and in client mode, and with {@link
   *     DiscoveryException} when every attempt to write failed (the heartbeat keeps trying)
   */
  CompletableFuture<Void> register();

  /**
   * Sets this node's identity (id, address and services) and registers it at once, as the
   * TypeScript implementation does, also when built with {@link
   * Discovery.Builder#registerOnStart(boolean) registerOnStart(false)} and not registered yet
   * (like {@link #register()}). Before {@link #start()} the identity is set locally and {@code
   * start()} registers it; in client mode it stays local. When the id changes while registered,
   * the old id is deregistered first so that no ghost lingers until its TTL.
   *
   * @param nodeId the node id
   * @param address {@code host:port}
   * @param services the services
   * @return completes when Redis has it
   */
  CompletableFuture<Void> registerNode(String nodeId, String address, List<ServiceInfo> services);

  /**
   * Removes any node from the registry and publishes NODE_DEREGISTERED if it was there.
   *
   * @param nodeId the node id
   * @return completes when removed (also when there was nothing to remove)
   */
  CompletableFuture<Void> deregisterNode(String nodeId);

  /**
   * Changes the address of a node. For this node, the change is registered like {@link
   * #updateAddress}; for another node, only an existing node is changed (an unknown id creates
   * nothing) and NODE_UPDATED is published.
   *
   * @param nodeId the node id
   * @param address the new {@code host:port}
   * @return completes when written
   */
  CompletableFuture<Void> updateNodeAddress(String nodeId, String address);

  /**
   * Changes the services of a node, like {@link #updateNodeAddress}.
   *
   * @param nodeId the node id
   * @param services the new services
   * @return completes when written
   */
  CompletableFuture<Void> updateNodeServices(String nodeId, List<ServiceInfo> services);

  /**
   * Nodes whose heartbeat is alive. Nodes found dead are removed on the way (atomically, with
   * NODE_DEREGISTERED).
   *
   * <p>Once {@link #view()} has been called and the view is in step (synchronized, its pub/sub
   * connection up), the answer comes from memory after one Redis round trip whose cost depends
   * only on the number of nodes whose heartbeat deadline has passed, not on the size of the
   * registry: it confirms that the registry's change counter still equals the view's, and names
   * the nodes whose heartbeat expired since. The answer then equals what a read of Redis returns
   * at that moment for nodes whose heartbeat expired by TTL. Differences from a read of Redis:
   * {@link NodeInfo#timestamp()} is the node's last change (or the view's last full read), not
   * its last heartbeat; a heartbeat key deleted by hand before its TTL (not an expiry) is noticed
   * at the node's heartbeat deadline, not at once. Whenever the round trip cannot confirm the
   * view (a change the view has not seen yet, nodes written by the TypeScript implementation,
   * too many nodes due at once), and without a view, the nodes are read from Redis.
   *
   * @return the nodes
   */
  CompletableFuture<List<NodeInfo>> getActiveNodes();

  /**
   * Same as {@link #getActiveNodes()}.
   *
   * @return the nodes
   */
  CompletableFuture<List<NodeInfo>> findNodes();

  /**
   * Every node with data in the registry, without the heartbeat check.
   *
   * @return the nodes
   */
  CompletableFuture<List<NodeInfo>> getAllNodes();

  /**
   * Active nodes offering a service, any version. Nodes found dead are removed on the way.
   *
   * <p>Answered like {@link #getActiveNodes()}: from the local view after one confirming round
   * trip when a view is in step (with the same differences from a read of Redis), else read from
   * Redis, where the cost grows with the nodes offering the service, not with the registry.
   *
   * @param name the service name
   * @return the nodes
   */
  CompletableFuture<List<NodeInfo>> findNodesByService(String name);

  /**
   * Active nodes offering a service in a version, answered as {@link #findNodesByService(String)}.
   *
   * @param name the service name
   * @param version the exact version, or {@code null} for any
   * @return the nodes
   */
  CompletableFuture<List<NodeInfo>> findNodesByService(String name, @Nullable String version);

  /**
   * One node's data, whether its heartbeat is alive or not.
   *
   * @param nodeId the node id
   * @return the node, or empty when unknown
   */
  CompletableFuture<Optional<NodeInfo>> getNodeInfo(String nodeId);

  /**
   * Whether the node's data exists (it may be inactive).
   *
   * @param nodeId the node id
   * @return true when it exists
   */
  CompletableFuture<Boolean> nodeExists(String nodeId);

  /**
   * Whether the node's heartbeat is alive.
   *
   * @param nodeId the node id
   * @return true when active
   */
  CompletableFuture<Boolean> isNodeActive(String nodeId);

  /**
   * Adds a service to this node unless the same name and version is already there, and
   * registers the change.
   *
   * @param service the service
   * @return completes when Redis has it
   */
  CompletableFuture<Void> registerService(ServiceInfo service);

  /**
   * Removes every version of a service from this node and registers the change.
   *
   * @param serviceName the service name
   * @return completes when Redis has it
   */
  CompletableFuture<Void> unregisterService(String serviceName);

  /**
   * Replaces this node's services and registers the change.
   *
   * @param services the services
   * @return completes when Redis has it
   */
  CompletableFuture<Void> updateServices(List<ServiceInfo> services);

  /**
   * Changes this node's address and registers the change.
   *
   * @param address the new {@code host:port}
   * @return completes when Redis has it
   */
  CompletableFuture<Void> updateAddress(String address);

  /**
   * Adds a listener for events of other nodes (needs pub/sub enabled).
   *
   * @param listener the listener
   */
  void onEvent(DiscoveryListener listener);

  /**
   * Removes a listener; it receives nothing more.
   *
   * @param listener the listener
   */
  void offEvent(DiscoveryListener listener);

  /**
   * The local, push-updated view of the registry: lookups answered from memory with no Redis
   * round trip. The same view is returned on every call; it is created on the first call and
   * filled by one full read ({@link RegistryView#ready()} completes then), after which events keep
   * it fresh. It needs pub/sub and a started service, and is closed by {@link #stop()}.
   *
   * @return the view
   * @throws IllegalStateException when pub/sub is disabled ({@link
   *     DiscoveryOptions#pubSubEnabled()}), before {@link #start()} or after {@link #stop()}
   */
  RegistryView view();

  /**
   * This node's id.
   *
   * @return the id
   */
  String getNodeId();

  /**
   * This node's address.
   *
   * @return {@code host:port}
   */
  String getAddress();

  /**
   * This node's services.
   *
   * @return an unmodifiable copy
   */
  List<ServiceInfo> getServices();

  // ---------------------------------------------------------------- instance state

  /**
   * Sets this node's status. Written at once when registered (one atomic script; NODE_UPDATED
   * only when it changes), else applied locally and written on registration; local only in
   * client mode. Lookups return nodes in every status: callers, {@link ServiceQuery#status} and
   * client-side selection decide what to skip.
   *
   * @param status the status
   * @return completes when Redis has it (at once when nothing is written)
   */
  CompletableFuture<Void> setStatus(NodeStatus status);

  /**
   * Sets any node's status: an operator's action. For this node's own id it is {@link
   * #setStatus}; another node is changed in Redis in one atomic script (NODE_UPDATED only when
   * the status changes), and an unknown id changes nothing. A Java node keeps a status set this
   * way: its later writes do not reset it, and it adopts it as its own.
   *
   * @param nodeId the node
   * @param status the status
   * @return completes when done
   */
  CompletableFuture<Void> setNodeStatus(String nodeId, NodeStatus status);

  /**
   * Replaces this node's metadata (well-known keys {@code zone} and {@code weight}, a positive
   * integer). Written like {@link #setStatus}: one script, NODE_UPDATED only when it changes.
   *
   * @param metadata at most 32 entries; keys 1 to 64 letters, digits and {@code . _ - / :}; values
   *     at most 512 characters without control characters
   * @return completes when Redis has it
   * @throws IllegalArgumentException naming the entry that breaks a limit
   */
  CompletableFuture<Void> updateMetadata(Map<String, String> metadata);

  /**
   * Graceful drain: sets {@link NodeStatus#DRAINING} at once (published), keeps heartbeating for
   * {@code grace} so that callers stop choosing this node while it finishes the work it has,
   * then deregisters it (NODE_DEREGISTERED). The service keeps answering lookups until {@link
   * #close()}; it does not register again. {@link #stop()} during the grace deregisters at once.
   *
   * @param grace how long to stay registered as DRAINING (zero: deregister right after)
   * @return completes when the node is deregistered; fails with {@link IllegalStateException}
   *     when the node is not registered (client mode, before {@link #register()}, stopped)
   */
  CompletableFuture<Void> drain(Duration grace);

  /**
   * Finds the nodes of one service that pass every filter of the query (version range, status,
   * zone, metadata). Answered like {@link #findNodesByService(String, String)}: from the local
   * view when one is attached and in step, else from Redis in one round trip that grows with the
   * service's nodes, not with the registry.
   *
   * @param query the query
   * @return the matching nodes
   */
  CompletableFuture<List<NodeInfo>> find(ServiceQuery query);

  /**
   * This node's status (as last set here, or adopted from an operator's change).
   *
   * @return the status
   */
  NodeStatus getStatus();

  /**
   * This node's metadata.
   *
   * @return an unmodifiable copy
   */
  Map<String, String> getMetadata();

  /**
   * Whether this node has completed registration and has not been stopped. It stays true while
   * heartbeats fail and retry, as in the TypeScript implementation.
   *
   * @return true when registered
   */
  boolean isRegistered();

  /**
   * Health and counters of this service, read without I/O.
   *
   * @return a snapshot
   */
  DiscoveryStatus status();

  /** Stops gracefully ({@code stop().join()}) and releases what this service owns. */
  @Override
  void close();
}
