package dev.titan.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.titan.discovery.testkit.RedisServer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Threads, connections and futures: what a service creates it releases, after a stop during
 * connect retries and after a failed start; returned futures never complete on a Redis I/O thread.
 */
class ResourceReleaseTest extends RedisTestBase {

  /** Threads of Lettuce and of ours that are alive now. */
  private static Set<Thread> ourThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .filter(th -> th.getName().startsWith("lettuce-") || th.getName().startsWith("titan-discovery"))
        .collect(Collectors.toSet());
  }

  @Test
  void stopDuringConnectRetriesReleasesThreadsAndNeverConnectsLater() throws Exception {
    Set<Thread> before = ourThreads();
    int port;
    DiscoveryService d;
    CompletableFuture<Void> started;
    try (RefusingPort refusing = new RefusingPort()) {
      port = refusing.port();
      d = Discovery.builder().redisUri("redis://127.0.0.1:" + port)
          .options(t.fastOptions().connectTimeout(Duration.ofSeconds(60)).build())
          .nodeId("late").address("10.0.0.1:80").build();
      started = d.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> refusing.accepted.get() >= 2); // it is retrying
      d.stop().get(10, TimeUnit.SECONDS);
    }
    assertThatThrownBy(started::join).hasCauseInstanceOf(IllegalStateException.class);
    // every thread the service started (its scheduler, Lettuce's event loops) ends
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(ourThreads().stream().filter(th -> !before.contains(th)).map(Thread::getName)).isEmpty());
    // a Redis that comes up on that port afterwards never gets a connection from it
    try (RedisServer late = RedisServer.start(port, List.of())) {
      io.lettuce.core.RedisClient c = io.lettuce.core.RedisClient.create("redis://127.0.0.1:" + port);
      try (var conn = c.connect()) {
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
            .until(() -> conn.sync().clientList().strip().lines().count() == 1);
        assertThat(conn.sync().smembers(t.prefix + ":index:nodes")).isEmpty();
      } finally {
        c.shutdown();
      }
    }
  }

  @Test
  void aFailedStartReleasesItsThreadsWithoutClose() {
    Set<Thread> before = ourThreads();
    int port = RedisServer.freePort();
    DiscoveryService d = Discovery.builder().redisUri("redis://127.0.0.1:" + port)
        .options(t.fastOptions().connectTimeout(Duration.ofMillis(600)).build()).build();
    assertThatThrownBy(() -> d.start().join()).hasCauseInstanceOf(DiscoveryException.class);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(ourThreads().stream().filter(th -> !before.contains(th)).map(Thread::getName)).isEmpty());
    assertThat(d.start()).isCompletedExceptionally(); // final: the same outcome
    d.stop().join();
  }

  @Test
  void stopReleasesConnectionsAndThreads() {
    Set<Thread> before = ourThreads();
    long clientsBefore = t.redis().clientList().strip().lines().count();
    DiscoveryService d = t.node("n1", "10.0.0.1:80", ServiceInfo.of("svc"));
    d.view().ready().join();
    assertThat(t.redis().clientList().strip().lines().count()).isGreaterThan(clientsBefore);
    d.stop().join();
    await().atMost(Duration.ofSeconds(10)).until(() -> t.redis().clientList().strip().lines().count() == clientsBefore);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(ourThreads().stream().filter(th -> !before.contains(th)).map(Thread::getName)).isEmpty());
  }

  @Test
  void aCallbackThatBlocksOnAnotherLookupStallsNeitherRepliesNorHeartbeats() {
    DiscoveryService d = t.node("n1", "10.0.0.1:80", ServiceInfo.of("svc"));
    t.node("x", "10.0.0.2:80", ServiceInfo.of("other"));
    AtomicReference<String> callbackThread = new AtomicReference<>();
    // the call of the issue: a callback that blocks on another lookup of the same service
    Optional<NodeInfo> x = d.getActiveNodes().thenApply(n -> {
      callbackThread.set(Thread.currentThread().getName());
      return d.getNodeInfo("x").join();
    }).join();
    assertThat(x).map(NodeInfo::nodeId).contains("x");
    assertThat(callbackThread.get()).doesNotStartWith("lettuce-");
    // every kind of returned future completes off the I/O threads
    for (CompletableFuture<?> f : List.of(d.findNodesByService("svc"), d.getAllNodes(), d.nodeExists("x"),
        d.isNodeActive("x"), d.updateAddress("10.0.0.1:81"), d.view().ready())) {
      AtomicReference<String> th = new AtomicReference<>();
      f.whenComplete((v, e) -> th.set(Thread.currentThread().getName())).join();
      assertThat(th.get()).doesNotStartWith("lettuce-");
    }
    long sent = d.status().heartbeatsSent();
    await().atMost(Duration.ofSeconds(5)).until(() -> d.status().heartbeatsSent() >= sent + 3);
    assertThat(d.status().heartbeatsFailed()).isZero();
  }

  @Test
  void nothingIsDeliveredAfterStopCompleted() throws Exception {
    DiscoveryService watcher = t.client();
    CountDownLatch blocked = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger delivered = new AtomicInteger();
    AtomicInteger afterStop = new AtomicInteger();
    AtomicReference<CompletableFuture<Void>> stop = new AtomicReference<>();
    watcher.onEvent(e -> {
      delivered.incrementAndGet();
      CompletableFuture<Void> s = stop.get();
      if (s != null && s.isDone()) {
        afterStop.incrementAndGet();
      }
      blocked.countDown();
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
      }
    });
    for (int i = 0; i < 20; i++) {
      t.redis().publish(t.channel, "{\"type\":\"NODE_REGISTERED\",\"nodeId\":\"p" + i
          + "\",\"address\":\"10.0.0.1:80\",\"services\":[],\"timestamp\":1}");
    }
    assertThat(blocked.await(10, TimeUnit.SECONDS)).isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> watcher.status().eventsReceived() >= 1);
    stop.set(watcher.stop());
    stop.get().get(10, TimeUnit.SECONDS);
    release.countDown();
    // the listener was inside the first event when stop() completed; the 19 queued are discarded
    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> delivered.get() == 1);
    assertThat(afterStop.get()).isZero();
  }
}
