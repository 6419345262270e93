package dev.titan.discovery.internal.view;

import dev.titan.discovery.DiscoveryEvent;
import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.internal.registry.RegistryReader.Snapshot;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a {@link ViewIndex} in step with the registry: applies events, detects gaps with the
 * change counter, and resynchronises with one full read. Messages arrive on the pub/sub
 * connection's I/O thread and reads complete on Redis threads: every entry point is synchronized
 * (each holds the lock for microseconds and never blocks), and the index has a single writer at a
 * time. {@code changed} is called under the lock; it must hand work off, not run user code.
 *
 * <p>Our scripts publish {@code "{version} {id}"} on {@code {channel}:seq} right before each event,
 * and a script's two messages are adjacent on every subscriber connection: an event that follows
 * a sequence message for its node carries that version. Versions go up by one per change, so
 * anything else is a gap. Events without a sequence message come from the TypeScript
 * implementation and carry no version; they are applied as they come.
 *
 * <p>During a full read, events are buffered; once the snapshot (which carries the version it
 * reflects) is in, versioned events newer than it are replayed, older ones dropped. Unversioned
 * events buffered before the first newer versioned one cannot be placed before or after the
 * snapshot: their nodes are read again one by one.
 */
final class ViewSync {

  private static final Logger LOG = LoggerFactory.getLogger(ViewSync.class);

  /** What the sync reads from Redis. */
  interface Source {
    /**
     * The active nodes and the version they reflect.
     *
     * @return the snapshot
     */
    CompletableFuture<Snapshot> snapshot();

    /**
     * Reads nodes one by one: present and active, or empty.
     *
     * @param ids the ids
     * @return each id's node, or empty when absent or inactive
     */
    CompletableFuture<Map<String, Optional<NodeInfo>>> read(Set<String> ids);
  }

  /**
   * The view's nodes and the version they reflect, taken together under the lock.
   *
   * @param version the change counter the nodes reflect
   * @param nodes the nodes (immutable)
   */
  record Content(long version, List<NodeInfo> nodes) {}

  /** An event waiting for a full read to complete; version -1 when it carries none. */
  private record Pending(long version, DiscoveryEvent event) {}

  private final ViewIndex index;
  private final Source source;
  private final Executor executor;
  private final Consumer<DiscoveryEvent> changed;
  private final List<Pending> buffer = new ArrayList<>();
  private final List<CompletableFuture<Void>> waiting = new ArrayList<>();
  private final CompletableFuture<Void> firstRead = new CompletableFuture<>();

  private volatile long version;
  private volatile boolean inStep;
  private volatile long lastFullReadMillis;
  private volatile long fullReads;
  private boolean loading;
  private boolean again;
  private boolean dirty;
  private boolean closed;
  private long armedVersion = -1;
  private @Nullable String armedId;
  private long mismatchAt = -1;

  /**
   * Creates the sync; nothing happens before {@link #resync}.
   *
   * @param index the index to keep
   * @param source Redis reads
   * @param executor where read completions are handled (inline is fine)
   * @param changed told of every change applied, on the event thread
   */
  ViewSync(ViewIndex index, Source source, Executor executor, Consumer<DiscoveryEvent> changed) {
    this.index = index;
    this.source = source;
    this.executor = executor;
    this.changed = changed;
  }

  CompletableFuture<Void> firstRead() {
    return firstRead;
  }

  long version() {
    return version;
  }

  boolean inStep() {
    return inStep;
  }

  /**
   * The nodes with the version they reflect, read atomically (every change to the index and the
   * version happens under this lock, so the two cannot tear); null unless the view is in step: no
   * full read in flight or pending, no failed verification, not closed.
   *
   * @param service only the nodes offering this service, or null for every node
   * @param serviceVersion only those offering it in this version, or null for any
   * @return the content, or null
   */
  synchronized @Nullable Content inStepContent(@Nullable String service, @Nullable String serviceVersion) {
    if (!inStep || loading || dirty || closed) {
      return null;
    }
    return new Content(version, service == null ? index.nodes() : index.find(service, serviceVersion));
  }

  long lastFullReadMillis() {
    return lastFullReadMillis;
  }

  long fullReads() {
    return fullReads;
  }

  /**
   * A message on the sequence channel: {@code "{version} {id}"}.
   *
   * @param message the message
   */
  synchronized void onSequence(String message) {
    if (armedId != null) { // the event of the previous sequence message never came
      gap("an event went missing after version " + armedVersion);
    }
    int sp = message.indexOf(' ');
    try {
      armedVersion = Long.parseLong(sp < 0 ? message : message.substring(0, sp));
      armedId = sp < 0 ? "" : message.substring(sp + 1);
    } catch (NumberFormatException e) {
      armedVersion = -1;
      armedId = null;
      gap("malformed sequence message");
    }
  }

  /**
   * A message on the events channel, decoded (null when malformed).
   *
   * @param event the event
   */
  synchronized void onEvent(@Nullable DiscoveryEvent event) {
    String id = armedId;
    long v = armedVersion;
    armedId = null;
    armedVersion = -1;
    if (event == null) {
      if (id != null) {
        gap("a malformed event at version " + v);
      }
      return;
    }
    if (id != null && id.equals(event.nodeId())) {
      versioned(v, event);
      return;
    }
    if (id != null) {
      gap("the event for version " + v + " was not " + id + "'s");
    }
    if (loading) {
      buffer.add(new Pending(-1, event));
    } else {
      apply(event);
    }
  }

  private void versioned(long v, DiscoveryEvent event) {
    if (loading) {
      buffer.add(new Pending(v, event));
      return;
    }
    if (v <= version) {
      return; // already in the snapshot
    }
    long before = version;
    boolean continuous = before == 0 ? v % 1000 == 1 : v == before + 1;
    apply(event);
    version = v;
    if (!continuous) {
      gap("version " + v + " follows " + before);
    }
  }

  private void apply(DiscoveryEvent e) {
    if (e.type() == DiscoveryEvent.Type.NODE_DEREGISTERED) {
      if (index.remove(e.nodeId()) == null) {
        return;
      }
    } else {
      index.put(new NodeInfo(e.nodeId(), e.address(), e.services(), e.timestamp(), e.status(), e.metadata()));
    }
    changed.accept(e);
  }

  private void gap(String why) {
    LOG.debug("Local view: {}; reading the registry again", why);
    resync();
  }

  /**
   * The counter as read by the periodic check, and whether nodes without our index entries exist.
   *
   * @param remoteVersion {@code index:version} (0 when absent)
   * @param foreign whether nodes written by the TypeScript implementation exist
   * @param foreignPeriodMillis how often to read everything again while they do
   */
  synchronized void onProbe(long remoteVersion, boolean foreign, long foreignPeriodMillis) {
    if (loading || closed) {
      return;
    }
    if (dirty) {
      resync();
      return;
    }
    if (remoteVersion != version) {
      if (mismatchAt == version) { // no event arrived since the last check: one was missed
        gap("the counter is " + remoteVersion + ", the view at " + version);
        return;
      }
      mismatchAt = version;
    } else {
      mismatchAt = -1;
    }
    if (foreign && System.currentTimeMillis() - lastFullReadMillis >= foreignPeriodMillis) {
      gap("periodic read for nodes written without our indexes");
    }
  }

  /**
   * Reads the whole registry (again); coalesces with a read in flight.
   *
   * @return completes when a read that started after this call has been applied
   */
  synchronized CompletableFuture<Void> resync() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (closed) {
      done.completeExceptionally(new IllegalStateException("the view is closed"));
      return done;
    }
    waiting.add(done);
    if (loading) {
      again = true;
      return done;
    }
    loading = true;
    inStep = false;
    mismatchAt = -1;
    List<CompletableFuture<Void>> mine = new ArrayList<>(waiting);
    waiting.clear();
    source.snapshot().whenComplete((s, e) -> executor.execute(() -> finish(s, e, mine)));
    return done;
  }

  private synchronized void finish(@Nullable Snapshot s, @Nullable Throwable error, List<CompletableFuture<Void>> mine) {
    loading = false;
    if (closed) {
      mine.forEach(f -> f.completeExceptionally(new IllegalStateException("the view is closed")));
      return;
    }
    if (error != null || s == null) {
      LOG.warn("Local view: reading the registry failed ({}); retrying at the next check", String.valueOf(error));
      for (Pending p : buffer) { // best effort until the next read
        if (p.version() < 0 || p.version() > version) {
          apply(p.event());
          version = Math.max(version, p.version());
        }
      }
      buffer.clear();
      dirty = true;
      mine.forEach(f -> f.completeExceptionally(error != null ? error : new IllegalStateException("no snapshot")));
      return;
    }
    long now = System.currentTimeMillis();
    for (DiscoveryEvent e : index.replace(s.nodes(), now)) {
      changed.accept(e);
    }
    version = s.version();
    boolean placed = false;
    Set<String> unsure = new LinkedHashSet<>();
    for (Pending p : buffer) {
      if (p.version() >= 0) {
        if (p.version() > version) {
          placed = true;
          versioned(p.version(), p.event());
        }
      } else if (placed) {
        apply(p.event());
      } else {
        unsure.add(p.event().nodeId());
      }
    }
    buffer.clear();
    dirty = false;
    lastFullReadMillis = now;
    fullReads++;
    if (!unsure.isEmpty()) {
      verify(unsure);
    }
    if (again) {
      again = false;
      resync();
    } else if (!loading) {
      inStep = true;
    }
    mine.forEach(f -> f.complete(null));
    firstRead.complete(null);
  }

  private void verify(Set<String> ids) {
    source.read(ids).whenComplete((found, e) -> executor.execute(() -> verified(found, e)));
  }

  private synchronized void verified(@Nullable Map<String, Optional<NodeInfo>> found, @Nullable Throwable e) {
    {
      if (closed) {
        return;
      }
      if (e != null || found == null) {
        dirty = true;
        return;
      }
      found.forEach((id, node) -> {
        if (node.isPresent()) {
          NodeInfo n = node.get();
          NodeInfo old = index.node(id).orElse(null);
          if (old == null || !old.address().equals(n.address()) || !old.services().equals(n.services())) {
            apply(ViewIndex.event(old == null ? DiscoveryEvent.Type.NODE_REGISTERED : DiscoveryEvent.Type.NODE_UPDATED, n));
          }
        } else {
          index.node(id).ifPresent(old -> apply(new DiscoveryEvent(
              DiscoveryEvent.Type.NODE_DEREGISTERED, id, old.address(), old.services(), System.currentTimeMillis())));
        }
      });
    }
  }

  /** Stops: no more reads; pending futures fail. */
  synchronized void close() {
    closed = true;
    waiting.forEach(f -> f.completeExceptionally(new IllegalStateException("the view is closed")));
    waiting.clear();
    firstRead.completeExceptionally(new IllegalStateException("the view is closed"));
  }
}
