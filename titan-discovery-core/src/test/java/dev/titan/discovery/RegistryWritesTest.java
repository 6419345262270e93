package dev.titan.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.titan.discovery.internal.Keys;
import dev.titan.discovery.internal.registry.RegistryWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/** Dynamic services, updates of other nodes, deregistration and the atomic cleanup. */
class RegistryWritesTest extends RedisTestBase {


  private String services(String id) {
    return t.redis().hget(t.prefix + ":nodes:" + id, "services");
  }

  @Test
  void dynamicServiceChangesReachRedisBeforeTheFutureCompletes() {
    DiscoveryService d = t.node("n", "10.0.0.1:80");
    d.registerService(ServiceInfo.of("a", "1")).join();
    assertThat(services("n")).isEqualTo("[{\"name\":\"a\",\"version\":\"1\"}]");
    d.registerService(ServiceInfo.of("a", "1")).join(); // duplicate name+version: no change
    d.registerService(ServiceInfo.of("a", "2")).join();
    assertThat(d.getServices()).containsExactly(ServiceInfo.of("a", "1"), ServiceInfo.of("a", "2"));
    d.registerService(ServiceInfo.of("b")).join();
    d.unregisterService("a").join(); // every version
    assertThat(services("n")).isEqualTo("[{\"name\":\"b\"}]");
    d.updateServices(List.of(ServiceInfo.of("c"), ServiceInfo.of("d", "4"))).join();
    assertThat(services("n")).isEqualTo("[{\"name\":\"c\"},{\"name\":\"d\",\"version\":\"4\"}]");
    d.updateAddress("[::1]:9000").join();
    assertThat(t.redis().hget(t.prefix + ":nodes:n", "address")).isEqualTo("[::1]:9000");
    assertThat(d.getAddress()).isEqualTo("[::1]:9000");
  }

  @Test
  void concurrentServiceChangesLoseNothing() throws Exception {
    DiscoveryService d = t.node("n", "10.0.0.1:80");
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<CompletableFuture<Void>> all = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        int n = i;
        all.add(CompletableFuture.supplyAsync(() -> d.registerService(ServiceInfo.of("svc-" + n)), pool).thenCompose(f -> f));
      }
      CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).join();
    } finally {
      pool.shutdown();
    }
    Set<String> names = new HashSet<>();
    d.getNodeInfo("n").join().orElseThrow().services().forEach(s -> names.add(s.name()));
    assertThat(names).hasSize(64);
    assertThat(t.redis().keys(t.prefix + ":index:services:*")).hasSize(64);
    assertThat(d.findNodesByService("svc-63").join()).hasSize(1);
  }

  @Test
  void updatesOfAnUnknownNodeCreateNoKeys() {
    DiscoveryService d = t.node("n", "10.0.0.1:80");
    List<String> before = t.keys();
    d.updateNodeAddress("ghost", "10.6.6.6:66").join();
    d.updateNodeServices("ghost", List.of(ServiceInfo.of("boo"))).join();
    d.deregisterNode("ghost").join();
    assertThat(t.keys()).isEqualTo(before);
    assertThat(t.redis().exists(t.prefix + ":nodes:ghost")).isZero();
  }

  @Test
  void updatesOfAnotherNodeChangeItAndPublish() {
    DiscoveryService admin = t.client();
    DiscoveryService b = t.node("b", "10.0.0.2:80", ServiceInfo.of("old"));
    t.writeTypeScriptNode("ts", "10.0.0.9:3000", "[{\"name\":\"legacy\"}]", 15_000);
    List<String> raw = t.recordChannel();
    admin.updateNodeAddress("ts", "10.0.0.10:3000").join();
    admin.updateNodeServices("ts", List.of(ServiceInfo.of("modern", "2"))).join();
    admin.updateNodeServices("b", List.of(ServiceInfo.of("new"))).join();
    assertThat(admin.getNodeInfo("ts").join().orElseThrow().address()).isEqualTo("10.0.0.10:3000");
    assertThat(admin.findNodesByService("modern", "2").join()).extracting(NodeInfo::nodeId).containsExactly("ts");
    assertThat(admin.findNodesByService("new").join()).extracting(NodeInfo::nodeId).containsExactly("b");
    assertThat(admin.findNodesByService("old").join()).isEmpty();
    // the hash TTL is not touched by an update (as in the reference)
    assertThat(t.redis().ttl(t.prefix + ":nodes:ts")).isPositive();
    await().atMost(Duration.ofSeconds(5)).until(() -> raw.size() == 3);
    assertThat(raw.get(0)).startsWith("{\"type\":\"NODE_UPDATED\",\"nodeId\":\"ts\",\"address\":\"10.0.0.10:3000\",\"services\":[{\"name\":\"legacy\"}],\"timestamp\":");
    assertThat(raw.get(1)).contains("\"services\":[{\"name\":\"modern\",\"version\":\"2\"}]");
    b.close();
  }

  @Test
  void deregisterNodeRemovesAnyNodeAndPublishesOnce() {
    DiscoveryService admin = t.client();
    t.node("b", "10.0.0.2:80", ServiceInfo.of("s"));
    t.writeTypeScriptNode("ts", "10.0.0.9:3000", "[]", 15_000);
    List<String> raw = t.recordChannel();
    admin.deregisterNode("ts").join();
    admin.deregisterNode("ts").join();
    assertThat(admin.nodeExists("ts").join()).isFalse();
    assertThat(t.redis().sismember(t.prefix + ":index:nodes", "ts")).isFalse();
    await().atMost(Duration.ofSeconds(5)).until(() -> raw.size() == 1);
    assertThat(raw.get(0)).startsWith("{\"type\":\"NODE_DEREGISTERED\",\"nodeId\":\"ts\",\"address\":\"10.0.0.9:3000\",\"services\":[],");
  }

  @Test
  void aLiveNodeIsNeverRemovedByCleanupEvenWhenItsDeadlineLooksPast() {
    DiscoveryService b = t.node("b", "10.0.0.2:80");
    DiscoveryService admin = t.client();
    RegistryWriter cleaner = new RegistryWriter(t.async(), new Keys(t.prefix), 1000, t.channel);
    String deadlines = t.prefix + ":index:deadlines";
    for (int i = 0; i < 200; i++) {
      // make the index claim that b is overdue; the heartbeat key still says alive
      t.redis().zadd(deadlines, 1, "b");
      // the cleanup readers and sweepers run: it takes due nodes, and b by name
      assertThat(cleaner.expire(List.of("b")).join()).doesNotContain("b");
      assertThat(admin.getActiveNodes().join()).extracting(NodeInfo::nodeId).contains("b");
    }
    assertThat(t.redis().sismember(t.prefix + ":index:nodes", "b")).isTrue();
    // the cleanup (or b's own sweeper) sets the deadline right again
    t.redis().zadd(deadlines, 1, "b");
    cleaner.expire(List.of()).join();
    assertThat(t.redis().zscore(deadlines, "b")).isGreaterThan((double) System.currentTimeMillis());
    assertThat(b.isRegistered()).isTrue();
  }

  @Test
  void concurrentCleanersNeverRemoveALiveNode() throws Exception {
    // several clients clean up at once while the node's deadline keeps looking overdue and its
    // heartbeat is renewed all along: the atomic check-and-remove must never take it out
    DiscoveryService b = t.node("b", "10.0.0.2:80");
    List<DiscoveryService> cleaners = List.of(t.client(), t.client(), t.client());
    List<String> raw = t.recordChannel();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<CompletableFuture<Void>> runs = new ArrayList<>();
      for (DiscoveryService c : cleaners) {
        runs.add(CompletableFuture.runAsync(() -> {
          RegistryWriter cleaner = new RegistryWriter(t.async(), new Keys(t.prefix), 1000, t.channel);
          for (int i = 0; i < 150; i++) {
            t.redis().zadd(t.prefix + ":index:deadlines", 1, "b");
            assertThat(cleaner.expire(List.of("b")).join()).doesNotContain("b");
            assertThat(c.getActiveNodes().join()).extracting(NodeInfo::nodeId).contains("b");
          }
        }, pool));
      }
      CompletableFuture.allOf(runs.toArray(new CompletableFuture<?>[0])).join();
    } finally {
      pool.shutdown();
    }
    assertThat(t.redis().sismember(t.prefix + ":index:nodes", "b")).isTrue();
    assertThat(raw).noneMatch(m -> m.contains("NODE_DEREGISTERED"));
    assertThat(b.isRegistered()).isTrue();
  }
}
