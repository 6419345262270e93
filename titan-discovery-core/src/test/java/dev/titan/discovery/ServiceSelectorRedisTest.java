package dev.titan.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The selector on a real Redis: from a local view while instances join, drain and leave under
 * four selecting threads; from Redis reads per cache period (injected clock), refreshed early by
 * events; the automatic choice between the two.
 */
class ServiceSelectorRedisTest extends RedisTestBase {

  private static final ServiceInfo ORDERS = ServiceInfo.of("orders", "2.1.0");
  private static final Duration WAIT = Duration.ofSeconds(10);

  private DiscoveryService provider(String id, int port) {
    return t.node(id, "10.0.0.1:" + port, ORDERS);
  }

  private static boolean saw(EventLog log, DiscoveryEvent.Type type, String id, NodeStatus status) {
    return log.events().stream().anyMatch(e -> e.type() == type && e.nodeId().equals(id) && e.status() == status);
  }

  /** Instances the selection must no longer return; replaced whole, read before each selection. */
  private volatile Set<String> banned = Set.of();

  private void ban(String id) {
    Set<String> next = new java.util.HashSet<>(banned);
    next.add(id);
    banned = Set.copyOf(next);
  }

  @Test
  void fromTheViewNoSelectionReturnsADepartedDrainingOrOutOfServiceInstanceOnceTheViewHasSeenIt() throws Exception {
    DiscoveryService a = provider("a", 8001);
    DiscoveryService b = provider("b", 8002);
    DiscoveryService c = provider("c", 8003);
    provider("d", 8004);
    DiscoveryService watcher = t.client();
    RegistryView view = watcher.view();
    view.ready().join();
    ServiceSelector selector = ServiceSelector.builder(watcher, ServiceQuery.service("orders").versionRange("^2").build())
        .strategy(SelectionStrategy.RANDOM).build();
    selector.ready().get(10, TimeUnit.SECONDS);
    assertThat(selector.usesView()).isTrue();
    // registered after the selector's: when it hears of a change, so has the selector
    EventLog log = new EventLog();
    view.addListener(log);
    await().atMost(WAIT).until(() -> selector.stats().up() == 4);

    Map<String, LongAdder> seen = new ConcurrentHashMap<>();
    List<String> violations = new CopyOnWriteArrayList<>();
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong selections = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<?>> workers = new ArrayList<>();
    for (int w = 0; w < 4; w++) {
      boolean leases = w % 2 == 0;
      workers.add(pool.submit(() -> {
        while (running.get()) {
          Set<String> mustNot = banned; // read before selecting
          NodeInfo n;
          if (leases) {
            try (ServiceSelector.Call call = selector.select()) {
              n = call.node();
              call.success();
            }
          } else {
            n = selector.next();
          }
          if (mustNot.contains(n.nodeId()) || n.status() != NodeStatus.UP) {
            violations.add(n.nodeId() + " " + n.status() + " after " + mustNot);
          }
          seen.computeIfAbsent(n.nodeId(), k -> new LongAdder()).increment();
          selections.incrementAndGet();
        }
      }));
    }
    try {
      // a join is followed
      DiscoveryService e = provider("e", 8005);
      await().atMost(WAIT).until(() -> view.node("e").isPresent() && log.has(DiscoveryEvent.Type.NODE_REGISTERED, "e"));
      await().atMost(WAIT).until(() -> seen.containsKey("e"));

      // b drains by status
      b.setStatus(NodeStatus.DRAINING).join();
      await().atMost(WAIT).until(() -> view.node("b").map(NodeInfo::status).orElse(null) == NodeStatus.DRAINING
          && saw(log, DiscoveryEvent.Type.NODE_UPDATED, "b", NodeStatus.DRAINING));
      ban("b");
      awaitMoreSelections(selections);

      // c drains with drain(): DRAINING at once, deregistered after the grace
      var drained = c.drain(Duration.ofMillis(300));
      await().atMost(WAIT).until(() -> view.node("c").map(NodeInfo::status).orElse(null) == NodeStatus.DRAINING
          && saw(log, DiscoveryEvent.Type.NODE_UPDATED, "c", NodeStatus.DRAINING));
      ban("c");
      awaitMoreSelections(selections);

      // an operator takes d out of service
      a.setNodeStatus("d", NodeStatus.OUT_OF_SERVICE).join();
      await().atMost(WAIT).until(() -> view.node("d").map(NodeInfo::status).orElse(null) == NodeStatus.OUT_OF_SERVICE
          && saw(log, DiscoveryEvent.Type.NODE_UPDATED, "d", NodeStatus.OUT_OF_SERVICE));
      ban("d");
      awaitMoreSelections(selections);

      // e leaves
      e.stop().join();
      await().atMost(WAIT).until(() -> view.node("e").isEmpty() && log.has(DiscoveryEvent.Type.NODE_DEREGISTERED, "e"));
      ban("e");
      drained.get(10, TimeUnit.SECONDS);
      await().atMost(WAIT).until(() -> view.node("c").isEmpty() && log.has(DiscoveryEvent.Type.NODE_DEREGISTERED, "c"));
      seen.clear();
      awaitMoreSelections(selections);
    } finally {
      running.set(false);
      for (Future<?> f : workers) {
        f.get(10, TimeUnit.SECONDS); // rethrows a worker's exception
      }
      pool.shutdown();
    }
    assertThat(violations).isEmpty();
    assertThat(seen.keySet()).containsExactly("a");
    SelectorStats st = selector.stats();
    assertThat(st.matching()).isEqualTo(3); // a, b (DRAINING), d (OUT_OF_SERVICE)
    assertThat(st.up()).isEqualTo(1);
    assertThat(st.ejections()).isZero();
    assertThat(st.instances()).allSatisfy(i -> assertThat(i.outstanding()).isZero());
    selector.close();
  }

  /** Waits until the workers made another thousand selections. */
  private static void awaitMoreSelections(AtomicLong selections) {
    long from = selections.get();
    await().atMost(WAIT).until(() -> selections.get() >= from + 1_000);
  }

  @Test
  void withoutAViewOneRedisReadPerCachePeriod() throws Exception {
    provider("a", 8001);
    DiscoveryService b = provider("b", 8002);
    DiscoveryService reader = t.started(Discovery.builder().redisUri(t.server.uri())
        .options(t.fastOptions().pubSubEnabled(false).clientMode(true).build()));
    AtomicLong clock = new AtomicLong();
    ServiceSelector selector = ServiceSelector.builder(reader, "orders").nanoTime(clock::get)
        .cachePeriod(Duration.ofSeconds(1)).build();
    assertThat(selector.usesView()).isFalse();
    selector.ready().get(10, TimeUnit.SECONDS);
    assertThat(selector.stats().refreshes()).isEqualTo(1);
    assertThat(pick(selector, 100)).containsExactlyInAnyOrder("a", "b");

    b.setStatus(NodeStatus.DRAINING).join();
    // within the period: the list read before, no further read
    clock.addAndGet(Duration.ofMillis(999).toNanos());
    assertThat(pick(selector, 1_000)).containsExactlyInAnyOrder("a", "b");
    assertThat(selector.stats().refreshes()).isEqualTo(1);
    // the period is over: the next selection reads again in the background, once, however many
    // selections come while the read is in flight
    clock.addAndGet(Duration.ofMillis(1).toNanos());
    pick(selector, 10_000);
    await().atMost(WAIT).until(() -> selector.stats().refreshes() == 2);
    await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> selector.stats().refreshes() == 2);
    assertThat(pick(selector, 1_000)).containsExactly("a");
    assertThat(selector.stats().refreshes()).isEqualTo(2);
    assertThat(selector.stats().matching()).isEqualTo(2);
  }

  @Test
  void withoutAViewEventsReadAgainAtOnce() throws Exception {
    provider("a", 8001);
    DiscoveryService b = provider("b", 8002);
    DiscoveryService reader = t.client(); // pub/sub on
    AtomicLong clock = new AtomicLong();
    ServiceSelector selector = ServiceSelector.builder(reader, "orders").useView(false).nanoTime(clock::get).build();
    assertThat(selector.usesView()).isFalse();
    selector.ready().get(10, TimeUnit.SECONDS);
    b.setStatus(NodeStatus.OUT_OF_SERVICE).join();
    // the clock never moves: only the event can make it read again
    await().atMost(WAIT).until(() -> selector.stats().up() == 1);
    assertThat(pick(selector, 1_000)).containsExactly("a");
    DiscoveryService c = provider("c", 8003);
    await().atMost(WAIT).until(() -> selector.stats().up() == 2);
    assertThat(pick(selector, 1_000)).containsExactlyInAnyOrder("a", "c");
    c.stop().join();
    await().atMost(WAIT).until(() -> selector.stats().up() == 1);
    selector.close();
  }

  @Test
  void theViewIsUsedByDefaultWhenPubSubIsOnAndSelectionNeedsNoRedis() throws Exception {
    provider("a", 8001);
    DiscoveryService client = t.client();
    ServiceSelector selector = ServiceSelector.builder(client, "orders").strategy(SelectionStrategy.WEIGHTED).build();
    assertThat(selector.usesView()).isTrue();
    assertThat(client.view()).isNotNull();
    selector.ready().get(10, TimeUnit.SECONDS);
    assertThat(selector.next().nodeId()).isEqualTo("a");
    // 100k selections, no Redis command of theirs (what Redis counts meanwhile is heartbeats and probes)
    long before = commandsProcessed();
    assertThat(pick(selector, 100_000)).containsExactly("a");
    assertThat(commandsProcessed() - before).isLessThan(1_000);
  }

  private long commandsProcessed() {
    return t.redis().info("stats").lines().filter(l -> l.startsWith("total_commands_processed:"))
        .mapToLong(l -> Long.parseLong(l.substring(l.indexOf(':') + 1).trim())).findFirst().orElseThrow();
  }

  private static Set<String> pick(ServiceSelector s, int times) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < times; i++) {
      ids.add(s.next().nodeId());
    }
    return ids.stream().collect(Collectors.toSet());
  }
}
