package dev.titan.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.titan.discovery.internal.Keys;
import dev.titan.discovery.internal.registry.RegistryWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The local view against a real Redis: it follows other nodes' changes, includes nodes written
 * by the TypeScript implementation, and after missed messages, a cut pub/sub connection and
 * randomized churn it equals what Redis answers.
 */
class RegistryViewTest extends RedisTestBase {

  private static final Duration WAIT = Duration.ofSeconds(15);

  /** A writer outside any discovery service: ttl in ms, channel "" for a writer with pub/sub off. */
  private RegistryWriter writer(long ttlMillis, String channel) {
    return new RegistryWriter(t.async(), new Keys(t.prefix), ttlMillis, channel);
  }

  private static Map<String, String> content(List<NodeInfo> nodes) {
    Map<String, String> m = new TreeMap<>();
    for (NodeInfo n : nodes) {
      m.put(n.nodeId(), n.address() + " " + n.services());
    }
    return m;
  }

  private static void awaitSame(RegistryView view, DiscoveryService d) {
    await().atMost(WAIT).untilAsserted(() ->
        assertThat(content(view.nodes())).isEqualTo(content(d.getActiveNodes().join())));
  }

  @Test
  void needsPubSubAndAStartedService() {
    DiscoveryService noPubSub = Discovery.builder().redisUri(t.server.uri())
        .options(t.fastOptions().pubSubEnabled(false).clientMode(true).build()).build();
    t.track(noPubSub);
    noPubSub.start().join();
    assertThatThrownBy(noPubSub::view).isInstanceOf(IllegalStateException.class).hasMessageContaining("pub/sub");
    DiscoveryService notStarted = Discovery.builder().redisUri(t.server.uri()).options(t.fastOptions().clientMode(true).build()).build();
    t.track(notStarted);
    assertThatThrownBy(notStarted::view).isInstanceOf(IllegalStateException.class).hasMessageContaining("start()");
  }

  @Test
  void followsOtherNodesAndAnswersFromMemory() {
    DiscoveryService self = t.node("self", "10.0.0.1:80", ServiceInfo.of("web", "1"));
    RegistryView view = self.view();
    assertThat(self.view()).isSameAs(view);
    view.ready().join();
    assertThat(view.node("self")).isPresent(); // its own node too
    List<DiscoveryEvent> seen = new CopyOnWriteArrayList<>();
    view.addListener(seen::add);

    DiscoveryService other = t.node("other", "10.0.0.2:80", ServiceInfo.of("web", "2"), ServiceInfo.of("db"));
    await().atMost(WAIT).until(() -> view.findNodesByService("web").size() == 2);
    assertThat(view.findNodesByService("web", "2")).extracting(NodeInfo::nodeId).containsExactly("other");
    assertThat(view.findNodesByService("db")).extracting(NodeInfo::nodeId).containsExactly("other");

    other.updateServices(List.of(ServiceInfo.of("cache"))).join();
    await().atMost(WAIT).until(() -> view.findNodesByService("db").isEmpty() && view.findNodesByService("cache").size() == 1);
    other.updateAddress("10.0.0.2:81").join();
    await().atMost(WAIT).until(() -> view.node("other").map(n -> n.address().equals("10.0.0.2:81")).orElse(false));

    other.stop().join();
    await().atMost(WAIT).until(() -> view.node("other").isEmpty());
    assertThat(seen).extracting(DiscoveryEvent::type).contains(
        DiscoveryEvent.Type.NODE_REGISTERED, DiscoveryEvent.Type.NODE_UPDATED, DiscoveryEvent.Type.NODE_DEREGISTERED);
    assertThat(view.isSynchronized()).isTrue();
    assertThat(view.fullReads()).isEqualTo(1); // nothing was missed
    assertThat(view.nodes()).extracting(NodeInfo::nodeId).containsExactly("self");
  }

  @Test
  void includesTypeScriptNodesWrittenWithoutEvents() {
    DiscoveryService client = t.client();
    RegistryView view = client.view();
    view.ready().join();
    t.writeTypeScriptNode("ts-1", "10.0.0.7:80", "[{\"name\":\"web\",\"version\":\"2\"}]", 60_000);
    // announced by the sweeper when it adopts the node
    await().atMost(WAIT).until(() -> view.findNodesByService("web", "2").size() == 1);
    // a TypeScript node with pub/sub on publishes its own events, which carry no version: the
    // view reads the node again rather than trust them
    t.writeTypeScriptNode("ts-1", "10.0.0.7:81", "[{\"name\":\"web\",\"version\":\"3\"}]", 60_000);
    t.redis().publish(t.channel, "{\"type\":\"NODE_UPDATED\",\"nodeId\":\"ts-1\",\"address\":\"10.0.0.7:81\","
        + "\"services\":[{\"name\":\"web\",\"version\":\"3\"}],\"timestamp\":1}");
    await().atMost(WAIT).until(() -> view.findNodesByService("web", "3").size() == 1);
    t.redis().del(t.prefix + ":heartbeat:ts-1"); // it died
    t.redis().zadd(t.prefix + ":index:deadlines", 1, "ts-1");
    await().atMost(WAIT).until(() -> view.size() == 0);
    awaitSame(view, client);
  }

  @Test
  void aMissedChangeIsDetectedThroughTheCounter() {
    DiscoveryService client = t.client();
    t.node("n1", "10.0.0.1:80", ServiceInfo.of("web"));
    RegistryView view = client.view();
    view.ready().join();
    long reads = view.fullReads();
    // a writer with pub/sub off changes the registry: the counter moves, nothing is published
    writer(60_000, "").updateServices("n1", List.of(ServiceInfo.of("db"))).join();
    await().atMost(WAIT).until(() -> view.findNodesByService("db").size() == 1);
    assertThat(view.fullReads()).isGreaterThan(reads);
    assertThat(view.findNodesByService("web")).isEmpty();
  }

  @Test
  void aCutPubSubConnectionIsFollowedByAFullRead() {
    DiscoveryService client = t.client();
    RegistryView view = client.view();
    view.ready().join();
    t.node("before", "10.0.0.1:80", ServiceInfo.of("web"));
    await().atMost(WAIT).until(() -> view.size() == 1);
    long reads = view.fullReads();
    t.redis().clientKill(io.lettuce.core.KillArgs.Builder.typePubsub());
    // published while the subscriber is away: lost
    RegistryWriter w = writer(60_000, t.channel);
    w.register("during", "10.0.0.2:80", List.of(ServiceInfo.of("web"))).join();
    await().atMost(WAIT).until(() -> view.node("during").isPresent());
    assertThat(view.fullReads()).isGreaterThan(reads);
    w.deregister(List.of("during")).join();
    awaitSame(view, client);
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {7, 42})
  void equalsRedisAfterRandomizedChurn(long seed) {
    Random random = new Random(seed);
    DiscoveryService client = t.client();
    RegistryView view = client.view();
    view.ready().join();
    List<DiscoveryService> providers = new ArrayList<>();
    RegistryWriter dying = writer(400, t.channel);
    RegistryWriter silent = writer(60_000, "");
    String[] names = {"web", "db", "cache", "api"};
    int ids = 0;
    for (int step = 0; step < 60; step++) {
      int op = random.nextInt(10);
      String id = "n" + seed + "-" + (ids++);
      List<ServiceInfo> services = new ArrayList<>();
      for (String name : names) {
        if (random.nextInt(3) == 0) {
          services.add(ServiceInfo.of(name, random.nextBoolean() ? "1" : "2"));
        }
      }
      switch (op) {
        case 0, 1 -> providers.add(t.node(id, "10.1.0." + step + ":80", services.toArray(new ServiceInfo[0])));
        case 2 -> {
          if (!providers.isEmpty()) {
            providers.remove(random.nextInt(providers.size())).stop().join();
          }
        }
        case 3 -> {
          if (!providers.isEmpty()) {
            providers.get(random.nextInt(providers.size())).updateServices(services).join();
          }
        }
        case 4 -> dying.register(id, "10.2.0." + step + ":80", services).join(); // killed: never renewed
        case 5 -> t.writeTypeScriptNode(id, "10.3.0." + step + ":80", servicesJson(services), 800); // dies too
        case 6 -> {
          if (!providers.isEmpty()) { // a missed message
            DiscoveryService p = providers.get(random.nextInt(providers.size()));
            silent.updateAddress(p.getNodeId(), "10.4.0." + step + ":80").join();
          }
        }
        case 7 -> {
          if (random.nextInt(3) == 0) {
            t.redis().clientKill(io.lettuce.core.KillArgs.Builder.typePubsub());
          }
        }
        default -> {
          if (!providers.isEmpty()) {
            providers.get(random.nextInt(providers.size())).updateAddress("10.5.0." + step + ":80").join();
          }
        }
      }
    }
    awaitSame(view, client);
    // once killed and TypeScript nodes have expired, exactly the running providers remain
    List<String> running = providers.stream().map(DiscoveryService::getNodeId).sorted().toList();
    await().atMost(WAIT).untilAsserted(() ->
        assertThat(view.nodes().stream().map(NodeInfo::nodeId).sorted().toList()).isEqualTo(running));
    awaitSame(view, client);
    for (String name : names) {
      for (String version : new String[] {null, "1", "2"}) {
        assertThat(content(view.findNodesByService(name, version)))
            .as(name + "@" + version)
            .isEqualTo(content(client.findNodesByService(name, version).join()));
      }
    }
  }

  private static String servicesJson(List<ServiceInfo> services) {
    return dev.titan.discovery.internal.wire.WireCodec.encodeServices(services);
  }
}
