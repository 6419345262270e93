package dev.titan.discovery.internal.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.titan.discovery.internal.Keys;
import dev.titan.discovery.testkit.RedisServer;
import dev.titan.discovery.testkit.RedisServerExtension;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The sweeper lease on a real Redis: the holder sweeps every period, the others only look at the
 * lease (one GET) near the lease period with jitter, and take over once it is released.
 */
@ExtendWith(RedisServerExtension.class)
class SweeperLeaseTest {

  private static final Duration PERIOD = Duration.ofMillis(40);
  private static final Duration LEASE = Duration.ofMillis(400);

  private RedisClient client;
  private StatefulRedisConnection<String, String> connection;
  private ScheduledExecutorService scheduler;
  private RegistryWriter writer;
  private Keys keys;

  @BeforeEach
  void open(RedisServer server) {
    client = RedisClient.create(server.uri());
    connection = client.connect();
    scheduler = Executors.newScheduledThreadPool(2);
    keys = new Keys("t" + UUID.randomUUID().toString().substring(0, 8) + ":discovery");
    writer = new RegistryWriter(connection.async(), keys, 1000, "");
  }

  @AfterEach
  void close() {
    scheduler.shutdownNow();
    connection.close();
    client.shutdown();
  }

  private Sweeper sweeper(String id) {
    return new Sweeper(writer, scheduler, () -> id, PERIOD, LEASE, () -> 0.5);
  }

  @Test
  void onlyTheHolderRunsTheSweepScriptTheOthersPollAndTakeOverWhenReleased() {
    Sweeper a = sweeper("a");
    a.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> a.sweeps() >= 1);
    assertThat(connection.sync().get(keys.sweeperLease())).isEqualTo("a");

    Sweeper b = sweeper("b");
    b.start();
    long aBefore = a.sweeps();
    // b looks at the lease several times and never runs the script while a holds it
    await().atMost(Duration.ofSeconds(10)).until(() -> b.polls() >= 3);
    assertThat(b.sweeps()).isZero();
    // the holder keeps its cadence: many sweeps for each of b's polls (a's delay 40 ms, b's 400 ms)
    assertThat(a.sweeps() - aBefore).isGreaterThan(2 * b.polls());

    a.stop().join();
    assertThat(connection.sync().get(keys.sweeperLease())).isNull();
    await().atMost(Duration.ofSeconds(5)).until(() -> b.sweeps() >= 1);
    assertThat(connection.sync().get(keys.sweeperLease())).isEqualTo("b");
    b.stop().join();
  }

  @Test
  void nonHoldersPollNearTheLeasePeriodWithJitter() {
    double[] next = {0.0};
    Sweeper s = new Sweeper(writer, scheduler, () -> "x", Duration.ofMillis(500), Duration.ofSeconds(2), () -> next[0]);
    assertThat(s.nextDelayMillis(true)).isEqualTo(500);
    assertThat(s.nextDelayMillis(false)).isEqualTo(1500);
    next[0] = 0.5;
    assertThat(s.nextDelayMillis(false)).isEqualTo(2000);
    next[0] = 0.999;
    assertThat(s.nextDelayMillis(false)).isBetween(2490L, 2500L);
  }
}
