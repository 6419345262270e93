package dev.titan.discovery;

import dev.titan.discovery.internal.select.Candidates;
import dev.titan.discovery.internal.select.Ejections;
import dev.titan.discovery.internal.select.InstanceStats;
import dev.titan.discovery.internal.select.Picker;
import dev.titan.discovery.internal.select.Refresher;
import dev.titan.discovery.internal.select.Snapshot;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

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


  /** Default time a list read from Redis is used before it is read again. */
  public static final Duration DEFAULT_CACHE_PERIOD = Duration.ofSeconds(1);

  private final ServiceQuery query;
  private final SelectionStrategy strategy;
  private final @Nullable String preferZone;
  private final LongSupplier nanoTime;
  private final CompletableFuture<ServiceSelector> ready = new CompletableFuture<>();
  private final Candidates candidates;
  private final Picker picker;
  private final Refresher refresher;

  private ServiceSelector(Builder b, @Nullable List<NodeInfo> fixed) {
    this.query = b.query;
    this.strategy = b.strategy;
    this.preferZone = b.preferZone;
    this.nanoTime = b.nanoTime;
    this.candidates = new Candidates(query, preferZone, b.outlier, nanoTime);
    this.picker = new Picker(strategy, query.serviceName(), candidates);
    this.refresher = new Refresher(query, b.discovery, b.view, b.useView, b.cachePeriod, fixed != null, nanoTime,
        candidates, () -> ready.complete(this), ready::completeExceptionally);
  }

  private void start(@Nullable List<NodeInfo> fixed) {
    if (fixed != null) {
      setNodes(fixed);
      return;
    }
    refresher.start();
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
    int k = picker.indexOf(s);
    if (k == Picker.RETRY) {
      s = candidates.snapshot();
      k = picker.indexOf(s);
    }
    if (k < 0) {
      throw noInstance(s);
    }
    return s.node(k);
  }

  /**
   * One instance, when there is one.
   *
   * @return the instance, or empty
   */
  public Optional<NodeInfo> nextIfAny() {
    Snapshot s = current();
    int k = picker.indexOf(s);
    if (k == Picker.RETRY) {
      s = candidates.snapshot();
      k = picker.indexOf(s);
    }
    return k < 0 ? Optional.empty() : Optional.of(s.node(k));
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
    int k = picker.indexOf(s);
    if (k == Picker.RETRY) {
      s = candidates.snapshot();
      k = picker.indexOf(s);
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
    int k = picker.indexOf(s);
    if (k == Picker.RETRY) {
      s = candidates.snapshot();
      k = picker.indexOf(s);
    }
    return k < 0 ? Optional.empty() : Optional.of(lease(s, k));
  }

  private Call lease(Snapshot s, int k) {
    InstanceStats i = s.candidate(k);
    i.acquire();
    return new Call(this, i, s.node(k), nanoTime.getAsLong());
  }

  /** The snapshot to answer from: rebuilt first when the view moved or an ejection is over. */
  private Snapshot current() {
    return refresher.current();
  }

  private NoInstanceAvailableException noInstance(Snapshot s) {
    return new NoInstanceAvailableException(
        "No instance of service '" + query.serviceName() + "' available for " + query + ": " + s.whyNone(), query);
  }

  /**
   * Replaces the nodes of a selector built by {@link #builderForNodes}; they are filtered by its
   * query.
   *
   * @param nodes the nodes
   */
  void setNodes(List<NodeInfo> nodes) {
    candidates.setNodes(nodes);
    ready.complete(this);
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
    return refresher.usesView();
  }

  /**
   * The current instances and counters, read without I/O.
   *
   * @return a snapshot
   */
  public SelectorStats stats() {
    Snapshot s = current();
    long now = nanoTime.getAsLong();
    List<SelectorStats.Instance> list = candidates.instances(now);
    Ejections e = candidates.ejections();
    return new SelectorStats(query.serviceName(), strategy, s.matching(), s.up(), s.size(), s.ejected(), s.panic(),
        s.inZone(), e.successes(), e.failures(), e.abandonedCount(), e.ejections(), e.refusedEjections(),
        e.returns(), candidates.refreshes(), refresher.refreshFailures(), list);
  }

  /**
   * Detaches the selector from the view or the events; selection keeps answering from the last
   * list. Idempotent; closes nothing it was given.
   */
  @Override
  public void close() {
    refresher.close();
  }

  @Override
  public String toString() {
    Snapshot s = candidates.snapshot();
    return "ServiceSelector[" + query + ", " + strategy + (preferZone == null ? "" : ", zone " + preferZone) + ", "
        + s.size() + " candidates of " + s.matching() + (refresher.usesView() ? ", from the view" : "") + "]";
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
    private final InstanceStats instance;
    private final NodeInfo node;
    private final long startNanos;
    private volatile int done;

    private Call(ServiceSelector selector, InstanceStats instance, NodeInfo node, long startNanos) {
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
        selector.candidates.succeeded(instance, selector.nanoTime.getAsLong() - startNanos);
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
        selector.candidates.failed(instance, error);
      }
    }

    /** Ends the lease; without {@link #success()} or {@link #failure} before, counts as neither. */
    @Override
    public void close() {
      if (finish()) {
        selector.candidates.abandoned();
      }
    }

    private boolean finish() {
      if (DONE.compareAndSet(this, 0, 1)) {
        instance.release();
        return true;
      }
      return false;
    }

    @Override
    public String toString() {
      return "Call[" + instance.id() + " " + node.address() + (done == 0 ? ", outstanding" : ", finished") + "]";
    }
  }

  /** The value, or an IllegalArgumentException naming the argument when it is null. */
  private static <T> T notNull(@Nullable T value, String name) {
    if (value == null) {
      throw new IllegalArgumentException(name + " must not be null");
    }
    return value;
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
      this.strategy = notNull(strategy, "strategy");
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
      this.outlier = notNull(outlierEjection, "outlierEjection");
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
      this.nanoTime = notNull(nanoTime, "nanoTime");
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
      this.view = notNull(view, "view");
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
