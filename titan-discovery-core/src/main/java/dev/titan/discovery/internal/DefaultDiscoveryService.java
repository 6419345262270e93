package dev.titan.discovery.internal;

import dev.titan.discovery.DiscoveryEvent;
import dev.titan.discovery.DiscoveryListener;
import dev.titan.discovery.NodeStatus;
import dev.titan.discovery.ServiceQuery;
import dev.titan.discovery.DiscoveryOptions;
import dev.titan.discovery.DiscoveryService;
import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.ServiceInfo;
import dev.titan.discovery.internal.events.EventHub;
import dev.titan.discovery.internal.events.EventSubscription;
import dev.titan.discovery.internal.node.LocalNode;
import dev.titan.discovery.internal.node.LocalNode.Snapshot;
import dev.titan.discovery.internal.redis.ConnectionSpec;
import dev.titan.discovery.internal.redis.RedisConnector;
import dev.titan.discovery.internal.redis.RedisLink;
import dev.titan.discovery.internal.registry.Registrar;
import dev.titan.discovery.internal.registry.RegistryReader;
import dev.titan.discovery.internal.registry.RegistryWriter;
import dev.titan.discovery.internal.registry.Sweeper;
import dev.titan.discovery.internal.view.ConfirmedActiveNodes;
import dev.titan.discovery.internal.view.LocalRegistryView;
import dev.titan.discovery.RegistryView;
import dev.titan.discovery.DiscoveryStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lifecycle of a discovery service and the wiring of its parts: it connects ({@link
 * RedisConnector}), subscribes ({@link EventSubscription}), registers and heartbeats ({@link
 * Registrar}), reads ({@link RegistryReader}) and writes ({@link RegistryWriter}). It holds no
 * registry logic of its own.
 */
public final class DefaultDiscoveryService implements DiscoveryService {

  private static final Logger LOG = LoggerFactory.getLogger(DefaultDiscoveryService.class);
  private static final AtomicInteger COUNT = new AtomicInteger();

  /** What exists once started. */
  private record Parts(
      RedisLink link,
      RegistryWriter writer,
      RegistryReader reader,
      @Nullable Registrar registrar,
      @Nullable EventSubscription subscription,
      Sweeper sweeper,
      ConfirmedActiveNodes activeNodes) {}

  private final ConnectionSpec connection;
  private final DiscoveryOptions options;
  private final Keys keys;
  private final LocalNode node;
  private final boolean registerOnStart;
  private final EventHub hub = new EventHub();
  private final ScheduledExecutorService scheduler;
  private final Object lock = new Object();
  private final CompletableFuture<Void> stopped = new CompletableFuture<>();
  private @Nullable CompletableFuture<Parts> started; // guarded by lock
  private ConnectionSpec.@Nullable Connecting connecting; // guarded by lock
  private final Completions completions;
  private boolean stopRequested; // guarded by lock
  private boolean registerRequested; // guarded by lock: registerNode() before start()
  private volatile @Nullable Parts parts;
  private volatile @Nullable LocalRegistryView view; // created under lock

  /**
   * Creates the service; connects nothing.
   *
   * @param connection how to reach Redis
   * @param options options
   * @param initial this node's initial identity and state
   * @param registerOnStart whether {@link #start()} registers this node, or only {@link
   *     #register()} (or {@link #registerNode}) does
   * @param callbackExecutor where returned futures complete, or null for a pool of the service's own
   */
  public DefaultDiscoveryService(
      ConnectionSpec connection, DiscoveryOptions options, Snapshot initial,
      boolean registerOnStart, @Nullable Executor callbackExecutor) {
    this.completions = new Completions(callbackExecutor);
    this.registerOnStart = registerOnStart;
    this.connection = connection;
    this.options = options;
    this.keys = new Keys(options.redisPrefix());
    this.node = new LocalNode(initial);
    int n = COUNT.incrementAndGet();
    ScheduledThreadPoolExecutor ex = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "titan-discovery-" + n);
      t.setDaemon(true);
      return t;
    });
    ex.setRemoveOnCancelPolicy(true);
    this.scheduler = Executors.unconfigurableScheduledExecutorService(ex);
    if (options.clientMode()) {
      LOG.info("DiscoveryService created in client mode (no registration, no heartbeat)");
    } else {
      LOG.info("DiscoveryService created for node {} at {}", initial.nodeId(), initial.address());
    }
  }

  // ---------------------------------------------------------------- lifecycle

  @Override
  public CompletableFuture<Void> start() {
    synchronized (lock) {
      if (stopRequested) {
        return CompletableFuture.failedFuture(new IllegalStateException("Cannot start a stopped DiscoveryService"));
      }
      if (started == null) {
        connecting = connection.open(options, scheduler);
        started = connecting.link().thenCompose(this::startParts);
        started.whenComplete((p, e) -> {
          if (e != null) {
            LOG.warn("DiscoveryService could not start: {}", RedisConnector.reason(e));
            releaseThreads(); // a failed start is final: what it connected is closed already
          }
        });
      }
      return completions.relay(started.thenApply(p -> null));
    }
  }

  /** Ends the service's own threads: the scheduler, the event thread, the completion pool. */
  private void releaseThreads() {
    hub.close();
    scheduler.shutdownNow();
    completions.close();
  }

  private CompletableFuture<Parts> startParts(RedisLink link) {
    String channel = options.pubSubEnabled() ? options.pubSubChannel() : "";
    long ttl = options.heartbeatTtl().toMillis();
    RegistryWriter writer = new RegistryWriter(
        link.commands(), keys, ttl, options.heartbeatInterval().toMillis(), channel, System::nanoTime, scheduler);
    RegistryReader reader = new RegistryReader(link.commands(), keys, writer);
    link.onReconnect(reader::connectionRestored);
    Registrar registrar = options.clientMode() ? null : new Registrar(node, writer, scheduler, options);
    if (registrar != null) {
      link.onReconnect(registrar::connectionRestored);
    }
    Sweeper sweeper = new Sweeper(writer, scheduler, () -> node.get().nodeId(), options.heartbeatTtl());
    EventSubscription subscription = null;
    if (link.pubSub() != null) {
      subscription = new EventSubscription(link.pubSub(), options.pubSubChannel(), () -> node.get().nodeId(), hub, () -> {
        LocalRegistryView v = view;
        if (v != null) {
          v.resubscribed();
        }
      }, this::ownEvent, sweeper::registrationSeen);
    }
    ConfirmedActiveNodes activeNodes = new ConfirmedActiveNodes(() -> view, reader, writer, link.commands(), keys);
    Parts p = new Parts(link, writer, reader, registrar, subscription, sweeper, activeNodes);
    boolean registerNow;
    synchronized (lock) {
      registerNow = registrar != null && (registerOnStart || registerRequested);
    }
    CompletableFuture<Void> subscribed = subscription == null ? CompletableFuture.completedFuture(null) : subscription.start();
    CompletableFuture<Parts> result = new CompletableFuture<>();
    subscribed
        .thenCompose(v -> registerNow ? registrar.start() : CompletableFuture.completedFuture(null))
        .whenComplete((v, e) -> {
          if (e == null) {
            parts = p;
            sweeper.start();
            LOG.info("DiscoveryService started on {}{}", link.describe(), options.clientMode() ? " (client mode)" : "");
            result.complete(p);
            return;
          }
          // nothing usable: release the connections now rather than wait for stop()
          teardown(p).whenComplete((x, y) -> result.completeExceptionally(RedisConnector.unwrap(e)));
        });
    return result;
  }

  @Override
  public CompletableFuture<Void> stop() {
    CompletableFuture<Parts> s;
    ConnectionSpec.@Nullable Connecting c;
    synchronized (lock) {
      if (stopRequested) {
        return stopped;
      }
      stopRequested = true;
      s = started;
      c = connecting;
    }
    if (c != null) { // still retrying to connect: give up now (no effect once connected)
      c.cancel(new IllegalStateException("DiscoveryService stopped while starting"));
    }
    CompletableFuture<@Nullable Parts> ready = s == null
        ? CompletableFuture.completedFuture(null)
        : s.handle((p, e) -> parts);
    ready.thenCompose(this::teardown)
        .thenCompose(v -> c == null ? CompletableFuture.<Void>completedFuture(null) : c.released())
        .whenComplete((v, e) -> {
          if (e != null) {
            LOG.warn("Stopping was not clean: {}", RedisConnector.reason(e));
          }
          LOG.info("DiscoveryService stopped");
          completions.execute(() -> stopped.complete(null));
          releaseThreads();
        });
    return stopped;
  }

  private CompletableFuture<Void> teardown(@Nullable Parts p) {
    if (p == null) {
      return CompletableFuture.completedFuture(null);
    }
    LocalRegistryView localView = view;
    if (localView != null) {
      localView.close();
    }
    CompletableFuture<Void> deregistered = p.registrar() == null
        ? CompletableFuture.completedFuture(null)
        : p.registrar().stop().handle((v, e) -> null);
    return deregistered
        .thenCompose(v -> p.sweeper().stop())
        .thenCompose(v -> p.subscription() == null ? CompletableFuture.completedFuture(null) : p.subscription().close())
        .thenCompose(v -> p.link().closeAsync())
        .orTimeout(options.commandTimeout().toMillis() * 2 + 5000, TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    try {
      stop().get(options.commandTimeout().toMillis() * 3 + 10_000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.warn("DiscoveryService did not stop in time: {}", RedisConnector.reason(e));
    }
  }

  /** Runs an action once started; fails when not started or stopped. */
  private <T> CompletableFuture<T> withParts(Function<Parts, CompletableFuture<T>> action) {
    return whenStarted(action, () -> CompletableFuture.failedFuture(
        new IllegalStateException("DiscoveryService is not started: call start() first")));
  }

  /**
   * Writes this node's changed identity when registered; applies it locally otherwise (start()
   * or register() writes it later).
   */
  private CompletableFuture<Void> syncOwn() {
    return ownWrite(Registrar::sync);
  }

  /** Runs a write of this node when it is registered; nothing otherwise (start()/register() writes it later). */
  private CompletableFuture<Void> ownWrite(Function<Registrar, CompletableFuture<Void>> write) {
    if (options.clientMode()) {
      return CompletableFuture.completedFuture(null);
    }
    return whenStarted(
        p -> p.registrar() == null || !p.registrar().isStarted() || p.registrar().isStopped()
            ? CompletableFuture.completedFuture(null) // not registered (yet, or any more: drained)
            : write.apply(p.registrar()),
        () -> CompletableFuture.completedFuture(null)); // start() or register() will register it
  }

  /** Registers this node now when started, or on start() when not started yet; never in client mode. */
  private CompletableFuture<Void> registerOwn() {
    if (options.clientMode()) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Parts> s;
    synchronized (lock) {
      if (stopRequested) {
        return CompletableFuture.failedFuture(new IllegalStateException("DiscoveryService is stopped"));
      }
      if (started == null) {
        registerRequested = true; // start() registers it
        return CompletableFuture.completedFuture(null);
      }
      s = started;
    }
    return completions.relay(s.thenCompose(p -> p.registrar().start()));
  }

  private <T> CompletableFuture<T> whenStarted(
      Function<Parts, CompletableFuture<T>> action, java.util.function.Supplier<CompletableFuture<T>> notStarted) {
    CompletableFuture<Parts> s;
    synchronized (lock) {
      if (stopRequested) {
        return CompletableFuture.failedFuture(new IllegalStateException("DiscoveryService is stopped"));
      }
      s = started;
    }
    return s == null ? notStarted.get() : completions.relay(s.thenCompose(action));
  }

  // ---------------------------------------------------------------- writes

  @Override
  public CompletableFuture<Void> register() {
    if (options.clientMode()) {
      return CompletableFuture.failedFuture(new IllegalStateException("DiscoveryService is in client mode: it registers nothing"));
    }
    return withParts(p -> p.registrar().start());
  }

  @Override
  public CompletableFuture<Void> registerNode(String nodeId, String address, List<ServiceInfo> services) {
    Validation.nodeId(nodeId);
    Validation.address(address);
    List<ServiceInfo> list = Validation.services(services);
    node.update(s -> s.withIdentity(nodeId, address, list));
    return registerOwn();
  }

  @Override
  public CompletableFuture<Void> deregisterNode(String nodeId) {
    Validation.nodeId(nodeId);
    return withParts(p -> p.writer().deregister(List.of(nodeId)).thenApply(r -> null));
  }

  @Override
  public CompletableFuture<Void> updateNodeAddress(String nodeId, String address) {
    Validation.nodeId(nodeId);
    Validation.address(address);
    if (isOwn(nodeId)) {
      return updateAddress(address);
    }
    return withParts(p -> p.writer().updateAddress(nodeId, address).thenApply(found -> logUnknown(found, nodeId)));
  }

  @Override
  public CompletableFuture<Void> updateNodeServices(String nodeId, List<ServiceInfo> services) {
    Validation.nodeId(nodeId);
    List<ServiceInfo> list = Validation.services(services);
    if (isOwn(nodeId)) {
      return updateServices(list);
    }
    return withParts(p -> p.writer().updateServices(nodeId, list).thenApply(found -> logUnknown(found, nodeId)));
  }

  private boolean isOwn(String nodeId) {
    return !options.clientMode() && nodeId.equals(node.get().nodeId());
  }

  private @Nullable Void logUnknown(boolean found, String nodeId) {
    if (!found) {
      LOG.info("Node {} is not in the registry; nothing updated", nodeId);
    }
    return null;
  }

  @Override
  public CompletableFuture<Void> registerService(ServiceInfo service) {
    Validation.service(service);
    boolean changed = node.addService(service);
    return changed ? syncOwn() : CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletableFuture<Void> unregisterService(String serviceName) {
    Validation.serviceName(serviceName);
    boolean changed = node.removeService(serviceName);
    return changed ? syncOwn() : CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletableFuture<Void> updateServices(List<ServiceInfo> services) {
    List<ServiceInfo> list = Validation.services(services);
    boolean changed = node.update(s -> s.withServices(list));
    return changed ? syncOwn() : CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletableFuture<Void> updateAddress(String address) {
    Validation.address(address);
    boolean changed = node.update(s -> s.withAddress(address));
    return changed ? syncOwn() : CompletableFuture.completedFuture(null);
  }

  // ---------------------------------------------------------------- instance state

  /**
   * An event about this node: adopts a status that an operator set (setNodeStatus elsewhere).
   * Echoes of this node's own writes (stamped at or before its last full write, Redis time) are
   * not changes: an old echo must not undo a newer status of ours.
   */
  private void ownEvent(DiscoveryEvent e) {
    Parts p = parts;
    Registrar r = p == null ? null : p.registrar();
    if (e.type() == DiscoveryEvent.Type.NODE_UPDATED && r != null && e.timestamp() > r.lastFullWriteAt()) {
      if (node.adoptStatus(e.nodeId(), e.status())) {
        LOG.info("Node {} has status {} set by an operator; adopting it", e.nodeId(), e.status());
      }
    }
  }

  @Override
  public CompletableFuture<Void> setStatus(NodeStatus status) {
    java.util.Objects.requireNonNull(status, "status");
    node.update(s -> s.withStatus(status));
    // written even when unchanged here: an operator's status stored meanwhile gives way (Redis
    // publishes only a real change)
    return ownWrite(Registrar::writeStatus);
  }

  @Override
  public CompletableFuture<Void> setNodeStatus(String nodeId, NodeStatus status) {
    Validation.nodeId(nodeId);
    java.util.Objects.requireNonNull(status, "status");
    if (isOwn(nodeId)) {
      return setStatus(status);
    }
    return withParts(p -> p.writer().updateStatus(nodeId, status).thenApply(found -> logUnknown(found, nodeId)));
  }

  @Override
  public CompletableFuture<Void> updateMetadata(Map<String, String> metadata) {
    Map<String, String> m = Validation.metadata(metadata);
    boolean changed = node.update(s -> s.withMetadata(m));
    return changed ? syncOwn() : CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletableFuture<Void> drain(Duration grace) {
    java.util.Objects.requireNonNull(grace, "grace");
    if (grace.isNegative()) {
      throw new IllegalArgumentException("grace must not be negative, was " + grace);
    }
    if (!isRegistered()) {
      return CompletableFuture.failedFuture(new IllegalStateException(
          "drain() needs a registered node: " + (options.clientMode() ? "client mode registers nothing" : "call start()/register() first")));
    }
    return withParts(p -> p.registrar().drain(grace, () -> setStatus(NodeStatus.DRAINING)));
  }

  @Override
  public CompletableFuture<List<NodeInfo>> find(ServiceQuery query) {
    java.util.Objects.requireNonNull(query, "query");
    return withParts(p -> p.activeNodes().byService(query.serviceName(), query.version().orElse(null)))
        .thenApply(nodes -> nodes.stream().filter(query::matches).toList());
  }

  @Override
  public NodeStatus getStatus() {
    return node.get().status();
  }

  @Override
  public Map<String, String> getMetadata() {
    return node.get().metadata();
  }

  // ---------------------------------------------------------------- reads

  @Override
  public CompletableFuture<List<NodeInfo>> getActiveNodes() {
    return withParts(p -> p.activeNodes().activeNodes());
  }

  @Override
  public CompletableFuture<List<NodeInfo>> findNodes() {
    return getActiveNodes();
  }

  @Override
  public CompletableFuture<List<NodeInfo>> getAllNodes() {
    return withParts(p -> p.reader().allNodes());
  }

  @Override
  public CompletableFuture<List<NodeInfo>> findNodesByService(String name) {
    return findNodesByService(name, null);
  }

  @Override
  public CompletableFuture<List<NodeInfo>> findNodesByService(String name, @Nullable String version) {
    Validation.serviceName(name);
    if (version != null) {
      Validation.serviceVersion(version);
    }
    return withParts(p -> p.activeNodes().byService(name, version));
  }

  @Override
  public CompletableFuture<Optional<NodeInfo>> getNodeInfo(String nodeId) {
    Validation.nodeId(nodeId);
    return withParts(p -> p.reader().node(nodeId));
  }

  @Override
  public CompletableFuture<Boolean> nodeExists(String nodeId) {
    Validation.nodeId(nodeId);
    return withParts(p -> p.reader().exists(nodeId));
  }

  @Override
  public CompletableFuture<Boolean> isNodeActive(String nodeId) {
    Validation.nodeId(nodeId);
    return withParts(p -> p.reader().isActive(nodeId));
  }

  // ---------------------------------------------------------------- local view

  @Override
  public RegistryView view() {
    if (!options.pubSubEnabled()) {
      throw new IllegalStateException("view() needs pub/sub: build the service with DiscoveryOptions.pubSubEnabled(true)");
    }
    LocalRegistryView created;
    CompletableFuture<Parts> s;
    synchronized (lock) {
      if (stopRequested) {
        throw new IllegalStateException("DiscoveryService is stopped");
      }
      if (started == null) {
        throw new IllegalStateException("DiscoveryService is not started: call start() first");
      }
      LocalRegistryView existing = view;
      if (existing != null) {
        return existing;
      }
      created = new LocalRegistryView(hub, scheduler, completions);
      view = created;
      s = started;
    }
    s.whenComplete((p, e) -> {
      if (e != null) {
        created.fail(e);
      } else if (p.subscription() == null) {
        created.fail(new IllegalStateException("no pub/sub connection"));
      } else {
        created.attach(p.reader(), p.link().commands(), keys, p.subscription());
      }
    });
    return created;
  }

  // ---------------------------------------------------------------- events and identity

  @Override
  public void onEvent(DiscoveryListener listener) {
    hub.add(listener);
  }

  @Override
  public void offEvent(DiscoveryListener listener) {
    hub.remove(listener);
  }

  @Override
  public String getNodeId() {
    return node.get().nodeId();
  }

  @Override
  public String getAddress() {
    return node.get().address();
  }

  @Override
  public List<ServiceInfo> getServices() {
    return node.get().services();
  }

  @Override
  public boolean isRegistered() {
    Parts p = parts;
    return p != null && p.registrar() != null && p.registrar().isRegistered();
  }

  @Override
  public DiscoveryStatus status() {
    Parts p = parts;
    boolean running;
    synchronized (lock) {
      running = p != null && !stopRequested;
    }
    if (p == null) {
      return new DiscoveryStatus(false, false, false, 0, 0, 0, 0);
    }
    Registrar r = p.registrar();
    return new DiscoveryStatus(
        running,
        running && p.link().isOpen(),
        isRegistered(),
        r == null ? 0 : r.lastSuccessMillis(),
        r == null ? 0 : r.sent(),
        r == null ? 0 : r.failed(),
        p.subscription() == null ? 0 : p.subscription().received());
  }

  /**
   * How {@link #getActiveNodes()} and {@link #findNodesByService} answer (from the local view or
   * from Redis), for tests and diagnostics.
   *
   * @return the lookup, or null before the service has started
   */
  public @Nullable ConfirmedActiveNodes activeNodesLookup() {
    Parts p = parts;
    return p == null ? null : p.activeNodes();
  }

  /**
   * The options in force.
   *
   * @return the options
   */
  public DiscoveryOptions options() {
    return options;
  }
}
