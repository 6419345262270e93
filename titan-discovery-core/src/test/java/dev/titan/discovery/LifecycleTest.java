package dev.titan.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.titan.discovery.testkit.RedisServer;
import io.lettuce.core.RedisClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LifecycleTest extends RedisTestBase {


  @Test
  void startRegistersAndStopDeregisters() {
    DiscoveryService d = t.node("n1", "10.0.0.1:80", ServiceInfo.of("svc", "1"));
    assertThat(d.isRegistered()).isTrue();
    assertThat(d.status().started()).isTrue();
    assertThat(d.status().connected()).isTrue();
    assertThat(t.redis().exists(t.prefix + ":nodes:n1", t.prefix + ":heartbeat:n1")).isEqualTo(2);
    assertThat(t.redis().smembers(t.prefix + ":index:nodes")).containsExactly("n1");
    d.stop().join();
    assertThat(d.isRegistered()).isFalse();
    assertThat(t.keys()).isEmpty();
  }

  @Test
  void stopIsIdempotentConcurrentSafeAndReturnsTheSameFuture() throws Exception {
    DiscoveryService d = t.node("n1", "10.0.0.1:80");
    List<CompletableFuture<Void>> stops = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      Thread th = new Thread(() -> {
        CompletableFuture<Void> f = d.stop();
        synchronized (stops) {
          stops.add(f);
        }
      });
      threads.add(th);
      th.start();
    }
    for (Thread th : threads) {
      th.join();
    }
    for (CompletableFuture<Void> f : stops) {
      assertThat(f).isSameAs(stops.get(0));
    }
    stops.get(0).get(10, TimeUnit.SECONDS);
    assertThat(d.stop()).isSameAs(stops.get(0)).isDone();
    assertThat(t.keys()).isEmpty();
    d.close();
  }

  @Test
  void startAfterStopFailsAndIoAfterStopFails() {
    DiscoveryService d = t.node("n1", "10.0.0.1:80");
    d.stop().join();
    assertThatThrownBy(() -> d.start().join()).hasCauseInstanceOf(IllegalStateException.class).hasMessageContaining("stopped");
    assertThatThrownBy(() -> d.getActiveNodes().join()).hasCauseInstanceOf(IllegalStateException.class);
  }

  @Test
  void ioBeforeStartFailsClearlyButIdentityChangesApplyLocally() {
    DiscoveryService d = t.builder().nodeId("n1").address("10.0.0.1:80").build();
    t.track(d);
    assertThatThrownBy(() -> d.getActiveNodes().join()).hasCauseInstanceOf(IllegalStateException.class).hasMessageContaining("start()");
    d.registerService(ServiceInfo.of("early")).join();
    assertThat(t.keys()).isEmpty(); // nothing connected yet
    d.start().join();
    assertThat(d.findNodesByService("early").join()).extracting(NodeInfo::nodeId).containsExactly("n1");
  }

  @Test
  void startReturnsAtOnceAndTheSameOutcomeTwice() {
    DiscoveryService d = t.builder().nodeId("n1").address("10.0.0.1:80").build();
    t.track(d);
    CompletableFuture<Void> a = d.start();
    CompletableFuture<Void> b = d.start();
    a.join();
    b.join();
    assertThat(d.isRegistered()).isTrue();
  }

  @Test
  void startFailsNamingTheAddressWhenNothingListens() {
    int port = RedisServer.freePort();
    DiscoveryService d = Discovery.builder().redisUri("redis://:sup3rsecret@127.0.0.1:" + port)
        .options(t.fastOptions().connectTimeout(Duration.ofSeconds(2)).build()).build();
    t.track(d);
    CompletableFuture<Void> started = d.start();
    assertThat(started).isNotDone(); // returned at once, still trying
    assertThatThrownBy(() -> started.orTimeout(60, TimeUnit.SECONDS).join()) // gives up on its own
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(DiscoveryException.class)
        .satisfies(e -> {
          assertThat(e.getCause().getMessage()).contains("127.0.0.1:" + port).doesNotContain("sup3rsecret");
        });
    d.close();
  }

  @Test
  void startWithDefaultOptionsGivesUpOnItsOwn() {
    int port = RedisServer.freePort();
    DiscoveryService d = Discovery.builder().redisUri("redis://127.0.0.1:" + port).build();
    t.track(d);
    assertThatThrownBy(() -> d.start().orTimeout(60, TimeUnit.SECONDS).join()).hasCauseInstanceOf(DiscoveryException.class).hasMessageContaining("127.0.0.1:" + port);
  }

  @Test
  void startSucceedsWhenRedisComesUpWhileItRetries() throws Exception {
    RefusingPort refusing = new RefusingPort();
    int port = refusing.port();
    DiscoveryService d = Discovery.builder().redisUri("redis://127.0.0.1:" + port)
        .options(t.fastOptions().connectTimeout(Duration.ofSeconds(20)).build())
        .nodeId("late").address("10.0.0.1:80").build();
    t.track(d);
    CompletableFuture<Void> started = d.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> refusing.accepted.get() >= 2); // it is retrying
    assertThat(started).isNotDone();
    refusing.close();
    try (RedisServer late = RedisServer.start(port, List.of())) {
      started.join();
      assertThat(d.isRegistered()).isTrue();
      d.stop().join();
    }
  }

  @Test
  void stopWhileStillConnectingEndsTheAttemptsAtOnce() {
    int port = RedisServer.freePort();
    DiscoveryService d = Discovery.builder().redisUri("redis://127.0.0.1:" + port)
        .options(t.fastOptions().connectTimeout(Duration.ofSeconds(60)).build()).build();
    CompletableFuture<Void> started = d.start();
    d.stop().orTimeout(5, TimeUnit.SECONDS).join();
    assertThatThrownBy(started::join).hasCauseInstanceOf(IllegalStateException.class);
  }

  @Test
  void aCallersClientIsNeverClosed() {
    RedisClient client = RedisClient.create();
    try {
      DiscoveryService d = Discovery.builder().redisClient(client).redisUri(t.server.uri())
          .options(t.fastOptions().build()).nodeId("n1").address("10.0.0.1:80").build();
      d.start().join();
      d.close();
      try (var conn = client.connect(io.lettuce.core.RedisURI.create(t.server.uri()))) {
        assertThat(conn.sync().ping()).isEqualTo("PONG");
      }
    } finally {
      client.shutdown();
    }
  }

  @Test
  void clientModeNeitherRegistersNorHeartbeats() {
    DiscoveryService provider = t.node("p", "10.0.0.1:80", ServiceInfo.of("svc"));
    DiscoveryService client = t.client();
    assertThat(client.isRegistered()).isFalse();
    assertThat(t.redis().smembers(t.prefix + ":index:nodes")).containsExactly("p");
    assertThat(client.findNodesByService("svc").join()).extracting(NodeInfo::nodeId).containsExactly("p");
    client.registerService(ServiceInfo.of("ignored")).join(); // local only in client mode
    assertThat(client.getServices()).contains(ServiceInfo.of("ignored"));
    assertThat(t.redis().smembers(t.prefix + ":index:nodes")).containsExactly("p");
    provider.stop().join();
  }

  @Test
  void registerNodeChangesThisNodesIdentityAndRemovesTheOldId() {
    DiscoveryService d = t.node("old", "10.0.0.1:80");
    d.registerNode("new", "10.0.0.2:81", List.of(ServiceInfo.of("s"))).join();
    assertThat(d.getNodeId()).isEqualTo("new");
    assertThat(d.getAddress()).isEqualTo("10.0.0.2:81");
    assertThat(t.redis().smembers(t.prefix + ":index:nodes")).containsExactly("new");
    assertThat(t.redis().exists(t.prefix + ":nodes:old")).isZero();
    d.stop().join();
    assertThat(t.keys()).isEmpty();
  }

  @Test
  void getServicesIsAnUnmodifiableCopy() {
    DiscoveryService d = t.node("n1", "10.0.0.1:80", ServiceInfo.of("a"));
    List<ServiceInfo> s = d.getServices();
    assertThatThrownBy(() -> s.add(ServiceInfo.of("b"))).isInstanceOf(UnsupportedOperationException.class);
    d.registerService(ServiceInfo.of("b")).join();
    assertThat(s).containsExactly(ServiceInfo.of("a"));
  }
}
