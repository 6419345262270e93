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
 * anything else is a gap. A sequence message {@code "{version}* {id}"} announces a change that
 * has no event (the sweeper adopting a TypeScript-written node, or cleaning up after a node
 * someone else removed): it takes the version, and the node is read again.
 *
 * <p>Events without a sequence message come from the TypeScript implementation and carry no
 * version. Their payload is never applied: its {@code updateNodeAddress(otherId, ...)} publishes
 * the publisher's own address and services under {@code otherId}. The node is read again from
 * Redis instead (reads asked for meanwhile go together in the next one), and until that read is
 * applied the view is not in step ({@link #inStepContent} answers null), so that lookups go to
 * Redis. A point read that overlaps a change applied from a versioned event, or a full read, is
 * read again rather than applied. Lost TypeScript events are repaired by the periodic full read
 * while TypeScript-written nodes exist ({@link #onProbe}).
 *
 * <p>During a full read, events are buffered; once the snapshot (which carries the version it
 * reflects) is in, versioned events newer than it are replayed, older ones dropped, and the nodes
 * of unversioned ones are read again.
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

  /**
   * A message waiting for a full read to complete: version -1 when it carries none; no event when
   * only the node must be read again.
   */
  private record Pending(long version, String id, @Nullable DiscoveryEvent event) {}

  private final ViewIndex index;
  private final Source source;
  private final Executor executor;
  private final Consumer<DiscoveryEvent> changed;
  private final List<Pending> buffer = new ArrayList<>();
  private final List<CompletableFuture<Void>> waiting = new ArrayList<>();
  private final CompletableFuture<Void> firstRead = new CompletableFuture<>();
  private final java.util.function.LongSupplier nanoClock;
  /** Nodes to read again (events without a version of ours, announcements without an event). */
  private final Set<String> toRead = new LinkedHashSet<>();
  /** Nodes changed by versioned events while a point read is in flight. */
  private final Set<String> touched = new java.util.HashSet<>();

  private volatile long version;
  private volatile boolean inStep;
  private volatile long lastFullReadMillis;
  private long lastFullReadNanos;
  private boolean reading;
  private long snapshotsApplied;
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
    this(index, source, executor, changed, System::nanoTime);
  }

  /**
   * Creates the sync with a given monotonic clock (tests).
   *
   * @param index the index to keep
   * @param source Redis reads
   * @param executor where read completions are handled (inline is fine)
   * @param changed told of every change applied, on the event thread
   * @param nanoClock the monotonic clock the periodic full read is timed with
   */
  ViewSync(ViewIndex index, Source source, Executor executor, Consumer<DiscoveryEvent> changed,
      java.util.function.LongSupplier nanoClock) {
    this.index = index;
    this.source = source;
    this.executor = executor;
    this.changed = changed;
    this.nanoClock = nanoClock;
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
   * full read in flight or pending, no node waiting to be read again, no failed read, not closed.
   *
   * @param service only the nodes offering this service, or null for every node
   * @param serviceVersion only those offering it in this version, or null for any
   * @return the content, or null
   */
  synchronized @Nullable Content inStepContent(@Nullable String service, @Nullable String serviceVersion) {
    if (!inStep || loading || dirty || closed || reading || !toRead.isEmpty()) {
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
   * A message on the sequence channel: {@code "{version} {id}"} (its event follows) or {@code
   * "{version}* {id}"} (no event follows: read the node again).
   *
   * @param message the message
   */
  synchronized void onSequence(String message) {
    if (armedId != null) { // the event of the previous sequence message never came
      gap("an event went missing after version " + armedVersion);
    }
    int sp = message.indexOf(' ');
    String head = sp < 0 ? message : message.substring(0, sp);
    boolean alone = head.endsWith("*");
    try {
      long v = Long.parseLong(alone ? head.substring(0, head.length() - 1) : head);
      String id = sp < 0 ? "" : message.substring(sp + 1);
      if (alone) {
        armedVersion = -1;
        armedId = null;
        versioned(v, id, null);
      } else {
        armedVersion = v;
        armedId = id;
      }
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
      versioned(v, event.nodeId(), event);
      return;
    }
    if (id != null) {
      gap("the event for version " + v + " was not " + id + "'s");
    }
    // no version of ours (TypeScript): what it says may not be what Redis holds
    if (loading) {
      buffer.add(new Pending(-1, event.nodeId(), null));
    } else {
      reread(event.nodeId());
    }
  }

  /** A change at version {@code v}: its event applied, or (no event) its node read again. */
  private void versioned(long v, String id, @Nullable DiscoveryEvent event) {
    if (loading) {
      buffer.add(new Pending(v, id, event));
      return;
    }
    if (v <= version) {
      return; // already in the snapshot
    }
    long before = version;
    boolean continuous = before == 0 ? v % 1000 == 1 : v == before + 1;
    if (event != null) {
      if (reading) {
        touched.add(id);
      }
      apply(event);
    } else {
      reread(id);
    }
    version = v;
    if (!continuous) {
      gap("version " + v + " follows " + before);
    }
  }

  /** Reads a node again; reads asked for while one is in flight go together in the next. */
  private void reread(String id) {
    toRead.add(id);
    if (!reading) {
      readNext();
    }
  }

  private void readNext() {
    if (toRead.isEmpty() || closed) {
      return;
    }
    Set<String> ids = new LinkedHashSet<>(toRead);
    toRead.clear();
    touched.clear();
    reading = true;
    long epoch = snapshotsApplied;
    source.read(ids).whenComplete((found, e) -> executor.execute(() -> readAgain(ids, epoch, found, e)));
  }

  private synchronized void readAgain(
      Set<String> ids, long epoch, @Nullable Map<String, Optional<NodeInfo>> found, @Nullable Throwable e) {
    reading = false;
    if (closed) {
      return;
    }
    if (e != null || found == null) {
      LOG.debug("Local view: reading {} node(s) again failed ({}); reading the registry at the next check", ids.size(), String.valueOf(e));
      dirty = true; // the next probe reads everything
      toRead.clear();
      return;
    }
    boolean stale = epoch != snapshotsApplied; // a full read was applied meanwhile: it may be newer
    for (String id : ids) {
      if (stale || touched.contains(id)) {
        toRead.add(id); // cannot tell which is newer: read it once more
      } else {
        settle(id, found.getOrDefault(id, Optional.empty()));
      }
    }
    touched.clear();
    readNext();
  }

  /** Makes the view's entry for {@code id} what Redis holds, reporting a difference as an event. */
  private void settle(String id, Optional<NodeInfo> node) {
    if (node.isPresent()) {
      NodeInfo n = node.get();
      NodeInfo old = index.node(id).orElse(null);
      if (old == null || ViewIndex.differs(old, n)) {
        apply(ViewIndex.event(old == null ? DiscoveryEvent.Type.NODE_REGISTERED : DiscoveryEvent.Type.NODE_UPDATED, n));
      }
    } else {
      index.node(id).ifPresent(old -> apply(new DiscoveryEvent(
          DiscoveryEvent.Type.NODE_DEREGISTERED, id, old.address(), old.services(), System.currentTimeMillis())));
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
   * @param foreignPeriodMillis how often to read everything again while they do: changes they
   *     make whose events were lost are repaired within this (plus one probe and one read)
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
    if (foreign && nanoClock.getAsLong() - lastFullReadNanos >= foreignPeriodMillis * 1_000_000L) {
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
        if (p.version() > version && p.event() != null) {
          apply(p.event());
          version = p.version();
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
    snapshotsApplied++;
    List<Pending> replay = new ArrayList<>(buffer);
    buffer.clear();
    for (Pending p : replay) {
      if (p.version() < 0) {
        toRead.add(p.id()); // no version: its place before or after the snapshot is unknown
      } else if (p.version() > version) {
        versioned(p.version(), p.id(), p.event());
      }
    }
    if (!reading) {
      readNext(); // the nodes of unversioned events, in one read
    }
    dirty = false;
    lastFullReadMillis = now;
    lastFullReadNanos = nanoClock.getAsLong();
    fullReads++;
    if (again) {
      again = false;
      resync();
    } else if (!loading) {
      inStep = true;
    }
    mine.forEach(f -> f.complete(null));
    firstRead.complete(null);
  }

  /** Stops: no more reads; pending futures fail. */
  synchronized void close() {
    closed = true;
    waiting.forEach(f -> f.completeExceptionally(new IllegalStateException("the view is closed")));
    waiting.clear();
    firstRead.completeExceptionally(new IllegalStateException("the view is closed"));
  }
}
