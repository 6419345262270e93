package dev.titan.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.titan.discovery.testkit.RedisClusterSetup;
import dev.titan.discovery.testkit.RedisServer;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real three-master Redis Cluster: registration, lookups, events (pub/sub crosses the cluster:
 * publisher and subscriber are connected to different nodes), cleanup by query and by the sweeper,
 * all under a hash-tagged prefix; an untagged prefix is used whole as the hash tag.
 */
class RedisClusterTest {

  private static RedisClusterSetup cluster;
  private static RedisClusterClient admin;
  private static StatefulRedisClusterConnection<String, String> adminConnection;

  private final List<DiscoveryService> services = new ArrayList<>();
  private String prefix;
  private String channel;

  @BeforeAll
  static void startCluster() {
    cluster = RedisClusterSetup.start();
    admin = RedisClusterClient.create(cluster.uris().get(0));
    adminConnection = admin.connect();
  }

  @AfterAll
  static void stopCluster() {
    if (adminConnection != null) {
      adminConnection.close();
      admin.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @BeforeEach
  void names() {
    // each test its own tag: different tests land on different cluster nodes
    String tag = UUID.randomUUID().toString().substring(0, 8);
    prefix = "{titan-" + tag + "}:discovery";
    channel = prefix + ":events";
  }

  @AfterEach
  void stopAll() {
    for (DiscoveryService d : services) {
      d.close();
    }
  }

  private RedisAdvancedClusterCommands<String, String> redis() {
    return adminConnection.sync();
  }

  private DiscoveryOptions.Builder options() {
    return TestRedis.fastOptions(prefix, channel);
  }

  private DiscoveryService started(Discovery.Builder b) {
    DiscoveryService d = b.build();
    services.add(d);
    d.start().join();
    return d;
  }

  private DiscoveryService node(String id, List<String> seeds, ServiceInfo... offered) {
    return started(Discovery.builder().redisClusterUris(seeds).options(options().build())
        .nodeId(id).address("10.0.0.1:" + (8000 + services.size())).services(List.of(offered)));
  }

  private DiscoveryService clientOn(List<String> seeds) {
    return started(Discovery.builder().redisClusterUris(seeds).options(options().clientMode(true).build()));
  }

  private static Set<String> ids(List<NodeInfo> nodes) {
    return nodes.stream().map(NodeInfo::nodeId).collect(Collectors.toSet());
  }

  @Test
  void everyKeyOfThePrefixLivesInOneSlotOnOneNode() {
    node("a", cluster.uris(), ServiceInfo.of("users", "1.0"));
    node("b", cluster.uris(), ServiceInfo.of("orders", "2.0"));
    RedisServer owner = cluster.nodeFor(prefix + ":index:nodes");
    Set<Long> slots = new java.util.HashSet<>();
    List<String> keys = new ArrayList<>();
    for (RedisServer n : cluster.nodes()) {
      String reply = n.command("KEYS", prefix + ":*");
      boolean has = reply.contains(prefix);
      assertThat(has).as("keys only on the slot owner").isEqualTo(n == owner);
    }
    keys.addAll(List.of(prefix + ":nodes:a", prefix + ":heartbeat:a", prefix + ":index:nodes",
        prefix + ":index:deadlines", prefix + ":index:services:users"));
    for (String k : keys) {
      assertThat(redis().exists(k)).as(k).isEqualTo(1L);
      slots.add(redis().clusterKeyslot(k));
    }
    assertThat(slots).hasSize(1);
  }

  @Test
  void registrationLookupsEventsAndCleanupAcrossTheCluster() {
    RedisServer owner = cluster.nodeFor(prefix + ":index:nodes");
    List<String> others = cluster.nodes().stream().filter(n -> n != owner).map(RedisServer::uri).toList();
    // the watcher's seed is a node that does not own the registry's slot
    DiscoveryService watcher = clientOn(List.of(others.get(0)));
    EventLog log = new EventLog();
    watcher.onEvent(log);

    DiscoveryService a = node("a", List.of(others.get(1)), ServiceInfo.of("users", "1.0"));
    DiscoveryService b = node("b", List.of(owner.uri()), ServiceInfo.of("users", "2.0"), ServiceInfo.of("orders"));

    assertThat(ids(watcher.getActiveNodes().join())).containsExactlyInAnyOrder("a", "b");
    assertThat(ids(watcher.findNodesByService("users").join())).containsExactlyInAnyOrder("a", "b");
    assertThat(ids(watcher.findNodesByService("users", "2.0").join())).containsExactly("b");
    assertThat(watcher.getNodeInfo("a").join()).get().extracting(NodeInfo::address).isEqualTo("10.0.0.1:8001");
    assertThat(watcher.nodeExists("b").join()).isTrue();
    assertThat(watcher.isNodeActive("b").join()).isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> log.has(DiscoveryEvent.Type.NODE_REGISTERED, "a")
        && log.has(DiscoveryEvent.Type.NODE_REGISTERED, "b"));

    a.updateAddress("10.0.0.9:9000").join();
    await().atMost(Duration.ofSeconds(5)).until(() -> log.has(DiscoveryEvent.Type.NODE_UPDATED, "a"));
    assertThat(b.getNodeInfo("a").join()).get().extracting(NodeInfo::address).isEqualTo("10.0.0.9:9000");

    a.stop().join();
    await().atMost(Duration.ofSeconds(5)).until(() -> log.has(DiscoveryEvent.Type.NODE_DEREGISTERED, "a"));
    assertThat(ids(watcher.getActiveNodes().join())).containsExactly("b");
    assertThat(redis().keys(prefix + ":*:a")).isEmpty();

    b.stop().join();
    await().atMost(Duration.ofSeconds(5)).until(() -> log.has(DiscoveryEvent.Type.NODE_DEREGISTERED, "b"));
    // at most the sweeper lease remains (the watcher's; none while it waits to take over b's)
    assertThat(redis().keys(prefix + ":*")).as("nothing left behind").isSubsetOf(prefix + ":index:sweeper");
  }

  @Test
  void sweeperRemovesADeadNodeWithoutQueriesAndPublishesOnce() {
    DiscoveryService watcher = clientOn(cluster.uris());
    EventLog log = new EventLog();
    watcher.onEvent(log);
    // a TypeScript-style node (raw keys) and one of ours whose heartbeat we stop by hand
    long ttl = 800;
    String ts = Long.toString(System.currentTimeMillis());
    redis().hset(prefix + ":nodes:ts-1", Map.of("address", "10.1.1.1:3000", "services", "[{\"name\":\"x\",\"version\":\"1\"}]", "timestamp", ts));
    redis().expire(prefix + ":nodes:ts-1", 1);
    redis().psetex(prefix + ":heartbeat:ts-1", ttl, ts);
    redis().sadd(prefix + ":index:nodes", "ts-1");
    // and one of ours that died: its heartbeat runs out and nobody renews it
    redis().hset(prefix + ":nodes:ghost", Map.of("address", "10.2.2.2:3000", "services", "[]", "timestamp", ts));
    redis().expire(prefix + ":nodes:ghost", 1);
    redis().psetex(prefix + ":heartbeat:ghost", ttl, ts);
    redis().sadd(prefix + ":index:nodes", "ghost");

    await().atMost(Duration.ofMillis(ttl + 4000)).until(() -> log.has(DiscoveryEvent.Type.NODE_DEREGISTERED, "ts-1")
        && log.has(DiscoveryEvent.Type.NODE_DEREGISTERED, "ghost"));
    assertThat(redis().sismember(prefix + ":index:nodes", "ts-1")).isFalse();
    assertThat(redis().exists(prefix + ":nodes:ghost")).isZero();
    await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(2))
        .until(() -> log.count(DiscoveryEvent.Type.NODE_DEREGISTERED, "ts-1") == 1
            && log.count(DiscoveryEvent.Type.NODE_DEREGISTERED, "ghost") == 1);
  }

  @Test
  void anUntaggedPrefixBecomesTheHashTagInClusterMode() {
    // the defaults work on a cluster: the whole untagged prefix is used as the hash tag
    String untagged = "titan-" + UUID.randomUUID().toString().substring(0, 8) + ":discovery";
    String effective = "{" + untagged + "}";
    DiscoveryService a = started(Discovery.builder().redisClusterUris(cluster.uris())
        .options(TestRedis.fastOptions(untagged, channel).build())
        .nodeId("a").address("10.0.0.1:8000").services(List.of(ServiceInfo.of("users", "1.0"))));
    DiscoveryService client = started(Discovery.builder().redisClusterUris(cluster.uris())
        .options(TestRedis.fastOptions(untagged, channel).clientMode(true).build()));
    assertThat(ids(client.findNodesByService("users").join())).containsExactly("a");
    assertThat(redis().exists(effective + ":nodes:a", effective + ":heartbeat:a", effective + ":index:nodes"))
        .isEqualTo(3L);
    assertThat(redis().exists(untagged + ":nodes:a")).isZero();
    RedisServer owner = cluster.nodeFor(effective + ":index:nodes");
    for (RedisServer n : cluster.nodes()) {
      assertThat(n.command("KEYS", effective + ":*").contains(effective)).as("keys only on the slot owner").isEqualTo(n == owner);
    }
    // a tagged prefix is used as given
    assertThat(((dev.titan.discovery.internal.DefaultDiscoveryService) a).options().redisPrefix()).isEqualTo(effective);
    DiscoveryService tagged = Discovery.builder().redisClusterUris(cluster.uris()).options(options().build()).build();
    assertThat(((dev.titan.discovery.internal.DefaultDiscoveryService) tagged).options().redisPrefix()).isEqualTo(prefix);
    tagged.close();
  }

  @Test
  void theReferenceScriptFailsWithCrossSlotUnderAnUntaggedPrefix() {
    // the TypeScript register-heartbeat script touches node, heartbeat and index keys in one call
    String script = "redis.call('HSET', KEYS[1], 'address', ARGV[2]); redis.call('SET', KEYS[2], ARGV[3]);"
        + " redis.call('SADD', KEYS[3], ARGV[1]); return 1";
    String p = "titan:discovery";
    assertThatThrownBy(() -> redis().eval(script, io.lettuce.core.ScriptOutputType.INTEGER,
            new String[] {p + ":nodes:n1", p + ":heartbeat:n1", p + ":index:nodes"}, "n1", "a:1", "1"))
        .hasMessageContaining("CROSSSLOT");
    Long ok = redis().eval(script, io.lettuce.core.ScriptOutputType.INTEGER,
        new String[] {prefix + ":nodes:n1", prefix + ":heartbeat:n1", prefix + ":index:nodes"}, "n1", "a:1", "1");
    assertThat(ok).isEqualTo(1L);
  }
}
