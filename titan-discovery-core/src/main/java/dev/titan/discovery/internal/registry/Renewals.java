package dev.titan.discovery.internal.registry;

import dev.titan.discovery.internal.Keys;
import dev.titan.discovery.internal.redis.Scripts;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Lean heartbeats of unchanged nodes. Two savings over one script call per heartbeat:
 *
 * <ul>
 *   <li>Renewals asked for together, or while calls are in flight, go together in {@code
 *       EVALSHA} calls of up to {@link #MAX_BATCH} nodes, up to {@link #MAX_CALLS} calls
 *       pipelined (group commit: a lone renewal is sent after one executor hop, so nothing waits
 *       unless Redis is busy with the previous calls).
 *   <li>A node's deadline in {@code index:deadlines} is moved only when it would pass before the
 *       node's next heartbeat (plus a quarter interval): every other beat with the default TTL of
 *       three intervals. The local estimate of the deadline is taken from the send time, which
 *       is never later than the Redis time the script stamps, so it errs towards moving.
 * </ul>
 *
 * <p>The {@code timestamp} field and heartbeat value a renewal writes are this JVM's clock, as the
 * reference writes them; deadlines and expiry are Redis server time.
 */
final class Renewals {

  /** Most nodes renewed by one script call. */
  static final int MAX_BATCH = 64;
  /**
   * Most calls sent at once (pipelined): Redis runs one while the client writes the next and
   * reads the last reply, instead of both sides taking turns.
   */
  static final int MAX_CALLS = 8;

  private record Pending(String nodeId, CompletableFuture<Boolean> result) {}

  private final RedisClusterAsyncCommands<String, String> commands;
  private final Keys keys;
  private final String ttlArg;
  private final String ttlSecondsArg;
  private final long ttlNanos;
  private final long moveWithinNanos;
  private final LongSupplier nanoClock;
  private final Executor flusher;
  /** Local (nanoClock) estimate of each node's deadline; absent = unknown, move it. */
  private final Map<String, Long> deadlines = new ConcurrentHashMap<>();
  private final Object lock = new Object();
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private boolean inFlight; // guarded by lock

  Renewals(RedisClusterAsyncCommands<String, String> commands, Keys keys, long ttlMillis, long intervalMillis,
      LongSupplier nanoClock, Executor flusher) {
    this.commands = commands;
    this.keys = keys;
    this.ttlArg = Long.toString(ttlMillis);
    this.ttlSecondsArg = Long.toString((ttlMillis + 999) / 1000);
    this.ttlNanos = TimeUnit.MILLISECONDS.toNanos(ttlMillis);
    this.moveWithinNanos = TimeUnit.MILLISECONDS.toNanos(intervalMillis) * 5 / 4;
    this.nanoClock = nanoClock;
    this.flusher = flusher;
  }

  CompletableFuture<Boolean> renew(String nodeId) {
    Pending p = new Pending(nodeId, new CompletableFuture<>());
    boolean start;
    synchronized (lock) {
      queue.add(p);
      start = !inFlight;
      inFlight = true;
    }
    if (start) {
      // one hop, so that renewals asked for in the same burst (a loop over a JVM's nodes) join
      // the first call instead of waiting for it
      try {
        flusher.execute(this::next);
      } catch (RuntimeException e) { // rejected: send from here
        next();
      }
    }
    return p.result();
  }

  /** A full registration, sent at {@code sentAtNanos}, set the node's deadline. */
  void deadlineSet(String nodeId, long sentAtNanos) {
    deadlines.put(nodeId, sentAtNanos + ttlNanos);
  }

  /** The node is gone: its next renewal (if any) moves its deadline. */
  void forget(String nodeId) {
    deadlines.remove(nodeId);
  }

  long now() {
    return nanoClock.getAsLong();
  }

  private List<Pending> drain() {
    List<Pending> batch = new ArrayList<>(Math.min(queue.size(), MAX_BATCH));
    while (!queue.isEmpty() && batch.size() < MAX_BATCH) {
      batch.add(queue.poll());
    }
    return batch;
  }

  private void send(List<Pending> batch, Runnable done) {
    long now = nanoClock.getAsLong();
    int n = batch.size();
    String[] k = new String[n];
    String[] args = new String[n + 5];
    boolean[] move = new boolean[n];
    StringBuilder moves = new StringBuilder(n);
    args[0] = ttlArg;
    args[1] = ttlSecondsArg;
    args[2] = Long.toString(System.currentTimeMillis());
    args[3] = keys.prefix();
    for (int i = 0; i < n; i++) {
      String id = batch.get(i).nodeId();
      Long deadline = deadlines.get(id);
      move[i] = deadline == null || deadline - now < moveWithinNanos;
      k[i] = keys.node(id);
      moves.append(move[i] ? '+' : '-');
      args[i + 5] = id;
    }
    args[4] = moves.toString();
    CompletableFuture<List<Object>> call;
    try {
      // one node is answered with a plain integer, several with an array: MULTI output gives a
      // list for both (a top-level integer becomes its only element)
      call = Scripts.RENEW.run(commands, ScriptOutputType.MULTI, k, args);
    } catch (RuntimeException e) {
      call = CompletableFuture.failedFuture(e);
    }
    call.whenComplete((reply, error) -> {
      for (int i = 0; i < n; i++) {
        Pending p = batch.get(i);
        if (error != null) {
          p.result().completeExceptionally(error);
          continue;
        }
        boolean renewed = reply != null && i < reply.size() && RegistryWriter.asLong(reply.get(i)) == 1L;
        if (!renewed) {
          deadlines.remove(p.nodeId());
        } else if (move[i]) {
          deadlines.put(p.nodeId(), now + ttlNanos);
        }
        p.result().complete(renewed);
      }
      done.run();
    });
  }

  private void next() {
    List<List<Pending>> calls = new ArrayList<>();
    synchronized (lock) {
      if (queue.isEmpty()) {
        inFlight = false;
        return;
      }
      while (!queue.isEmpty() && calls.size() < MAX_CALLS) {
        calls.add(drain());
      }
    }
    AtomicInteger open = new AtomicInteger(calls.size());
    for (List<Pending> batch : calls) {
      send(batch, () -> {
        if (open.decrementAndGet() == 0) {
          next();
        }
      });
    }
  }
}
