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
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The sweeper lease on a real Redis: the holder checks for work at the earliest deadline (within a
 * period and the longest gap) and keeps its lease alive in between, the others only look at the
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

  /**
   * A sweeper whose time is {@code clock} (it moves only when the test moves it), with a longest
   * gap of 30 s.
   */
  private Sweeper onClock(String id, AtomicLong clock) {
    return new Sweeper(writer, scheduler, () -> id, PERIOD, LEASE, Duration.ofSeconds(30), () -> 0.5, clock::get);
  }

  /** A sweeper that checks every period (its longest gap is one period): the old cadence. */
  private Sweeper sweeper(String id) {
    return new Sweeper(writer, scheduler, () -> id, PERIOD, LEASE, PERIOD, () -> 0.5, System::nanoTime);
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
    assertThat(a.keepAlives()).isZero(); // a check every period extends the lease: no keep-alive needed

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
  void aHolderAdoptsANodeWrittenWithoutOurIndexesAtAKeepAliveWithoutACheck() {
    AtomicLong clock = new AtomicLong(); // frozen: after taking the lease, a only keeps it alive
    Sweeper a = onClock("a", clock);
    a.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> a.keepAlives() >= 2);
    long checks = a.checks();
    // a TypeScript-written node: hash, heartbeat, index:nodes, no deadline
    String id = "ts-node";
    connection.sync().hset(keys.node(id), java.util.Map.of("address", "10.0.0.3:80", "services", "[]", "timestamp", "1"));
    connection.sync().psetex(keys.heartbeat(id), 60_000, "1");
    connection.sync().sadd(keys.nodesIndex(), id);
    await().atMost(Duration.ofSeconds(5)).until(() -> connection.sync().zscore(keys.deadlines(), id) != null);
    assertThat(a.checks()).isEqualTo(checks);
    a.stop().join();
  }

  @Test
  void aHolderWithNoDeadlineNearOnlyKeepsItsLeaseAliveUntilTheDeadlineNearsOrTheLongestGapPasses() {
    RegistryWriter longLived = new RegistryWriter(connection.async(), keys, 60_000, "");
    longLived.register("alive", "10.0.0.1:80", java.util.List.of()).join();
    AtomicLong clock = new AtomicLong(); // the sweeper's time: it only moves when the test moves it
    Sweeper a = onClock("a", clock);
    a.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> a.sweeps() >= 1); // took the lease: next check after a period
    assertThat(a.checks()).isZero();
    clock.addAndGet(PERIOD.toNanos());
    await().atMost(Duration.ofSeconds(5)).until(() -> a.checks() == 1);
    long sweeps = a.sweeps();
    // the check found the earliest deadline about 60 s away: the next check comes after the
    // longest gap (30 s); meanwhile only keep-alives, and the lease stays a's
    long keepAlives = a.keepAlives();
    await().atMost(Duration.ofSeconds(10)).until(() -> a.keepAlives() >= keepAlives + 5);
    assertThat(a.checks()).isEqualTo(1);
    assertThat(a.sweeps()).isEqualTo(sweeps);
    assertThat(connection.sync().get(keys.sweeperLease())).isEqualTo("a");
    assertThat(connection.sync().pttl(keys.sweeperLease())).isGreaterThan(LEASE.toMillis() / 4);
    clock.addAndGet(Duration.ofSeconds(29).toNanos());
    long more = a.keepAlives();
    await().atMost(Duration.ofSeconds(10)).until(() -> a.keepAlives() >= more + 3);
    assertThat(a.checks()).isEqualTo(1);
    clock.addAndGet(Duration.ofSeconds(1).toNanos()); // the longest gap has passed
    await().atMost(Duration.ofSeconds(5)).until(() -> a.checks() == 2);

    // a node registered now with a deadline within the look-ahead: the check after it sweeps
    RegistryWriter shortLived = new RegistryWriter(connection.async(), keys, 200, "");
    shortLived.register("dead", "10.0.0.2:80", java.util.List.of()).join();
    clock.addAndGet(Duration.ofSeconds(30).toNanos());
    // after a sweep the holder looks again one period later: move its clock on until it is gone
    await().atMost(Duration.ofSeconds(5)).until(() -> {
      clock.addAndGet(PERIOD.toNanos());
      return !connection.sync().sismember(keys.nodesIndex(), "dead");
    });
    assertThat(a.sweeps()).isGreaterThan(sweeps);
    assertThat(connection.sync().sismember(keys.nodesIndex(), "alive")).isTrue();
    a.stop().join();
  }

  @Test
  void aRegistrationHeardBringsTheHoldersNextCheckToItsNextTick() {
    RegistryWriter longLived = new RegistryWriter(connection.async(), keys, 60_000, "");
    longLived.register("alive", "10.0.0.1:80", java.util.List.of()).join();
    AtomicLong clock = new AtomicLong(); // frozen: without the cue, a holds its lease and never checks
    Sweeper a = onClock("a", clock);
    a.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> a.keepAlives() >= 2);
    long checks = a.checks();
    // a newcomer with a TTL far shorter than anything a has seen, and its NODE_REGISTERED heard
    RegistryWriter shortLived = new RegistryWriter(connection.async(), keys, 200, "");
    shortLived.register("short", "10.0.0.2:80", java.util.List.of()).join();
    a.registrationSeen();
    await().atMost(Duration.ofSeconds(5)).until(() -> a.checks() > checks);
    // the check found its deadline within the look-ahead and swept: it is gone once it expired
    await().atMost(Duration.ofSeconds(5)).until(() -> {
      clock.addAndGet(PERIOD.toNanos()); // the sweep's follow-up checks come a period apart
      return !connection.sync().sismember(keys.nodesIndex(), "short");
    });
    assertThat(connection.sync().sismember(keys.nodesIndex(), "alive")).isTrue();
    a.stop().join();
  }

  @Test
  void aHolderWhoseLeaseWasTakenStepsDownAtItsNextKeepAlive() {
    AtomicLong clock = new AtomicLong();
    Sweeper a = onClock("a", clock);
    a.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> a.sweeps() >= 1);
    long keepAlives = a.keepAlives();
    await().atMost(Duration.ofSeconds(5)).until(() -> a.keepAlives() > keepAlives);
    connection.sync().psetex(keys.sweeperLease(), 60_000, "b"); // another node holds it now
    long looks = a.polls() - a.checks() - a.keepAlives();
    // a learns it at its next keep-alive and steps down: its ticks are plain looks at the lease again
    await().atMost(Duration.ofSeconds(10)).until(() -> a.polls() - a.checks() - a.keepAlives() > looks);
    // that keep-alive extended b's lease by a's length (unconditional, harmless: removals are
    // atomic); b, which does not renew here, loses it when it runs out, and a takes it again
    assertThat(connection.sync().pttl(keys.sweeperLease())).isLessThanOrEqualTo(LEASE.toMillis());
    await().atMost(Duration.ofSeconds(5)).until(() -> "a".equals(connection.sync().get(keys.sweeperLease())));
    a.stop().join();
  }

  @Test
  void nonHoldersPollNearTheLeasePeriodWithJitter() {
    double[] next = {0.0};
    Sweeper s = new Sweeper(writer, scheduler, () -> "x", Duration.ofMillis(500), Duration.ofSeconds(4),
        Duration.ofSeconds(13), () -> next[0], System::nanoTime);
    assertThat(s.pollDelayMillis()).isEqualTo(3000);
    next[0] = 0.5;
    assertThat(s.pollDelayMillis()).isEqualTo(4000);
    next[0] = 0.999;
    assertThat(s.pollDelayMillis()).isBetween(4990L, 5000L);
  }

  @Test
  void theHolderChecksAtTheEarliestDeadlineLessTheLookAheadWithinPeriodAndLongestGap() {
    Sweeper s = new Sweeper(writer, scheduler, () -> "x", Duration.ofMillis(500), Duration.ofSeconds(4),
        Duration.ofSeconds(13), () -> 0.5, System::nanoTime);
    long lookAhead = RegistryWriter.LOOK_AHEAD_MILLIS;
    assertThat(s.checkDelayMillis(Long.MAX_VALUE)).isEqualTo(13_000); // no deadline at all
    assertThat(s.checkDelayMillis(60_000)).isEqualTo(13_000);
    assertThat(s.checkDelayMillis(5_000)).isEqualTo(5_000 - lookAhead);
    assertThat(s.checkDelayMillis(lookAhead + 100)).isEqualTo(500); // never sooner than a period
    assertThat(s.checkDelayMillis(-2_000)).isEqualTo(500); // overdue (the sweep found it alive)
    // the longest gap from the TTL: a node registered right after a check with the holder's TTL
    // is looked at before its deadline less the look-ahead
    assertThat(Sweeper.maxGap(Duration.ofSeconds(15), Duration.ofMillis(500)))
        .isEqualTo(Duration.ofMillis(15_000 - lookAhead - 500));
    assertThat(Sweeper.maxGap(Duration.ofSeconds(1), Duration.ofMillis(500))).isEqualTo(Duration.ofMillis(500));
  }
}
