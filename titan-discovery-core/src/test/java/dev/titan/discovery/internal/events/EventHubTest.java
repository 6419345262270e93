package dev.titan.discovery.internal.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.titan.discovery.DiscoveryEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The hub's bounded queue: slow listeners lose the oldest deliveries, never internal tasks. */
class EventHubTest {

  private static DiscoveryEvent event(int i) {
    return new DiscoveryEvent(DiscoveryEvent.Type.NODE_REGISTERED, "n" + i, "10.0.0.1:80", List.of(), i);
  }

  private static void waitFor(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
    }
  }

  /** Records each event, says it is in the first one, then waits for {@code release}. */
  private static dev.titan.discovery.DiscoveryListener blockingListener(
      List<String> seen, CountDownLatch inFirst, CountDownLatch release) {
    return e -> {
      seen.add(e.nodeId());
      inFirst.countDown();
      waitFor(release);
    };
  }

  @Test
  void aSlowListenerLosesTheOldestDeliveriesNeverInternalTasks() throws Exception {
    EventHub hub = new EventHub(3, System::nanoTime);
    CountDownLatch inFirst = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<String> seen = new CopyOnWriteArrayList<>();
    hub.add(blockingListener(seen, inFirst, release));
    hub.submit(() -> hub.deliver(event(0)));
    assertThat(inFirst.await(10, TimeUnit.SECONDS)).isTrue();
    hub.execute(() -> seen.add("task"));
    for (int i = 1; i <= 10; i++) { // never blocks: the caller here stands for the I/O thread
      int n = i;
      hub.submit(() -> hub.deliver(event(n)));
    }
    assertThat(hub.dropped()).isEqualTo(7);
    release.countDown();
    await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 5);
    assertThat(seen).containsExactly("n0", "task", "n8", "n9", "n10");
    hub.close();
  }

  @Test
  void nothingRunsAfterClose() throws Exception {
    EventHub hub = new EventHub(100, System::nanoTime);
    CountDownLatch inFirst = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<String> seen = new CopyOnWriteArrayList<>();
    hub.add(blockingListener(seen, inFirst, release));
    hub.add(e -> seen.add("second-" + e.nodeId()));
    for (int i = 0; i < 5; i++) {
      int n = i;
      hub.submit(() -> hub.deliver(event(n)));
    }
    assertThat(inFirst.await(10, TimeUnit.SECONDS)).isTrue();
    hub.close();
    release.countDown();
    hub.submit(() -> hub.deliver(event(99)));
    hub.execute(() -> seen.add("late task"));
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> seen.equals(List.of("n0")));
  }
}
