package dev.titan.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.titan.discovery.internal.Completions;
import dev.titan.discovery.internal.DefaultDiscoveryService;
import dev.titan.discovery.internal.Keys;
import dev.titan.discovery.internal.events.EventHub;
import dev.titan.discovery.internal.events.EventSubscription;
import dev.titan.discovery.internal.registry.RegistryReader;
import dev.titan.discovery.internal.registry.RegistryWriter;
import dev.titan.discovery.internal.view.ConfirmedActiveNodes;
import dev.titan.discovery.internal.view.LocalRegistryView;
import io.lettuce.core.RedisClient;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * What TypeScript writers do to our views and listeners, simulated with the exact commands and
 * payloads of the spec's code: its register-heartbeat script, {@code updateNodeAddress} /
 * {@code updateNodeServices} of another node (HSET, then an event carrying the publisher's own
 * address and services), and {@code deregisterNode} (DEL, DEL, SREM, event).
 */
class TypeScriptWritersTest extends RedisTestBase {

  private static final Duration WAIT = Duration.ofSeconds(15);
  /** The simulated TypeScript process: client mode, its own address and services. */
  private static final String TS_ADDRESS = "10.9.9.9:3000";
  private static final String TS_SERVICES = "[{\"name\":\"ts-own\",\"version\":\"9\"}]";

  private void tsEvent(String type, String nodeId) {
    // publishEvent(type, nodeId): address and services are the publisher's own
    t.redis().publish(t.channel, "{\"type\":\"" + type + "\",\"nodeId\":\"" + nodeId + "\",\"address\":\""
        + TS_ADDRESS + "\",\"services\":" + TS_SERVICES + ",\"timestamp\":" + System.currentTimeMillis() + "}");
  }

  /** updateNodeAddress(nodeId, address) of the TypeScript implementation. */
  private void tsUpdateNodeAddress(String nodeId, String address) {
    t.redis().hset(t.prefix + ":nodes:" + nodeId, "address", address);
    tsEvent("NODE_UPDATED", nodeId);
  }

  /** updateNodeServices(nodeId, services) of the TypeScript implementation. */
  private void tsUpdateNodeServices(String nodeId, String servicesJson) {
    t.redis().hset(t.prefix + ":nodes:" + nodeId, "services", servicesJson);
    tsEvent("NODE_UPDATED", nodeId);
  }

  /** A TypeScript node's first heartbeat (register-heartbeat.lua) and its NODE_REGISTERED. */
  private void tsRegister(String id, String address, String servicesJson, long ttlMillis) {
    String ts = Long.toString(System.currentTimeMillis());
    t.redis().eval("redis.call('HMSET', KEYS[1], 'address', ARGV[2], 'services', ARGV[3], 'timestamp', ARGV[4]) "
            + "redis.call('EXPIRE', KEYS[1], ARGV[5]) redis.call('PSETEX', KEYS[2], ARGV[6], '1') "
            + "redis.call('SADD', KEYS[3], ARGV[1]) return 1",
        io.lettuce.core.ScriptOutputType.INTEGER,
        new String[] {t.prefix + ":nodes:" + id, t.prefix + ":heartbeat:" + id, t.prefix + ":index:nodes"},
        id, address, servicesJson, ts, Long.toString((ttlMillis + 999) / 1000), Long.toString(ttlMillis));
    t.redis().publish(t.channel, "{\"type\":\"NODE_REGISTERED\",\"nodeId\":\"" + id + "\",\"address\":\"" + address
        + "\",\"services\":" + servicesJson + ",\"timestamp\":" + ts + "}");
  }

  /** deregisterNode(id) of the TypeScript implementation, run by the node itself. */
  private void tsDeregister(String id, String address, String servicesJson) {
    t.redis().del(t.prefix + ":nodes:" + id);
    t.redis().del(t.prefix + ":heartbeat:" + id);
    t.redis().srem(t.prefix + ":index:nodes", id);
    t.redis().publish(t.channel, "{\"type\":\"NODE_DEREGISTERED\",\"nodeId\":\"" + id + "\",\"address\":\"" + address
        + "\",\"services\":" + servicesJson + ",\"timestamp\":" + System.currentTimeMillis() + "}");
  }

  private static boolean fromView(DiscoveryService d, Supplier<List<NodeInfo>> query, List<NodeInfo>[] out) {
    ConfirmedActiveNodes l = ((DefaultDiscoveryService) d).activeNodesLookup();
    long before = l.confirmed();
    out[0] = query.get();
    return l.confirmed() > before;
  }

  @Test
  void aTypeScriptUpdateOfAnotherNodeIsReadFromRedisNotTakenFromItsEvent() {
    DiscoveryService client = t.client();
    t.node("n1", "10.0.0.1:80", ServiceInfo.of("web", "1"));
    RegistryView view = client.view();
    view.ready().join();
    await().atMost(WAIT).until(() -> view.node("n1").isPresent());
    List<DiscoveryEvent> changes = new CopyOnWriteArrayList<>();
    view.addListener(changes::add);

    tsUpdateNodeAddress("n1", "10.0.0.99:80");
    await().atMost(WAIT).until(() -> view.node("n1").map(n -> n.address().equals("10.0.0.99:80")).orElse(false));
    assertThat(view.node("n1").orElseThrow().services()).containsExactly(ServiceInfo.of("web", "1"));
    @SuppressWarnings("unchecked")
    List<NodeInfo>[] answer = new List[1];
    await().atMost(WAIT).until(() -> fromView(client, () -> client.getActiveNodes().join(), answer));
    assertThat(answer[0]).extracting(NodeInfo::address).containsExactly("10.0.0.99:80");
    await().atMost(WAIT).until(() -> fromView(client, () -> client.findNodesByService("web", "1").join(), answer));
    assertThat(answer[0]).extracting(NodeInfo::address).containsExactly("10.0.0.99:80");

    tsUpdateNodeServices("n1", "[{\"name\":\"db\"}]");
    await().atMost(WAIT).until(() -> view.findNodesByService("db").size() == 1);
    assertThat(view.findNodesByService("web")).isEmpty();
    assertThat(view.findNodesByService("ts-own")).isEmpty();
    await().atMost(WAIT).until(() -> fromView(client, () -> client.findNodesByService("db").join(), answer));
    assertThat(answer[0]).extracting(NodeInfo::nodeId).containsExactly("n1");
    assertThat(answer[0].get(0).address()).isEqualTo("10.0.0.99:80");

    // never the publisher's address or services, not even for a moment
    assertThat(changes).isNotEmpty().allSatisfy(e -> {
      assertThat(e.address()).isNotEqualTo(TS_ADDRESS);
      assertThat(e.services()).doesNotContain(ServiceInfo.of("ts-own", "9"));
    });
  }

  @Test
  void aLostTypeScriptChangeIsRepairedWithinTheForeignPeriod() throws Exception {
    // a view with a short period (the default is LocalRegistryView.FOREIGN_PERIOD)
    Keys keys = new Keys(t.prefix);
    RegistryReader reader = new RegistryReader(t.async(), keys, new RegistryWriter(t.async(), keys, 60_000, t.channel));
    RedisClient client = RedisClient.create(t.server.uri());
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    EventHub hub = new EventHub();
    try {
      StatefulRedisPubSubConnection<String, String> pubSub = client.connectPubSub();
      EventSubscription subscription = new EventSubscription(pubSub, t.channel, () -> "viewer", hub, () -> { });
      subscription.start().join();
      LocalRegistryView view = new LocalRegistryView(hub, scheduler, new Completions(null), Duration.ofMillis(50), Duration.ofMillis(200));
      t.writeTypeScriptNode("ts-1", "10.0.0.7:80", "[{\"name\":\"web\"}]", 60_000); // nothing published
      view.attach(reader, t.async(), keys, subscription).join();
      assertThat(view.node("ts-1")).isPresent();

      // changes whose events were lost (none is published here): seen at the next periodic read
      t.redis().hset(t.prefix + ":nodes:ts-1", "address", "10.0.0.8:80");
      await().atMost(WAIT).until(() -> view.node("ts-1").map(n -> n.address().equals("10.0.0.8:80")).orElse(false));
      t.redis().hset(t.prefix + ":nodes:ts-1", Map.of("services", "[{\"name\":\"db\"}]"));
      await().atMost(WAIT).until(() -> view.findNodesByService("db").size() == 1 && view.findNodesByService("web").isEmpty());
      t.redis().del(t.prefix + ":heartbeat:ts-1", t.prefix + ":nodes:ts-1");
      t.redis().srem(t.prefix + ":index:nodes", "ts-1");
      t.writeTypeScriptNode("ts-2", "10.0.0.9:80", "[]", 60_000);
      await().atMost(WAIT).until(() -> view.node("ts-1").isEmpty() && view.node("ts-2").isPresent());
      view.close();
      subscription.close().join();
      pubSub.close();
    } finally {
      hub.close();
      scheduler.shutdownNow();
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  /** Waits until every message published so far has reached the log (pub/sub keeps order). */
  private void drain(EventLog log) {
    String marker = "marker-" + System.nanoTime();
    t.redis().publish(t.channel, "{\"type\":\"NODE_UPDATED\",\"nodeId\":\"" + marker + "\",\"address\":\"\",\"services\":[],\"timestamp\":1}");
    await().atMost(WAIT).until(() -> log.has(DiscoveryEvent.Type.NODE_UPDATED, marker));
  }

  private static long count(List<DiscoveryEvent> events, DiscoveryEvent.Type type, String id) {
    return events.stream().filter(e -> e.type() == type && e.nodeId().equals(id)).count();
  }

  @Test
  void aTypeScriptNodeAdoptedThenDeregisteredByTypeScriptJoinsOnceAndLeavesOnce() {
    DiscoveryService client = t.client(); // its sweeper adopts and cleans up
    EventLog log = new EventLog();
    client.onEvent(log);
    RegistryView view = client.view();
    view.ready().join();
    List<DiscoveryEvent> viewChanges = new CopyOnWriteArrayList<>();
    view.addListener(viewChanges::add);
    String svc = "[{\"name\":\"api\",\"version\":\"1\"}]";

    tsRegister("ts-1", "10.3.3.3:3000", svc, 1_500);
    await().atMost(WAIT).until(() -> t.redis().zscore(t.prefix + ":index:deadlines", "ts-1") != null);
    await().atMost(WAIT).until(() -> view.node("ts-1").isPresent());
    tsDeregister("ts-1", "10.3.3.3:3000", svc);
    // the sweeper meets its leftover deadline entry once it is due, and cleans up silently
    await().atMost(WAIT).until(() -> t.redis().zscore(t.prefix + ":index:deadlines", "ts-1") == null
        && !t.redis().sismember(t.prefix + ":index:foreign", "ts-1"));
    drain(log);
    await().atMost(WAIT).until(() -> view.node("ts-1").isEmpty());

    assertThat(log.count(DiscoveryEvent.Type.NODE_REGISTERED, "ts-1")).isEqualTo(1);
    assertThat(log.count(DiscoveryEvent.Type.NODE_DEREGISTERED, "ts-1")).isEqualTo(1);
    assertThat(log.count(DiscoveryEvent.Type.NODE_UPDATED, "ts-1")).isZero();
    assertThat(count(viewChanges, DiscoveryEvent.Type.NODE_REGISTERED, "ts-1")).isEqualTo(1);
    assertThat(count(viewChanges, DiscoveryEvent.Type.NODE_DEREGISTERED, "ts-1")).isEqualTo(1);
    assertThat(t.keys()).noneMatch(k -> k.contains("ts-1"));
  }

  @Test
  void aHeartbeatKeyHoldingOneAsTheSpecificationWritesItIsNoTimestamp() {
    // the specification's script writes "1" to the heartbeat key (the TypeScript implementation
    // of the wire fixtures writes the epoch-ms time there, as ours does); reads used to take it for
    // the node's timestamp, and the CLI showed such a node's last beat 56 years ago
    tsRegister("ts-3", "10.3.3.5:3000", "[{\"name\":\"spec\"}]", 60_000);
    assertThat(t.redis().get(t.prefix + ":heartbeat:ts-3")).isEqualTo("1");
    long written = Long.parseLong(t.redis().hget(t.prefix + ":nodes:ts-3", "timestamp"));
    DiscoveryService client = t.client();

    for (int read = 0; read < 2; read++) { // the first read, then one that may re-use its data
      assertThat(client.getActiveNodes().join()).filteredOn(n -> n.nodeId().equals("ts-3")).singleElement()
          .extracting(NodeInfo::timestamp).isEqualTo(written);
      assertThat(client.findNodesByService("spec").join()).singleElement()
          .extracting(NodeInfo::timestamp).isEqualTo(written);
    }
  }

  @Test
  void aTypeScriptNodeAdoptedThenExpiredJoinsOnceAndLeavesOnce() {
    DiscoveryService client = t.client();
    EventLog log = new EventLog();
    client.onEvent(log);
    RegistryView view = client.view();
    view.ready().join();
    List<DiscoveryEvent> viewChanges = new CopyOnWriteArrayList<>();
    view.addListener(viewChanges::add);

    tsRegister("ts-2", "10.3.3.4:3000", "[{\"name\":\"api\"}]", 1_500);
    await().atMost(WAIT).until(() -> t.redis().zscore(t.prefix + ":index:deadlines", "ts-2") != null);
    // it stops heartbeating: removed by TTL
    await().atMost(WAIT).until(() -> !t.redis().sismember(t.prefix + ":index:nodes", "ts-2"));
    drain(log);
    await().atMost(WAIT).until(() -> view.node("ts-2").isEmpty());

    assertThat(log.count(DiscoveryEvent.Type.NODE_REGISTERED, "ts-2")).isEqualTo(1);
    assertThat(log.count(DiscoveryEvent.Type.NODE_DEREGISTERED, "ts-2")).isEqualTo(1);
    assertThat(count(viewChanges, DiscoveryEvent.Type.NODE_REGISTERED, "ts-2")).isEqualTo(1);
    assertThat(count(viewChanges, DiscoveryEvent.Type.NODE_DEREGISTERED, "ts-2")).isEqualTo(1);
  }
}
