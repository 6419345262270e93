package dev.titan.discovery.internal.registry;

import dev.titan.discovery.NodeStatus;
import dev.titan.discovery.ServiceInfo;
import dev.titan.discovery.internal.Keys;
import dev.titan.discovery.internal.redis.Scripts;
import dev.titan.discovery.internal.wire.WireCodec;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every write to the registry, each one atomic in Redis (one Lua script), each one publishing its
 * event from inside the script when pub/sub is on, so an event is sent if and only if the change
 * happened.
 */
public final class RegistryWriter {

  private static final Logger LOG = LoggerFactory.getLogger(RegistryWriter.class);

  /** Most expired nodes removed by one sweep call. */
  public static final int SWEEP_BATCH = 100;

  /**
   * How far ahead of their deadline the sweeper looks at live nodes, to keep the address and
   * services of those about to expire (their hash expires with their heartbeat): more than one
   * sweep period, so that the last look before an expiry comes before it.
   */
  public static final long LOOK_AHEAD_MILLIS = 2 * Sweeper.PERIOD.toMillis();

  private final RedisClusterAsyncCommands<String, String> commands;
  private final Keys keys;
  private final long ttlMillis;
  private final String channel;
  private final Renewals renewals;

  /**
   * Creates the writer, with the heartbeat interval a third of the TTL (the default ratio).
   *
   * @param commands Redis commands
   * @param keys key layout
   * @param ttlMillis heartbeat TTL in milliseconds
   * @param channel the channel events are published on, or empty not to publish
   */
  public RegistryWriter(RedisClusterAsyncCommands<String, String> commands, Keys keys, long ttlMillis, String channel) {
    this(commands, keys, ttlMillis, Math.max(1, ttlMillis / 3), channel, System::nanoTime, Runnable::run);
  }

  /**
   * Creates the writer.
   *
   * @param commands Redis commands
   * @param keys key layout
   * @param ttlMillis heartbeat TTL in milliseconds
   * @param intervalMillis heartbeat interval in milliseconds: how often {@link #renew} is called
   *     per node, which decides how often a renewal also moves the node's deadline
   * @param channel the channel events are published on, or empty not to publish
   * @param nanoClock the local monotonic clock ({@link System#nanoTime} but in tests and benchmarks)
   * @param flusher sends renewals after one hop, so that those asked for in one burst go in one
   *     call ({@code Runnable::run}: at once)
   */
  public RegistryWriter(RedisClusterAsyncCommands<String, String> commands, Keys keys, long ttlMillis,
      long intervalMillis, String channel, LongSupplier nanoClock, Executor flusher) {
    this.commands = commands;
    this.keys = keys;
    this.ttlMillis = ttlMillis;
    this.channel = channel;
    this.renewals = new Renewals(commands, keys, ttlMillis, intervalMillis, nanoClock, flusher);
  }

  /**
   * What a full registration found and did.
   *
   * @param existed whether the node was already registered
   * @param changed whether its address, services, status or metadata changed (an event was
   *     published)
   * @param timestamp the timestamp written (Redis server time, epoch ms)
   * @param status the status stored now (the one an operator set, when the status was kept)
   */
  public record Registration(boolean existed, boolean changed, long timestamp, NodeStatus status) {}

  /**
   * Writes a node in full: hash, heartbeat, indexes; publishes NODE_REGISTERED or NODE_UPDATED
   * when something others see changed.
   *
   * @param nodeId the id
   * @param address the address
   * @param services the services
   * @return what happened
   */
  public CompletableFuture<Registration> register(String nodeId, String address, List<ServiceInfo> services) {
    return register(nodeId, address, services, NodeStatus.UP, false, Map.of());
  }

  /**
   * Writes a node in full with its state: hash (status and metadata as extra fields, absent for
   * UP and none), heartbeat, indexes; publishes NODE_REGISTERED or NODE_UPDATED when something
   * others see changed.
   *
   * @param nodeId the id
   * @param address the address
   * @param services the services
   * @param status the status to write
   * @param keepStoredStatus whether a status already stored for the node (an operator's) wins
   * @param metadata the metadata
   * @return what happened
   */
  public CompletableFuture<Registration> register(String nodeId, String address, List<ServiceInfo> services,
      NodeStatus status, boolean keepStoredStatus, Map<String, String> metadata) {
    List<String> args = new ArrayList<>();
    args.add(nodeId);
    args.add(address);
    args.add(WireCodec.encodeServices(services));
    args.add(Long.toString(ttlMillis));
    args.add(keys.prefix());
    args.add(channel);
    args.add(status.name());
    args.add(keepStoredStatus ? "1" : "0");
    args.add(WireCodec.encodeMetadata(metadata));
    args.addAll(names(services));
    String[] k = {keys.node(nodeId), keys.heartbeat(nodeId), keys.nodesIndex(), keys.deadlines(), keys.version()};
    long sentAt = renewals.now();
    return Scripts.REGISTER.<List<Object>>run(commands, ScriptOutputType.MULTI, k, args.toArray(new String[0]))
        .thenApply(r -> {
          renewals.deadlineSet(nodeId, sentAt);
          String stored = r.size() > 3 && r.get(3) != null ? r.get(3).toString() : null;
          return new Registration(asLong(r.get(0)) == 1, asLong(r.get(1)) == 1, asLong(r.get(2)), NodeStatus.fromWire(stored));
        });
  }

  /**
   * Lean heartbeat of an unchanged node. Renewals asked for while another is in flight on this
   * writer are sent together in one script call (see {@link Renewals}).
   *
   * @param nodeId the id
   * @return true when renewed; false when the node must be registered in full
   */
  public CompletableFuture<Boolean> renew(String nodeId) {
    return renewals.renew(nodeId);
  }

  /**
   * Removes nodes unconditionally and publishes NODE_DEREGISTERED for each one that existed.
   *
   * @param nodeIds the ids
   * @return the ids actually removed
   */
  public CompletableFuture<List<String>> deregister(List<String> nodeIds) {
    nodeIds.forEach(renewals::forget);
    return remove("deregister", 0, nodeIds);
  }

  /**
   * Removes the given nodes and up to {@link #SWEEP_BATCH} nodes whose deadline passed, but only
   * those whose heartbeat key is gone, checked atomically; publishes NODE_DEREGISTERED for each.
   *
   * @param candidates ids seen without heartbeat by a reader (may be empty)
   * @return the ids actually removed
   */
  public CompletableFuture<List<String>> expire(List<String> candidates) {
    return expire(candidates, "");
  }

  /**
   * {@link #expire(List)} for ids a lookup of one service found in that service's index: each
   * one removed also leaves that index, which is how the stale entries of a node removed without
   * its services being known (no hash left) are cleaned up, O(1) each.
   *
   * @param candidates ids seen without heartbeat in the service's index (may be empty)
   * @param service the service whose index they were found in, or empty for none
   * @return the ids actually removed
   */
  public CompletableFuture<List<String>> expire(List<String> candidates, String service) {
    return remove("expire", SWEEP_BATCH, 0, "", 0, service, candidates);
  }

  /**
   * {@link #expire} for nodes a read came across, then {@code answer}: the read does not fail
   * when the cleanup does (logged at debug).
   *
   * @param candidates ids seen without heartbeat (may be empty: then only due nodes are taken)
   * @param answer what the read answers
   * @param <T> the answer's type
   * @return the answer, once the cleanup is done or failed
   */
  public <T> CompletableFuture<T> expireThen(List<String> candidates, T answer) {
    return expireThen(candidates, "", answer);
  }

  /**
   * {@link #expireThen(List, Object)} for ids found in the index of {@code service} (see {@link
   * #expire(List, String)}).
   *
   * @param candidates ids seen without heartbeat (may be empty: then only due nodes are taken)
   * @param service the service whose index they were found in, or empty for none
   * @param answer what the read answers
   * @param <T> the answer's type
   * @return the answer, once the cleanup is done or failed
   */
  public <T> CompletableFuture<T> expireThen(List<String> candidates, String service, T answer) {
    return expire(candidates, service).handle((removed, e) -> {
      if (e != null) {
        LOG.debug("Cleanup of {} dead nodes failed: {}", candidates.size(), e.toString());
      } else if (!removed.isEmpty()) {
        LOG.debug("Removed {} dead nodes: {}", removed.size(), removed);
      }
      return answer;
    });
  }

  /**
   * One sweep: if {@code sweeperId} holds (or can take) the lease, adopts nodes missing from the
   * deadline index and removes up to {@link #SWEEP_BATCH} whose heartbeat is gone.
   *
   * @param sweeperId the sweeping node
   * @param leaseMillis how long the lease lasts without renewal
   * @return the ids removed (empty when another node holds the lease)
   */
  public CompletableFuture<List<String>> sweep(String sweeperId, long leaseMillis) {
    return remove("sweep", SWEEP_BATCH, LOOK_AHEAD_MILLIS, sweeperId, leaseMillis, "", List.of());
  }

  /**
   * What the lease holder's look between sweeps found: a check ({@link #sweepCheck}) or a
   * keep-alive ({@link #sweeperKeepAlive}).
   *
   * @param holder who holds the sweeper lease now (null: free)
   * @param due whether the sweep script has work: nodes wait to be adopted (index:nodes larger
   *     than index:deadlines), a deadline passes within {@link #LOOK_AHEAD_MILLIS} (checks only),
   *     or the look could not tell (a key of the wrong type)
   * @param millisToEarliest how long until the earliest deadline in index:deadlines passes, in
   *     Redis server time ({@link Long#MAX_VALUE} when there is none, the look could not tell, or
   *     it was a keep-alive, which does not read it)
   */
  public record SweepCheck(@Nullable String holder, boolean due, long millisToEarliest) {}

  /**
   * The lease holder's check: a {@link #sweeperKeepAlive keep-alive} plus Redis time and the
   * earliest deadline, native commands sent together (one round trip, no script). The sweep
   * script, which costs Redis several times more than these, then runs only when it has work (or
   * the lease is free).
   *
   * @param leaseMillis the lease's length
   * @return what the check found
   */
  public CompletableFuture<SweepCheck> sweepCheck(long leaseMillis) {
    CompletableFuture<List<String>> time = commands.time().toCompletableFuture();
    CompletableFuture<List<ScoredValue<String>>> first = commands.zrangeWithScores(keys.deadlines(), 0, 0)
        .toCompletableFuture();
    CompletableFuture<?> both = CompletableFuture.allOf(time, first).handle((v, e) -> null);
    return sweeperKeepAlive(leaseMillis).thenCombine(both, (lease, x) -> {
      long toEarliest = Long.MAX_VALUE;
      boolean near;
      try {
        List<String> t = time.join();
        long now = Long.parseLong(t.get(0)) * 1000 + Long.parseLong(t.get(1)) / 1000;
        List<ScoredValue<String>> earliest = first.join();
        if (!earliest.isEmpty()) {
          toEarliest = (long) earliest.get(0).getScore() - now;
        }
        near = toEarliest <= LOOK_AHEAD_MILLIS;
      } catch (RuntimeException e) { // a key of the wrong type: the script copes with it
        near = true;
        toEarliest = Long.MAX_VALUE;
      }
      return new SweepCheck(lease.holder(), lease.due() || near, toEarliest);
    });
  }

  /**
   * The lease holder's keep-alive between its checks, native commands in one round trip: the
   * lease's holder read and the lease extended by {@code leaseMillis}, and the sizes of
   * index:nodes and index:deadlines, so that nodes written by the TypeScript implementation are
   * adopted within a keep-alive rather than a check. The extension is unconditional: should
   * another node hold the lease by now (this one stalled longer than a lease), its lease lasts one
   * extension longer and this node learns from the same answer that it no longer holds it; the
   * lease only saves work, every removal is atomic anyway.
   *
   * @param leaseMillis the lease's length
   * @return what the keep-alive found ({@link SweepCheck#millisToEarliest()} not read)
   */
  public CompletableFuture<SweepCheck> sweeperKeepAlive(long leaseMillis) {
    CompletableFuture<@Nullable String> holder = commands.get(keys.sweeperLease()).toCompletableFuture();
    CompletableFuture<Boolean> extended = commands.pexpire(keys.sweeperLease(), leaseMillis).toCompletableFuture();
    CompletableFuture<Long> nodes = commands.scard(keys.nodesIndex()).toCompletableFuture();
    CompletableFuture<Long> deadlines = commands.zcard(keys.deadlines()).toCompletableFuture();
    return holder.thenCombine(extended, (h, x) -> h).thenCombine(
        nodes.thenCombine(deadlines, (n, z) -> n > z).exceptionally(e -> true),
        (h, adopt) -> new SweepCheck(h, adopt, Long.MAX_VALUE));
  }

  /**
   * Who holds the sweeper lease (one native GET).
   *
   * @return the holder's node id, or null when the lease is free
   */
  public CompletableFuture<@Nullable String> sweeperLeaseHolder() {
    return commands.get(keys.sweeperLease()).toCompletableFuture();
  }

  /**
   * Gives up the sweeper lease if {@code sweeperId} holds it.
   *
   * @param sweeperId the node
   * @return completes when done
   */
  public CompletableFuture<Void> releaseSweeperLease(String sweeperId) {
    return Scripts.RELEASE.<Long>run(commands, ScriptOutputType.INTEGER, new String[] {keys.sweeperLease()}, sweeperId)
        .thenApply(r -> null);
  }

  private CompletableFuture<List<String>> remove(String mode, int limit, List<String> nodeIds) {
    // no look-ahead, no lease: readers and deregistrations hand over nodes they name
    return remove(mode, limit, 0, "", 0, "", nodeIds);
  }

  private CompletableFuture<List<String>> remove(String mode, int limit, long lookAheadMillis, String sweeperId,
      long leaseMillis, String service, List<String> nodeIds) {
    List<String> args = new ArrayList<>(nodeIds.size() + 8);
    args.add(keys.prefix());
    args.add(channel);
    args.add(mode);
    args.add(Integer.toString(limit));
    args.add(Long.toString(lookAheadMillis));
    args.add(sweeperId);
    args.add(Long.toString(leaseMillis));
    args.add(service);
    args.addAll(nodeIds);
    String[] k = mode.equals("sweep")
        ? new String[] {keys.nodesIndex(), keys.deadlines(), keys.version(), keys.sweeperLease()}
        : new String[] {keys.nodesIndex(), keys.deadlines(), keys.version()};
    return Scripts.REMOVE.<List<Object>>run(commands, ScriptOutputType.MULTI, k, args.toArray(new String[0]))
        .thenApply(RegistryWriter::strings);
  }

  /**
   * Sets the address of an existing node; does nothing for an unknown node.
   *
   * @param nodeId the id
   * @param address the new address
   * @return true when the node existed
   */
  public CompletableFuture<Boolean> updateAddress(String nodeId, String address) {
    return update(nodeId, "address", address, List.of());
  }

  /**
   * Sets the services of an existing node; does nothing for an unknown node.
   *
   * @param nodeId the id
   * @param services the new services
   * @return true when the node existed
   */
  public CompletableFuture<Boolean> updateServices(String nodeId, List<ServiceInfo> services) {
    return update(nodeId, "services", WireCodec.encodeServices(services), names(services));
  }

  private CompletableFuture<Boolean> update(String nodeId, String field, String value, List<String> names) {
    List<String> args = new ArrayList<>();
    args.add(nodeId);
    args.add(field);
    args.add(value);
    args.add(keys.prefix());
    args.add(channel);
    args.addAll(names);
    String[] k = {keys.node(nodeId), keys.version()};
    return Scripts.UPDATE.<Long>run(commands, ScriptOutputType.INTEGER, k, args.toArray(new String[0]))
        .thenApply(r -> r != null && (r == 1L || r == 2L));
  }

  /**
   * Sets the status of an existing node (NODE_UPDATED only when it changes); does nothing for an
   * unknown node.
   *
   * @param nodeId the id
   * @param status the status
   * @return true when the node existed
   */
  public CompletableFuture<Boolean> updateStatus(String nodeId, NodeStatus status) {
    return update(nodeId, "status", status.name(), List.of());
  }

  private static List<String> names(List<ServiceInfo> services) {
    Set<String> names = new LinkedHashSet<>();
    for (ServiceInfo s : services) {
      names.add(s.name());
    }
    return List.copyOf(names);
  }

  static long asLong(Object o) {
    if (o instanceof Long l) {
      return l;
    }
    return Long.parseLong(String.valueOf(o));
  }

  static List<String> strings(Object o) {
    if (!(o instanceof List<?> list)) {
      return List.of();
    }
    List<String> out = new ArrayList<>(list.size());
    for (Object x : list) {
      if (x != null) {
        out.add(x.toString());
      }
    }
    return out;
  }
}
