package dev.titan.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.titan.discovery.internal.DefaultDiscoveryService;
import dev.titan.discovery.internal.Keys;
import dev.titan.discovery.internal.registry.RegistryReader;
import dev.titan.discovery.internal.registry.RegistryWriter;
import dev.titan.discovery.internal.view.ConfirmedActiveNodes;
import io.lettuce.core.ScoredValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * getActiveNodes and findNodesByService with a local view: answered from memory when confirm.lua
 * vouches for the view, read from Redis otherwise, and equal to what Redis answers in both cases.
 */
class ActiveNodesFromViewTest extends RedisTestBase {

  private static final Duration WAIT = Duration.ofSeconds(15);

  /** One getActiveNodes answer and whether the view answered it. */
  private record Answer(List<NodeInfo> nodes, boolean fromView) {}

  private static ConfirmedActiveNodes lookup(DiscoveryService d) {
    ConfirmedActiveNodes l = ((DefaultDiscoveryService) d).activeNodesLookup();
    assertThat(l).isNotNull();
    return l;
  }

  private static Answer ask(DiscoveryService d) {
    return ask(d, DiscoveryService::getActiveNodes);
  }

  private static Answer ask(DiscoveryService d, Function<DiscoveryService, CompletableFuture<List<NodeInfo>>> query) {
    ConfirmedActiveNodes l = lookup(d);
    long confirmed = l.confirmed();
    long fallbacks = l.fallbacks();
    List<NodeInfo> nodes = query.apply(d).join();
    boolean fromView = l.confirmed() > confirmed;
    assertThat(fromView).isNotEqualTo(l.fallbacks() > fallbacks); // exactly one path per answer
    return new Answer(nodes, fromView);
  }

  /** The Redis path, read directly. */
  private List<NodeInfo> fromRedis() {
    Keys keys = new Keys(t.prefix);
    RegistryWriter writer = new RegistryWriter(t.async(), keys, 60_000, t.channel);
    return new RegistryReader(t.async(), keys, writer).activeNodes().join();
  }

  private RegistryWriter writer(long ttlMillis) {
    return new RegistryWriter(t.async(), new Keys(t.prefix), ttlMillis, t.channel);
  }

  private static Map<String, String> content(List<NodeInfo> nodes) {
    Map<String, String> m = new TreeMap<>();
    for (NodeInfo n : nodes) {
      m.put(n.nodeId(), n.address() + " " + n.services());
    }
    return m;
  }

  /** Another node holds the sweeper lease: no sweeper removes anything. */
  private void blockSweepers() {
    t.redis().psetex(t.prefix + ":index:sweeper", 600_000, "someone-else");
  }

  private static Answer awaitFromView(DiscoveryService d) {
    return awaitFromView(d, DiscoveryService::getActiveNodes);
  }

  private static Answer awaitFromView(DiscoveryService d, Function<DiscoveryService, CompletableFuture<List<NodeInfo>>> query) {
    Answer[] last = new Answer[1];
    await().atMost(WAIT).until(() -> (last[0] = ask(d, query)).fromView());
    return last[0];
  }

  /** Nodes n0 to n5, offering web (version 0 or 1) and s0 to s5. */
  private List<DiscoveryService> sixNodes() {
    List<DiscoveryService> nodes = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      nodes.add(t.node("n" + i, "10.0.0." + i + ":80", ServiceInfo.of("web", Integer.toString(i % 2)), ServiceInfo.of("s" + i)));
    }
    return nodes;
  }

  @Test
  void afterChurnTheViewAnswersWhatRedisAnswers() {
    DiscoveryService client = t.client();
    DiscoveryService plain = t.client(); // no view: reads Redis
    RegistryView view = client.view();
    view.ready().join();
    List<DiscoveryService> nodes = sixNodes();
    nodes.get(0).updateAddress("10.0.1.0:81").join();
    nodes.get(1).updateServices(List.of(ServiceInfo.of("db", "3"))).join();
    client.updateNodeAddress("n2", "10.0.1.2:82").join();
    plain.updateNodeServices("n3", List.of(ServiceInfo.of("cache"))).join();
    nodes.remove(4).stop().join();
    plain.deregisterNode("n5").join(); // n5 keeps heartbeating: it registers again
    writer(60_000).register("w1", "10.0.2.1:80", List.of(ServiceInfo.of("api", "1"))).join();
    writer(60_000).deregister(List.of("w1")).join();
    await().atMost(WAIT).until(() -> view.node("n5").isPresent()); // registered again by its heartbeat

    Answer answer = awaitFromView(client);
    Map<String, String> redis = content(plain.getActiveNodes().join());
    assertThat(content(answer.nodes())).isEqualTo(redis).isEqualTo(content(fromRedis()));
    assertThat(redis).containsKeys("n0", "n1", "n2", "n3").doesNotContainKeys("n4", "w1");
    assertThat(redis.get("n0")).startsWith("10.0.1.0:81 ");
    assertThat(redis.get("n2")).startsWith("10.0.1.2:82 ");
    assertThat(ask(plain).fromView()).isFalse();
    assertThat(client.findNodes().join()).extracting(NodeInfo::nodeId).containsExactlyInAnyOrderElementsOf(redis.keySet());
  }

  @Test
  void aNodeWhoseHeartbeatExpiredIsLeftOutAtOnceAndRemoved() {
    blockSweepers();
    DiscoveryService client = t.client();
    EventLog log = new EventLog();
    client.onEvent(log);
    RegistryView view = client.view();
    view.ready().join();
    t.node("live", "10.0.0.1:80", ServiceInfo.of("web"));
    writer(60_000).register("dying", "10.0.0.2:80", List.of(ServiceInfo.of("web"))).join();
    await().atMost(WAIT).until(() -> view.node("dying").isPresent() && view.node("live").isPresent());
    assertThat(awaitFromView(client).nodes()).extracting(NodeInfo::nodeId).containsExactlyInAnyOrder("live", "dying");

    // its last heartbeat, with a short TTL; then it dies without deregistering
    assertThat(writer(300).renew("dying").join()).isTrue();
    await().atMost(WAIT).until(() -> t.redis().exists(t.prefix + ":heartbeat:dying") == 0);
    assertThat(t.redis().sismember(t.prefix + ":index:nodes", "dying")).isTrue(); // nobody removed it yet
    assertThat(view.node("dying")).isPresent();

    Answer answer = ask(client);
    assertThat(answer.fromView()).isTrue();
    assertThat(answer.nodes()).extracting(NodeInfo::nodeId).containsExactly("live");
    // handed to expire before the answer completed
    assertThat(t.redis().sismember(t.prefix + ":index:nodes", "dying")).isFalse();
    assertThat(t.keys()).noneMatch(k -> k.endsWith(":dying"));
    await().atMost(WAIT).until(() -> log.has(DiscoveryEvent.Type.NODE_DEREGISTERED, "dying") && view.node("dying").isEmpty());
    assertThat(log.count(DiscoveryEvent.Type.NODE_DEREGISTERED, "dying")).isEqualTo(1);
    assertThat(content(awaitFromView(client).nodes())).isEqualTo(content(fromRedis()));
  }

  @Test
  void aChangeTheViewHasNotSeenIsReadFromRedis() {
    DiscoveryService client = t.client();
    t.node("n1", "10.0.0.1:80", ServiceInfo.of("web"));
    RegistryView view = client.view();
    view.ready().join();
    awaitFromView(client);

    long reads = view.fullReads();
    t.redis().incr(t.prefix + ":index:version");
    Answer answer = ask(client);
    if (view.fullReads() == reads) { // the view has not read the registry again meanwhile
      assertThat(answer.fromView()).isFalse();
    }
    assertThat(content(answer.nodes())).isEqualTo(content(fromRedis()));

    // a silent writer (pub/sub off) changes a node: the counter moves, no event arrives
    new RegistryWriter(t.async(), new Keys(t.prefix), 60_000, "")
        .updateAddress("n1", "10.0.0.1:81").join();
    Answer silent = ask(client);
    if (view.node("n1").map(n -> n.address().equals("10.0.0.1:80")).orElse(false)) {
      assertThat(silent.fromView()).isFalse(); // the view does not know yet
    }
    assertThat(silent.nodes()).extracting(NodeInfo::address).containsExactly("10.0.0.1:81");

    // the probe notices the counter and reads everything again: answers come from the view again
    Answer back = awaitFromView(client);
    assertThat(view.fullReads()).isGreaterThan(reads);
    assertThat(content(back.nodes())).isEqualTo(content(fromRedis()));
  }

  @Test
  void aTypeScriptNodeIsReadFromRedis() {
    blockSweepers(); // not adopted: index:nodes and index:deadlines differ
    DiscoveryService client = t.client();
    t.node("java-1", "10.0.0.1:80", ServiceInfo.of("web"));
    RegistryView view = client.view();
    view.ready().join();
    awaitFromView(client);

    JsonNode node = Fixtures.nodeKeys().get("node");
    JsonNode hash = Fixtures.nodeKeys().get("states").get("after_registerNode").get(2).get("value");
    String id = node.get("nodeId").stringValue();
    t.writeTypeScriptNode(id, hash.get("address").stringValue(), hash.get("services").stringValue(), 60_000);

    Answer answer = ask(client);
    assertThat(answer.fromView()).isFalse();
    assertThat(answer.nodes()).extracting(NodeInfo::nodeId).containsExactlyInAnyOrder("java-1", id);
    NodeInfo ts = answer.nodes().stream().filter(n -> n.nodeId().equals(id)).findFirst().orElseThrow();
    assertThat(ts.address()).isEqualTo("10.0.0.5:3000");
    assertThat(ts.services()).containsExactly(ServiceInfo.of("user-service", "1.0.0"), ServiceInfo.of("auth-service"));
    assertThat(content(answer.nodes())).isEqualTo(content(fromRedis()));
  }

  @Test
  void aRegistryThatCannotBeConfirmedIsReadFromRedis() {
    DiscoveryService client = t.client();
    t.node("n1", "10.0.0.1:80", ServiceInfo.of("web"));
    RegistryView view = client.view();
    view.ready().join();
    awaitFromView(client);
    String foreign = t.prefix + ":index:foreign";

    t.redis().sadd(foreign, "ts-adopted"); // adopted TypeScript nodes change without the counter
    assertThat(ask(client).fromView()).isFalse();
    t.redis().del(foreign);
    awaitFromView(client);

    t.redis().set(foreign, "not a set"); // a key of the wrong type
    Answer wrongType = ask(client);
    assertThat(wrongType.fromView()).isFalse();
    assertThat(content(wrongType.nodes())).isEqualTo(content(fromRedis()));
    t.redis().del(foreign);
    awaitFromView(client);

    // more nodes due than one confirmation checks
    blockSweepers();
    String deadlines = t.prefix + ":index:deadlines";
    List<ScoredValue<String>> due = new ArrayList<>();
    String[] ids = new String[ConfirmedActiveNodes.MAX_DUE + 1];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = "ghost-" + i;
      due.add(ScoredValue.just(1, ids[i]));
    }
    t.redis().sadd(t.prefix + ":index:nodes", ids); // sizes stay equal
    t.redis().zadd(deadlines, due.toArray(new ScoredValue[0]));
    Answer many = ask(client);
    assertThat(many.fromView()).isFalse();
    assertThat(many.nodes()).extracting(NodeInfo::nodeId).containsExactly("n1");
    assertThat(t.redis().zcard(deadlines)).isEqualTo(1); // the Redis path removed the ghosts
  }

  @Test
  void withoutAViewTheRedisPathIsUnchanged() {
    DiscoveryService client = t.client();
    t.node("n1", "10.0.0.1:80", ServiceInfo.of("web"));
    writer(500).register("dying", "10.0.0.2:80", List.of(ServiceInfo.of("web"))).join();
    await().atMost(WAIT).until(() -> t.redis().exists(t.prefix + ":heartbeat:dying") == 0);
    for (int i = 0; i < 3; i++) {
      Answer answer = ask(client);
      assertThat(answer.fromView()).isFalse();
      assertThat(answer.nodes()).extracting(NodeInfo::nodeId).containsExactly("n1");
    }
    assertThat(lookup(client).confirmed()).isZero();
    assertThat(lookup(client).fallbacks()).isEqualTo(3);
  }

  @Test
  void findNodesByServiceFromTheViewAnswersWhatRedisAnswersAfterChurn() {
    DiscoveryService client = t.client();
    DiscoveryService plain = t.client(); // no view: reads Redis
    RegistryView view = client.view();
    view.ready().join();
    List<DiscoveryService> nodes = sixNodes();
    nodes.get(1).updateServices(List.of(ServiceInfo.of("db", "3"), ServiceInfo.of("web", "0"))).join();
    client.updateNodeAddress("n2", "10.0.1.2:82").join();
    nodes.remove(4).stop().join();
    writer(60_000).register("w1", "10.0.2.1:80", List.of(ServiceInfo.of("web", "1"))).join();
    await().atMost(WAIT).until(() -> view.node("w1").isPresent() && view.node("n4").isEmpty());

    for (String name : List.of("web", "db", "s2", "s4", "nobody")) {
      for (String version : java.util.Arrays.asList(null, "0", "1", "3")) {
        Answer answer = awaitFromView(client, d -> d.findNodesByService(name, version));
        assertThat(content(answer.nodes())).as(name + " " + version)
            .isEqualTo(content(plain.findNodesByService(name, version).join()));
      }
    }
    assertThat(ask(client, d -> d.findNodesByService("web", "0")).nodes()).extracting(NodeInfo::nodeId)
        .containsExactlyInAnyOrder("n0", "n1", "n2");
    assertThat(ask(client, d -> d.findNodesByService("web")).nodes()).extracting(NodeInfo::nodeId)
        .containsExactlyInAnyOrder("n0", "n1", "n2", "n3", "n5", "w1");
    assertThat(ask(plain, d -> d.findNodesByService("web")).fromView()).isFalse();
  }

  @Test
  void findNodesByServiceFromTheViewLeavesOutAndRemovesANodeWhoseHeartbeatExpired() {
    blockSweepers();
    DiscoveryService client = t.client();
    RegistryView view = client.view();
    view.ready().join();
    t.node("live", "10.0.0.1:80", ServiceInfo.of("web"));
    writer(60_000).register("dying", "10.0.0.2:80", List.of(ServiceInfo.of("web"))).join();
    await().atMost(WAIT).until(() -> view.node("dying").isPresent() && view.node("live").isPresent());
    assertThat(writer(300).renew("dying").join()).isTrue();
    await().atMost(WAIT).until(() -> t.redis().exists(t.prefix + ":heartbeat:dying") == 0);
    assertThat(view.findNodesByService("web")).extracting(NodeInfo::nodeId).contains("dying");

    Answer answer = ask(client, d -> d.findNodesByService("web"));
    assertThat(answer.fromView()).isTrue();
    assertThat(answer.nodes()).extracting(NodeInfo::nodeId).containsExactly("live");
    assertThat(t.keys()).noneMatch(k -> k.endsWith(":dying"));
  }

  @Test
  void findNodesByServiceReadsRedisWhenTheViewHasNotSeenAChange() {
    DiscoveryService client = t.client();
    t.node("n1", "10.0.0.1:80", ServiceInfo.of("web"));
    RegistryView view = client.view();
    view.ready().join();
    awaitFromView(client, d -> d.findNodesByService("web"));
    // a silent writer (pub/sub off) adds a node to the service: the counter moves, no event arrives
    new RegistryWriter(t.async(), new Keys(t.prefix), 60_000, "")
        .register("n2", "10.0.0.2:80", List.of(ServiceInfo.of("web"))).join();
    Answer silent = ask(client, d -> d.findNodesByService("web"));
    if (view.node("n2").isEmpty()) {
      assertThat(silent.fromView()).isFalse(); // the view does not know yet
    }
    assertThat(silent.nodes()).extracting(NodeInfo::nodeId).containsExactlyInAnyOrder("n1", "n2");
  }
}
