package dev.titan.discovery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client-side load balancing for one service: picks an instance from the service's UP instances
 * in well under a microsecond, without a Redis round trip, and keeps passive health (outlier
 * ejection) from the outcome of the calls it hands out. For code outside Spring; Spring
 * applications use Spring Cloud LoadBalancer over the starter's {@code DiscoveryClient}.
 *
 * <pre>{@code
 * ServiceSelector orders = ServiceSelector.builder(discovery,
 *         ServiceQuery.service("orders").versionRange("^2").build())
 *     .strategy(SelectionStrategy.POWER_OF_TWO_CHOICES)
 *     .preferZone("eu-1")
 *     .build();
 * orders.ready().join();                         // first node list loaded
 *
 * try (ServiceSelector.Call call = orders.select()) {
 *   Response r = http.send(call.node().address(), request);
 *   call.success();                              // latency and outcome recorded
 * } catch (IOException e) {
 *   ...                                          // call.failure(e) in the try block, see Call
 * }
 * NodeInfo any = orders.next();                  // no lease: nothing recorded
 * }</pre>
 *
 * <p><b>What is chosen.</b> Instances of the query's service that pass the query and are {@link
 * NodeStatus#UP} (never DRAINING or OUT_OF_SERVICE), minus ejected ones (see {@link
 * OutlierEjection}, including its panic threshold), and of those the preferred zone's when one is
 * set and at least one instance there can be chosen, else all of them. The {@link
 * SelectionStrategy} picks one.
 *
 * <p><b>Where the instances come from.</b> With a {@link RegistryView} ({@link
 * Builder#view(RegistryView)}, or by default {@link DiscoveryService#view()} when the service has
 * pub/sub on), selection reads memory only: the selector keeps a prebuilt array of candidates,
 * rebuilt when the view reports a change of the service (listener) or when the view's change
 * counter has moved since the array was built (checked on every selection: one volatile read), so
 * once the view shows a join, a drain or a departure, no selection answers from before it.
 * Without a view, the selector reads Redis once ({@link DiscoveryService#find(ServiceQuery)}) per
 * {@link Builder#cachePeriod(Duration) cache period} (default 1 s), in the background when a
 * selection finds the list older than that (the selection itself answers from the list it has),
 * and at once when an event about the service arrives (with pub/sub on).
 *
 * <p><b>Leases.</b> {@link #select()} returns a {@link Call}: it counts as outstanding until
 * {@link Call#success()}, {@link Call#failure(Throwable)} or {@link Call#close()}, whichever comes
 * first. Success records the latency (from the injected clock, {@link Builder#nanoTime}) and ends
 * the instance's failure streak; failure extends the streak (and may eject it); closing without
 * either counts as neither (only as {@link SelectorStats#abandoned()}). {@link #next()} hands out
 * a node and records nothing.
 *
 * <p><b>Cost.</b> Thread-safe and lock-free on the selection path: {@code next()} reads a volatile
 * array and, for ROUND_ROBIN and RANDOM, allocates nothing (an {@link AtomicInteger} or {@link
 * ThreadLocalRandom}); WEIGHTED does a binary search over prefix sums; POWER_OF_TWO_CHOICES and
 * LEAST_RESPONSE_TIME compare two random instances. Rebuilding the array (changes, ejections,
 * returns) is done under a lock by one thread while the others keep answering from the previous
 * array.
 *
 * <p>{@link #close()} detaches the selector from the view or the event listener; selection then
 * answers from the last list, which no longer changes. It never closes the discovery service or
 * the view.
 */
public final class ServiceSelector implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ServiceSelector.class);

  /** Default time a list read from Redis is used before it is read again. */
  public static final Duration DEFAULT_CACHE_PERIOD = Duration.ofSeconds(1);

  /** Weight of a new latency sample in the moving average: 1/4. */
  private static final int EWMA_SHIFT = 2;
  private static final long NO_RETURN = Long.MAX_VALUE;
  private static final int RETRY = -2;

  private final ServiceQuery query;
  private final SelectionStrategy strategy;
  private final @Nullable String preferZone;
  private final OutlierEjection outlier;
  private final LongSupplier nanoTime;
  private final @Nullable DiscoveryService discovery;
  private final @Nullable RegistryView view;
  private final boolean polling;
  private final long cachePeriodNanos;

  private final ConcurrentHashMap<String, Instance> states = new ConcurrentHashMap<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final AtomicInteger roundRobin = new AtomicInteger();
  private final AtomicReference<@Nullable Instance> sticky = new AtomicReference<>();
  private final CompletableFuture<ServiceSelector> ready = new CompletableFuture<>();
  private final AtomicBoolean refreshing = new AtomicBoolean();
  private volatile boolean refreshAgain;
  private volatile long nextLoadAt;
  private volatile boolean closed;
  private volatile Snapshot snapshot;
  private @Nullable DiscoveryListener listener;

  // guarded by lock
  private List<NodeInfo> lastNodes = List.of();
  private @Nullable List<NodeInfo> lastRaw;
  private int generation;

  private final LongAdder successes = new LongAdder();
  private final LongAdder failures = new LongAdder();
  private final LongAdder abandoned = new LongAdder();
  private final LongAdder ejections = new LongAdder();
  private final LongAdder refusedEjections = new LongAdder();
  private final LongAdder returns = new LongAdder();
  private final LongAdder refreshes = new LongAdder();
  private final LongAdder refreshFailures = new LongAdder();

  private ServiceSelector(Builder b, @Nullable List<NodeInfo> fixed) {
    this.query = b.query;
    this.strategy = b.strategy;
    this.preferZone = b.preferZone;
    this.outlier = b.outlier;
    this.nanoTime = b.nanoTime;
    this.discovery = b.discovery;
    this.cachePeriodNanos = b.cachePeriod.toNanos();
    this.snapshot = Snapshot.notLoaded();
    RegistryView v = null;
    if (fixed == null && b.discovery != null) {
      v = b.view;
      if (v == null && !Boolean.FALSE.equals(b.useView)) {
        try {
          v = b.discovery.view();
        } catch (IllegalStateException e) {
          if (Boolean.TRUE.equals(b.useView)) {
            throw e;
          }
          LOG.debug("Selector of '{}' reads Redis every {}: {}", query.serviceName(), b.cachePeriod, e.getMessage());
        }
      }
    }
    this.view = v;
    this.polling = fixed == null && v == null;
  }

  private void start(@Nullable List<NodeInfo> fixed) {
    if (fixed != null) {
      setNodes(fixed);
      return;
    }
    RegistryView v = view;
    if (v != null) {
      DiscoveryListener l = e -> {
        if (concerns(e)) {
          lock.lock();
          try {
            loadFromView(v);
          } finally {
            lock.unlock();
          }
        }
      };
      listener = l;
      v.addListener(l); // before the first read, so that no change falls in between
      v.ready().whenComplete((r, e) -> {
        if (e != null) {
          ready.completeExceptionally(e);
          return;
        }
        lock.lock();
        try {
          loadFromView(v);
        } finally {
          lock.unlock();
        }
        ready.complete(this);
      });
      return;
    }
    DiscoveryService d = discovery;
    if (d != null) {
      DiscoveryListener l = e -> {
        if (concerns(e)) {
          refresh(true);
        }
      };
      listener = l;
      d.onEvent(l);
      refresh(true);
    }
  }

  /** Whether an event may change this selector's list: it names the service, or one of our nodes. */
  private boolean concerns(DiscoveryEvent e) {
    if (closed) {
      return false;
    }
    for (ServiceInfo s : e.services()) {
      if (s.name().equals(query.serviceName())) {
        return true;
      }
    }
    return states.containsKey(e.nodeId()) || e.services().isEmpty();
  }

  // ------------------------------------------------------------------ building

  /**
   * A selector of any UP instance of a service.
   *
   * @param discovery the discovery service (started, for a view or reads)
   * @param serviceName the service name
   * @return the builder
   */
  public static Builder builder(DiscoveryService discovery, String serviceName) {
    if (serviceName == null) {
      throw new IllegalArgumentException("serviceName must not be null");
    }
    return builder(discovery, ServiceQuery.service(serviceName).build());
  }

  /**
   * A selector of the UP instances that pass a query (version range, zone, metadata).
   *
   * @param discovery the discovery service (started, for a view or reads)
   * @param query the query; a status filter must admit {@link NodeStatus#UP}
   * @return the builder
   */
  public static Builder builder(DiscoveryService discovery, ServiceQuery query) {
    if (discovery == null) {
      throw new IllegalArgumentException("discovery must not be null");
    }
    return new Builder(discovery, query);
  }

  /**
   * A builder of a selector over a fixed list of nodes, changed with {@link #setNodes}: for tests
   * and benchmarks of the selection itself.
   *
   * @param query the query
   * @return the builder
   */
  static Builder builderForNodes(ServiceQuery query) {
    return new Builder(null, query);
  }

  // ------------------------------------------------------------------ selection

  /**
   * One instance, without a lease (nothing is recorded about the call made to it).
   *
   * @return the instance
   * @throws NoInstanceAvailableException when none can be chosen, naming the service, the query
   *     and what was found
   */
  public NodeInfo next() {
    Snapshot s = current();
    int k = indexOf(s);
    if (k == RETRY) {
      s = snapshot;
      k = indexOf(s);
    }
    if (k < 0) {
      throw noInstance(s);
    }
    return s.nodes[k];
  }

  /**
   * One instance, when there is one.
   *
   * @return the instance, or empty
   */
  public Optional<NodeInfo> nextIfAny() {
    Snapshot s = current();
    int k = indexOf(s);
    if (k == RETRY) {
      s = snapshot;
      k = indexOf(s);
    }
    return k < 0 ? Optional.empty() : Optional.of(s.nodes[k]);
  }

  /**
   * One instance with a lease that records the call's outcome and latency; use it in
   * try-with-resources and call {@link Call#success()} or {@link Call#failure(Throwable)}.
   *
   * @return the lease
   * @throws NoInstanceAvailableException when none can be chosen
   */
  public Call select() {
    Snapshot s = current();
    int k = indexOf(s);
    if (k == RETRY) {
      s = snapshot;
      k = indexOf(s);
    }
    if (k < 0) {
      throw noInstance(s);
    }
    return lease(s, k);
  }

  /**
   * A lease on one instance, when there is one.
   *
   * @return the lease, or empty
   */
  public Optional<Call> selectIfAny() {
    Snapshot s = current();
    int k = indexOf(s);
    if (k == RETRY) {
      s = snapshot;
      k = indexOf(s);
    }
    return k < 0 ? Optional.empty() : Optional.of(lease(s, k));
  }

  private Call lease(Snapshot s, int k) {
    Instance i = s.candidates[k];
    i.outstanding.incrementAndGet();
    return new Call(this, i, s.nodes[k], nanoTime.getAsLong());
  }

  /** The snapshot to answer from: rebuilt first when the view moved or an ejection is over. */
  private Snapshot current() {
    Snapshot s = snapshot;
    RegistryView v = view;
    if (v != null) {
      if (v.version() != s.sourceVersion && s.loaded && lock.tryLock()) {
        try {
          loadFromView(v);
        } finally {
          lock.unlock();
        }
        s = snapshot;
      }
    } else if (polling && nanoTime.getAsLong() - nextLoadAt >= 0) {
      refresh(false);
    }
    if (s.nextReturn != NO_RETURN && nanoTime.getAsLong() - s.nextReturn >= 0 && lock.tryLock()) {
      try {
        publish();
      } finally {
        lock.unlock();
      }
      s = snapshot;
    }
    return s;
  }

  /**
   * The index of the chosen candidate in the snapshot, -1 when there is none, {@link #RETRY} when
   * the sticky instance moved to a newer snapshot than this one.
   */
  private int indexOf(Snapshot s) {
    Instance[] c = s.candidates;
    int n = c.length;
    if (n == 0) {
      return -1;
    }
    switch (strategy) {
      case ROUND_ROBIN:
        return n == 1 ? 0 : (roundRobin.getAndIncrement() & Integer.MAX_VALUE) % n;
      case RANDOM:
        return n == 1 ? 0 : ThreadLocalRandom.current().nextInt(n);
      case WEIGHTED: {
        if (n == 1) {
          return 0;
        }
        long[] cum = s.cumulativeWeights;
        long r = ThreadLocalRandom.current().nextLong(cum[n - 1]);
        int at = Arrays.binarySearch(cum, r + 1); // the first cumulative weight above r
        return at >= 0 ? at : -at - 1;
      }
      case POWER_OF_TWO_CHOICES: {
        if (n == 1) {
          return 0;
        }
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        int a = rnd.nextInt(n);
        int b = other(n, a, rnd);
        return c[b].outstanding.get() < c[a].outstanding.get() ? b : a;
      }
      case LEAST_RESPONSE_TIME: {
        if (n == 1) {
          return 0;
        }
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        int a = rnd.nextInt(n);
        int b = other(n, a, rnd);
        return c[b].cost() < c[a].cost() ? b : a;
      }
      case STICKY:
        return sticky(s);
      default:
        throw new AssertionError(strategy);
    }
  }

  /** A random index other than {@code a}, uniform over the others. */
  private static int other(int n, int a, ThreadLocalRandom rnd) {
    int j = rnd.nextInt(n - 1);
    return j == a ? n - 1 : j;
  }

  private int sticky(Snapshot s) {
    Instance cur = sticky.get();
    if (cur != null) {
      long slot = cur.slot;
      if ((int) (slot >>> 32) == s.generation) {
        return (int) slot;
      }
      if (snapshot != s) {
        return RETRY; // a newer snapshot may still have it
      }
    }
    int k = ThreadLocalRandom.current().nextInt(s.candidates.length);
    Instance candidate = s.candidates[k];
    if (sticky.compareAndSet(cur, candidate)) {
      if (cur != null) {
        LOG.debug("Selector of '{}' sticks to {} now ({} can no longer be chosen)", query.serviceName(), candidate.id, cur.id);
      }
      return k;
    }
    Instance won = sticky.get();
    if (won != null) {
      long slot = won.slot;
      if ((int) (slot >>> 32) == s.generation) {
        return (int) slot;
      }
    }
    return k;
  }

  private NoInstanceAvailableException noInstance(Snapshot s) {
    String what;
    if (!s.loaded) {
      what = "its instances are not loaded yet (wait for ServiceSelector.ready())";
    } else if (s.matching == 0) {
      what = "no instance matches";
    } else if (s.up == 0) {
      what = s.matching + " match, none is UP (" + s.statusCounts + ")";
    } else {
      what = s.up + " UP, all ejected after failures";
    }
    return new NoInstanceAvailableException(
        "No instance of service '" + query.serviceName() + "' available for " + query + ": " + what, query);
  }

  // ------------------------------------------------------------------ outcomes and ejection

  private void succeeded(Instance i, long latencyNanos) {
    successes.increment();
    i.recordLatency(latencyNanos);
    if (i.consecutiveFailures.get() != 0) {
      i.consecutiveFailures.set(0);
    }
    i.refusalLogged = false;
  }

  private void failed(Instance i, @Nullable Throwable error) {
    failures.increment();
    int streak = i.consecutiveFailures.incrementAndGet();
    if (outlier.enabled() && streak >= outlier.consecutiveFailures() && !i.ejected) {
      lock.lock();
      try {
        eject(i, error);
      } finally {
        lock.unlock();
      }
    }
  }

  /** Ejects an instance unless that passes the maximum share; under the lock. */
  private void eject(Instance i, @Nullable Throwable error) {
    if (i.ejected || states.get(i.id) != i || i.consecutiveFailures.get() < outlier.consecutiveFailures()) {
      return;
    }
    int up = 0;
    int ejectedNow = 0;
    for (NodeInfo n : lastNodes) {
      Instance st = states.get(n.nodeId());
      if (n.status() == NodeStatus.UP && st != null) {
        up++;
        if (st.ejected) {
          ejectedNow++;
        }
      }
    }
    if (i.node.status() != NodeStatus.UP) {
      return; // not chosen anyway
    }
    if ((long) (ejectedNow + 1) * 100 > (long) outlier.maxEjectionPercent() * up) {
      refusedEjections.increment();
      if (!i.refusalLogged) {
        i.refusalLogged = true;
        LOG.warn("Selector of '{}': not ejecting {} ({}) after {} failures in a row: {} of {} UP instances are ejected"
            + " already (max {} %)", query.serviceName(), i.id, i.node.address(), i.consecutiveFailures.get(),
            ejectedNow, up, outlier.maxEjectionPercent());
      }
      return;
    }
    long now = nanoTime.getAsLong();
    long max = outlier.maxEjectionTime().toNanos();
    if (i.ejections > 0 && i.returnedAt != Long.MIN_VALUE && now - i.returnedAt >= max) {
      i.ejections = 0; // healthy for a whole maximum ejection time: start again
    }
    i.ejections++;
    long base = outlier.baseEjectionTime().toNanos();
    int doublings = Math.min(i.ejections - 1, 62);
    long time = base > (max >> doublings) ? max : Math.min(max, base << doublings);
    i.ejectedUntil = now + time;
    i.ejected = true;
    ejections.increment();
    LOG.warn("Selector of '{}': ejecting {} ({}) for {} ms after {} failures in a row (ejection {}){}",
        query.serviceName(), i.id, i.node.address(), time / 1_000_000, i.consecutiveFailures.get(), i.ejections,
        error == null ? "" : ": " + error);
    publish();
  }

  // ------------------------------------------------------------------ loading and rebuilding

  /** Reads the view's list of the service (memory only); under the lock. */
  private void loadFromView(RegistryView v) {
    long version = v.version(); // read first: a change after it makes the next selection load again
    List<NodeInfo> raw = v.findNodesByService(query.serviceName(), query.version().orElse(null));
    Snapshot s = snapshot;
    if (raw == lastRaw && s.loaded) {
      snapshot = s.withVersion(version); // the view's list of the service is unchanged (it caches it)
      return;
    }
    lastRaw = raw;
    apply(filter(raw), version);
  }

  private List<NodeInfo> filter(List<NodeInfo> nodes) {
    List<NodeInfo> out = new ArrayList<>(nodes.size());
    for (NodeInfo n : nodes) {
      if (query.matches(n)) {
        out.add(n);
      }
    }
    return out;
  }

  /**
   * Replaces the nodes of a selector built by {@link #builderForNodes}; they are filtered by its
   * query.
   *
   * @param nodes the nodes
   */
  void setNodes(List<NodeInfo> nodes) {
    lock.lock();
    try {
      apply(filter(nodes), 0);
    } finally {
      lock.unlock();
    }
    ready.complete(this);
  }

  /**
   * Reads Redis in the background unless a read is running; for an event, then once more after
   * it (the running read may have missed the change), for a due period not (it is being read).
   */
  private void refresh(boolean event) {
    DiscoveryService d = discovery;
    if (d == null || closed) {
      return;
    }
    if (!refreshing.compareAndSet(false, true)) {
      if (event) {
        refreshAgain = true;
      }
      return;
    }
    nextLoadAt = nanoTime.getAsLong() + cachePeriodNanos;
    refreshAgain = false;
    CompletableFuture<List<NodeInfo>> read;
    try {
      read = d.find(query);
    } catch (RuntimeException e) {
      read = CompletableFuture.failedFuture(e);
    }
    read.whenComplete((nodes, e) -> {
      try {
        if (e != null) {
          refreshFailures.increment();
          LOG.warn("Selector of '{}': reading its instances failed, keeping the last list and retrying in {} ms: {}",
              query.serviceName(), cachePeriodNanos / 1_000_000, e.toString());
          if (!snapshot.loaded) {
            ready.completeExceptionally(e);
          }
          return;
        }
        lock.lock();
        try {
          apply(filter(nodes), 0);
        } finally {
          lock.unlock();
        }
        ready.complete(this);
      } finally {
        refreshing.set(false);
        if (refreshAgain && !closed) {
          refresh(true);
        }
      }
    });
  }

  /** Takes a new list of matching nodes (any status); under the lock. */
  private void apply(List<NodeInfo> nodes, long sourceVersion) {
    refreshes.increment();
    Set<String> ids = new HashSet<>(nodes.size() * 2);
    for (NodeInfo n : nodes) {
      ids.add(n.nodeId());
      states.computeIfAbsent(n.nodeId(), Instance::new).node = n;
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
    List<Instance> up = new ArrayList<>(lastNodes.size());
    List<Instance> healthy = new ArrayList<>(lastNodes.size());
    int[] statusCounts = new int[NodeStatus.values().length];
    long nextReturn = NO_RETURN;
    for (NodeInfo n : lastNodes) {
      statusCounts[n.status().ordinal()]++;
      Instance i = states.get(n.nodeId());
      if (i == null || n.status() != NodeStatus.UP) {
        continue;
      }
      up.add(i);
      if (i.ejected && now - i.ejectedUntil >= 0) {
        i.ejected = false;
        i.returnedAt = now;
        i.consecutiveFailures.set(0);
        i.refusalLogged = false;
        returns.increment();
        LOG.info("Selector of '{}': {} ({}) is back after its ejection", query.serviceName(), i.id, i.node.address());
      }
      if (i.ejected) {
        nextReturn = Math.min(nextReturn, i.ejectedUntil);
      } else {
        healthy.add(i);
      }
    }
    boolean panic = !up.isEmpty() && healthy.size() < up.size()
        && (long) healthy.size() * 100 < (long) outlier.panicThresholdPercent() * up.size();
    if (panic && !snapshot.panic) {
      LOG.warn("Selector of '{}': only {} of {} UP instances are not ejected (panic threshold {} %): choosing among all",
          query.serviceName(), healthy.size(), up.size(), outlier.panicThresholdPercent());
    }
    List<Instance> base = panic ? up : healthy;
    List<Instance> chosen = base;
    boolean inZone = false;
    if (preferZone != null) {
      List<Instance> zone = new ArrayList<>();
      for (Instance i : base) {
        if (preferZone.equals(i.node.metadata().get(NodeInfo.ZONE))) {
          zone.add(i);
        }
      }
      if (!zone.isEmpty()) {
        chosen = zone;
        inZone = true;
      }
    }
    Instance[] candidates = chosen.toArray(new Instance[0]);
    NodeInfo[] nodes = new NodeInfo[candidates.length];
    long[] cumulative = new long[candidates.length];
    long sum = 0;
    for (int k = 0; k < candidates.length; k++) {
      nodes[k] = candidates[k].node;
      candidates[k].slot = ((long) gen << 32) | k;
      sum += candidates[k].node.weight();
      cumulative[k] = sum;
    }
    StringBuilder counts = new StringBuilder();
    for (NodeStatus st : NodeStatus.values()) {
      if (statusCounts[st.ordinal()] > 0) {
        counts.append(counts.length() == 0 ? "" : ", ").append(statusCounts[st.ordinal()]).append(' ').append(st);
      }
    }
    int ejected = up.size() - healthy.size();
    snapshot = new Snapshot(true, gen, sourceVersion, candidates, nodes, cumulative, nextReturn, lastNodes.size(), up.size(),
        ejected, panic, inZone, counts.toString());
  }

  // ------------------------------------------------------------------ state

  /**
   * Completes when the first list of instances has been loaded (at once for a view that is
   * ready); before that, selection fails with {@link NoInstanceAvailableException}. Fails when
   * the view cannot be filled or the first read of Redis fails (later reads still try).
   *
   * @return this selector, once loaded
   */
  public CompletableFuture<ServiceSelector> ready() {
    return ready.copy();
  }

  /**
   * The query this selector selects by.
   *
   * @return the query
   */
  public ServiceQuery query() {
    return query;
  }

  /**
   * The strategy.
   *
   * @return the strategy
   */
  public SelectionStrategy strategy() {
    return strategy;
  }

  /**
   * Whether selection answers from a local view (else from a list read from Redis per cache
   * period).
   *
   * @return true with a view
   */
  public boolean usesView() {
    return view != null;
  }

  /**
   * The current instances and counters, read without I/O.
   *
   * @return a snapshot
   */
  public SelectorStats stats() {
    Snapshot s = current();
    long now = nanoTime.getAsLong();
    List<SelectorStats.Instance> list = new ArrayList<>();
    for (Instance i : states.values()) {
      boolean ej = i.ejected;
      list.add(new SelectorStats.Instance(i.node, i.outstanding.get(), i.latencyEwma, i.consecutiveFailures.get(), ej,
          i.ejections, ej ? Math.max(0, i.ejectedUntil - now) : 0));
    }
    list.sort((a, b) -> a.node().nodeId().compareTo(b.node().nodeId()));
    return new SelectorStats(query.serviceName(), strategy, s.matching, s.up, s.candidates.length, s.ejected, s.panic,
        s.inZone, successes.sum(), failures.sum(), abandoned.sum(), ejections.sum(), refusedEjections.sum(),
        returns.sum(), refreshes.sum(), refreshFailures.sum(), list);
  }

  /**
   * Detaches the selector from the view or the events; selection keeps answering from the last
   * list. Idempotent; closes nothing it was given.
   */
  @Override
  public void close() {
    closed = true;
    DiscoveryListener l = listener;
    if (l != null) {
      RegistryView v = view;
      if (v != null) {
        v.removeListener(l);
      } else if (discovery != null) {
        discovery.offEvent(l);
      }
    }
  }

  @Override
  public String toString() {
    Snapshot s = snapshot;
    return "ServiceSelector[" + query + ", " + strategy + (preferZone == null ? "" : ", zone " + preferZone) + ", "
        + s.candidates.length + " candidates of " + s.matching + (view != null ? ", from the view" : "") + "]";
  }

  /** The candidates, immutable once published. */
  private static final class Snapshot {
    final boolean loaded;
    final int generation;
    final long sourceVersion;
    final Instance[] candidates;
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

    Snapshot(boolean loaded, int generation, long sourceVersion, Instance[] candidates, NodeInfo[] nodes,
        long[] cumulativeWeights,
        long nextReturn, int matching, int up, int ejected, boolean panic, boolean inZone, String statusCounts) {
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

    Snapshot withVersion(long version) {
      return new Snapshot(loaded, generation, version, candidates, nodes, cumulativeWeights, nextReturn, matching, up,
          ejected, panic, inZone, statusCounts);
    }

    static Snapshot notLoaded() {
      return new Snapshot(false, 0, Long.MIN_VALUE, new Instance[0], new NodeInfo[0], new long[0], NO_RETURN, 0, 0, 0, false, false, "");
    }
  }

  /** One instance's counters; kept across rebuilds while the instance matches. */
  private static final class Instance {
    final String id;
    volatile NodeInfo node;
    final AtomicInteger outstanding = new AtomicInteger();
    final AtomicInteger consecutiveFailures = new AtomicInteger();
    /** Moving average of latency in ns, -1 before the first sample (racy updates may lose one). */
    volatile long latencyEwma = -1;
    /** Generation (high 32 bits) and index (low 32 bits) in the last snapshot that has it as a candidate. */
    volatile long slot = -1L;
    // written under the selector's lock
    volatile boolean ejected;
    volatile long ejectedUntil;
    volatile boolean refusalLogged;
    volatile int ejections;
    volatile long returnedAt = Long.MIN_VALUE;

    Instance(String id) {
      this.id = id;
    }

    void recordLatency(long nanos) {
      long sample = Math.max(0, nanos);
      long old = latencyEwma;
      latencyEwma = old < 0 ? sample : old + ((sample - old) >> EWMA_SHIFT);
    }

    long cost() {
      long l = latencyEwma;
      return l <= 0 ? 0 : l * (outstanding.get() + 1L);
    }
  }

  /**
   * A lease on one instance from {@link #select()}: outstanding until the first of {@link
   * #success()}, {@link #failure(Throwable)} or {@link #close()}; later calls do nothing. Use it
   * in try-with-resources:
   *
   * <pre>{@code
   * try (ServiceSelector.Call call = selector.select()) {
   *   try {
   *     client.send(call.node().address(), request);
   *     call.success();
   *   } catch (IOException e) {
   *     call.failure(e);
   *     throw e;
   *   }
   * }
   * }</pre>
   *
   * <p>Closing without success or failure counts as neither: the instance's failure streak and
   * latency stay as they were (counted in {@link SelectorStats#abandoned()}). A lease may be
   * finished on another thread than the one that took it.
   */
  public static final class Call implements AutoCloseable {
    private static final AtomicIntegerFieldUpdater<Call> DONE = AtomicIntegerFieldUpdater.newUpdater(Call.class, "done");

    private final ServiceSelector selector;
    private final Instance instance;
    private final NodeInfo node;
    private final long startNanos;
    private volatile int done;

    private Call(ServiceSelector selector, Instance instance, NodeInfo node, long startNanos) {
      this.selector = selector;
      this.instance = instance;
      this.node = node;
      this.startNanos = startNanos;
    }

    /**
     * The instance to call.
     *
     * @return the node
     */
    public NodeInfo node() {
      return node;
    }

    /**
     * The instance's address, {@code host:port}.
     *
     * @return the address
     */
    public String address() {
      return node.address();
    }

    /** The call succeeded: records its latency and ends the instance's failure streak. */
    public void success() {
      if (finish()) {
        selector.succeeded(instance, selector.nanoTime.getAsLong() - startNanos);
      }
    }

    /**
     * The call failed: extends the instance's failure streak, which ejects it at the configured
     * count ({@link OutlierEjection#consecutiveFailures()}). The latency is not recorded: a fast
     * failure must not make an instance look fast.
     *
     * @param error what failed, for the log (may be null)
     */
    public void failure(@Nullable Throwable error) {
      if (finish()) {
        selector.failed(instance, error);
      }
    }

    /** Ends the lease; without {@link #success()} or {@link #failure} before, counts as neither. */
    @Override
    public void close() {
      if (finish()) {
        selector.abandoned.increment();
      }
    }

    private boolean finish() {
      if (DONE.compareAndSet(this, 0, 1)) {
        instance.outstanding.decrementAndGet();
        return true;
      }
      return false;
    }

    @Override
    public String toString() {
      return "Call[" + instance.id + " " + node.address() + (done == 0 ? ", outstanding" : ", finished") + "]";
    }
  }

  /** Builder of a {@link ServiceSelector}. */
  public static final class Builder {
    private final @Nullable DiscoveryService discovery;
    private final ServiceQuery query;
    private SelectionStrategy strategy = SelectionStrategy.ROUND_ROBIN;
    private @Nullable String preferZone;
    private OutlierEjection outlier = OutlierEjection.defaults();
    private LongSupplier nanoTime = System::nanoTime;
    private @Nullable RegistryView view;
    private @Nullable Boolean useView;
    private Duration cachePeriod = DEFAULT_CACHE_PERIOD;

    private Builder(@Nullable DiscoveryService discovery, ServiceQuery query) {
      if (query == null) {
        throw new IllegalArgumentException("query must not be null");
      }
      if (!query.statuses().isEmpty() && !query.statuses().contains(NodeStatus.UP)) {
        throw new IllegalArgumentException("query selects no UP instance, and only UP instances are chosen: was " + query);
      }
      this.discovery = discovery;
      this.query = query;
    }

    /**
     * The strategy (default {@link SelectionStrategy#ROUND_ROBIN}).
     *
     * @param strategy the strategy
     * @return this builder
     */
    public Builder strategy(SelectionStrategy strategy) {
      if (strategy == null) {
        throw new IllegalArgumentException("strategy must not be null");
      }
      this.strategy = strategy;
      return this;
    }

    /**
     * Prefer instances whose metadata {@code zone} is this zone: choose among them while at least
     * one of them can be chosen (UP and not ejected), among all otherwise.
     *
     * @param zone the zone, non-blank
     * @return this builder
     */
    public Builder preferZone(String zone) {
      if (zone == null || zone.isBlank()) {
        throw new IllegalArgumentException("preferZone must not be blank, was " + (zone == null ? "null" : "'" + zone + "'"));
      }
      this.preferZone = zone;
      return this;
    }

    /**
     * Passive health (default {@link OutlierEjection#defaults()}; {@link
     * OutlierEjection#disabled()} to never eject).
     *
     * @param outlierEjection the configuration
     * @return this builder
     */
    public Builder outlierEjection(OutlierEjection outlierEjection) {
      if (outlierEjection == null) {
        throw new IllegalArgumentException("outlierEjection must not be null");
      }
      this.outlier = outlierEjection;
      return this;
    }

    /**
     * The clock of latencies, ejections and the cache period (default {@link System#nanoTime()});
     * tests inject their own.
     *
     * @param nanoTime a monotonic nanosecond clock
     * @return this builder
     */
    public Builder nanoTime(LongSupplier nanoTime) {
      if (nanoTime == null) {
        throw new IllegalArgumentException("nanoTime must not be null");
      }
      this.nanoTime = nanoTime;
      return this;
    }

    /**
     * Select from this view (normally {@code discovery.view()}). By default the selector uses the
     * discovery service's view when the service has pub/sub on (creating it if nobody has), and
     * reads Redis otherwise.
     *
     * @param view the view
     * @return this builder
     */
    public Builder view(RegistryView view) {
      if (view == null) {
        throw new IllegalArgumentException("view must not be null");
      }
      this.view = view;
      this.useView = true;
      return this;
    }

    /**
     * Whether to select from the discovery service's view: true requires one (pub/sub on), false
     * reads Redis once per cache period even when a view exists. Unset: the view when pub/sub is
     * on, else Redis.
     *
     * @param useView whether to use the view
     * @return this builder
     */
    public Builder useView(boolean useView) {
      this.useView = useView;
      if (!useView) {
        this.view = null;
      }
      return this;
    }

    /**
     * Without a view: how long a list read from Redis is used before the next selection reads it
     * again in the background (default {@link #DEFAULT_CACHE_PERIOD}, 1 s). Events about the
     * service (pub/sub on) read it again at once.
     *
     * @param period positive
     * @return this builder
     */
    public Builder cachePeriod(Duration period) {
      if (period == null || period.isNegative() || period.isZero()) {
        throw new IllegalArgumentException("cachePeriod must be a positive duration, was " + period);
      }
      this.cachePeriod = period;
      return this;
    }

    /**
     * The selector. It loads its instances at once (from the view, or with one Redis read);
     * {@link ServiceSelector#ready()} completes when it has them.
     *
     * @return the selector
     * @throws IllegalStateException when {@link #useView(boolean) useView(true)} and the discovery
     *     service cannot give a view (pub/sub off, not started, stopped)
     */
    public ServiceSelector build() {
      ServiceSelector s = new ServiceSelector(this, discovery == null ? List.of() : null);
      s.start(discovery == null ? List.of() : null);
      return s;
    }

    /**
     * A selector over fixed nodes (tests and benchmarks of the selection).
     *
     * @param nodes the nodes
     * @return the selector
     */
    ServiceSelector buildForNodes(List<NodeInfo> nodes) {
      ServiceSelector s = new ServiceSelector(this, nodes);
      s.start(nodes);
      return s;
    }
  }
}
