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
    // b looks at the lease several times and never runs the script while a holds it
    await().atMost(Duration.ofSeconds(10)).until(() -> b.polls() >= 3);
    assertThat(b.sweeps()).isZero();
    // the holder keeps its cadence: many looks for each of b's polls (a's delay 40 ms, b's 400 ms)
    assertThat(a.polls()).isGreaterThan(2 * b.polls());

    a.stop().join();
    assertThat(connection.sync().get(keys.sweeperLease())).isNull();
    await().atMost(Duration.ofSeconds(5)).until(() -> b.sweeps() >= 1);
    assertThat(connection.sync().get(keys.sweeperLease())).isEqualTo("b");
    b.stop().join();
  }

  @Test
  void aHolderWithNothingDueRunsNoSweepScriptKeepsItsLeaseAndStillRemovesADeadNode() {
    RegistryWriter longLived = new RegistryWriter(connection.async(), keys, 60_000, "");
    longLived.register("alive", "10.0.0.1:80", java.util.List.of()).join();
    Sweeper a = sweeper("a");
    a.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> a.sweeps() >= 1); // took the lease
    long sweeps = a.sweeps();
    Sweeper b = sweeper("b");
    b.start();
    // many periods and several lease lengths: the holder only looked (native commands), kept
    // the lease, and b never took it over
    await().atMost(Duration.ofSeconds(20)).until(() -> a.checks() >= 30 && b.polls() >= 3);
    assertThat(a.sweeps()).isEqualTo(sweeps);
    assertThat(b.sweeps()).isZero();
    assertThat(connection.sync().get(keys.sweeperLease())).isEqualTo("a");

    // a node that dies is still removed by the holder's sweep, without any query
    RegistryWriter shortLived = new RegistryWriter(connection.async(), keys, 200, "");
    shortLived.register("dead", "10.0.0.2:80", java.util.List.of()).join();
    await().atMost(Duration.ofSeconds(5)).until(() -> !connection.sync().sismember(keys.nodesIndex(), "dead"));
    assertThat(a.sweeps()).isGreaterThan(sweeps);
    assertThat(connection.sync().sismember(keys.nodesIndex(), "alive")).isTrue();
    a.stop().join();
    b.stop().join();
  }

  @Test
  void aHolderAdoptsANodeWrittenWithoutOurIndexes() {
    Sweeper a = sweeper("a");
    a.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> a.checks() >= 2);
    // a TypeScript-written node: hash, heartbeat, index:nodes, no deadline
    String id = "ts-node";
    connection.sync().hset(keys.node(id), java.util.Map.of("address", "10.0.0.3:80", "services", "[]", "timestamp", "1"));
    connection.sync().psetex(keys.heartbeat(id), 60_000, "1");
    connection.sync().sadd(keys.nodesIndex(), id);
    await().atMost(Duration.ofSeconds(5)).until(() -> connection.sync().zscore(keys.deadlines(), id) != null);
    a.stop().join();
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
