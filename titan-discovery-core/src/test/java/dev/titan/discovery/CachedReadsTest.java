package dev.titan.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.titan.discovery.internal.Keys;
import dev.titan.discovery.internal.registry.RegistryReader;
import dev.titan.discovery.internal.registry.RegistryWriter;
import dev.titan.discovery.testkit.RedisServer;
import dev.titan.discovery.testkit.RedisServerExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Reads without a local view re-use node data while the change counter vouches for it: they read
 * only heartbeats then, with native commands of at most 1,000 keys and never a script, and still
 * answer what the query script answers after every kind of change.
 */
@ExtendWith(RedisServerExtension.class)
class CachedReadsTest {

  private TestRedis t;
  private RegistryWriter writer;
  private RegistryReader reader;
  private RegistryReader scripted;

  @BeforeEach
  void setUp(RedisServer server) {
    t = new TestRedis(server);
    Keys keys = new Keys(t.prefix);
    writer = new RegistryWriter(t.async(), keys, 60_000, t.channel);
    reader = new RegistryReader(t.async(), keys, writer, true);
    scripted = new RegistryReader(t.async(), keys, writer, false);
  }

  @AfterEach
  void tearDown() {
    t.close();
  }

  @Test
  void aSecondReadReadsOnlyHeartbeatsAndNoScript() {
    register("a", "10.0.0.1:80", ServiceInfo.of("users", "1.0.0"));
    register("b", "10.0.0.2:80", ServiceInfo.of("users", "2.0.0"), ServiceInfo.of("auth"));
    assertThat(reader.activeNodes().join()).extracting(NodeInfo::nodeId).containsExactlyInAnyOrder("a", "b");
    reader.byService("users", null).join();
    long full = reader.fullReads();
    long hmget = calls("hmget");
    long scripts = calls("evalsha") + calls("eval");
    long sorts = calls("sort");

    for (int i = 0; i < 3; i++) {
      assertThat(reader.activeNodes().join()).extracting(NodeInfo::nodeId).containsExactlyInAnyOrder("a", "b");
      assertThat(reader.byService("users", "2.0.0").join()).extracting(NodeInfo::nodeId).containsExactly("b");
    }
    assertThat(reader.fullReads()).as("no full read").isEqualTo(full);
    assertThat(calls("hmget")).as("no node data read").isEqualTo(hmget);
    assertThat(calls("evalsha") + calls("eval")).as("no script").isEqualTo(scripts);
    assertThat(calls("sort")).as("one light SORT per lookup by service").isEqualTo(sorts + 3);
    assertSame(RegistryReader::activeNodes);
    assertSame(r -> r.byService("auth", null));
  }

  @Test
  void everyChangeIsSeenByTheNextRead() {
    register("a", "10.0.0.1:80", ServiceInfo.of("users", "1.0.0"));
    register("b", "10.0.0.2:80", ServiceInfo.of("users", "1.0.0"));
    warm();
    List<Runnable> changes = List.of(
        () -> writer.updateAddress("a", "10.0.0.9:81").join(),
        () -> writer.updateServices("a", List.of(ServiceInfo.of("users", "3.0.0"), ServiceInfo.of("billing"))).join(),
        () -> writer.updateStatus("b", NodeStatus.DRAINING).join(),
        () -> register("c", "10.0.0.3:80", ServiceInfo.of("users")),
        () -> writer.deregister(List.of("b")).join(),
        () -> writer.updateServices("a", List.of(ServiceInfo.of("users", "1.0.0"))).join());
    for (Runnable change : changes) {
      change.run();
      assertSame(RegistryReader::activeNodes);
      for (String name : List.of("users", "billing")) {
        assertSame(r -> r.byService(name, null));
      }
      warm();
    }
    assertThat(reader.byService("users", null).join()).extracting(NodeInfo::nodeId).containsExactlyInAnyOrder("a", "c");
    assertThat(reader.activeNodes().join()).filteredOn(n -> n.nodeId().equals("a"))
        .extracting(NodeInfo::address).containsExactly("10.0.0.9:81");
  }

  @Test
  void aReadAfterAChangeReadsOnlyTheNodesThatChanged() {
    register("a", "10.0.0.1:80", ServiceInfo.of("users"));
    register("b", "10.0.0.2:80", ServiceInfo.of("users"));
    register("c", "10.0.0.3:80", ServiceInfo.of("billing"));
    warm();
    reader.byService("users", null).join();
    long full = reader.fullReads();

    writer.updateAddress("a", "10.0.0.9:81").join();
    long hmget = calls("hmget"); // after the write: the commands a script runs count too
    assertThat(reader.activeNodes().join()).filteredOn(n -> n.nodeId().equals("a"))
        .extracting(NodeInfo::address).containsExactly("10.0.0.9:81");
    assertThat(calls("hmget")).as("only the changed node read again").isEqualTo(hmget + 1);
    assertThat(reader.byService("users", null).join()).extracting(NodeInfo::address)
        .containsExactlyInAnyOrder("10.0.0.9:81", "10.0.0.2:80");
    assertThat(calls("hmget")).isEqualTo(hmget + 1);
    assertThat(reader.fullReads()).isEqualTo(full);

    // a join: the members are scanned again, but only the new node's data is read
    register("d", "10.0.0.4:80", ServiceInfo.of("users"));
    long beforeJoin = calls("hmget");
    assertThat(reader.activeNodes().join()).extracting(NodeInfo::nodeId).containsExactlyInAnyOrder("a", "b", "c", "d");
    assertThat(calls("hmget")).isEqualTo(beforeJoin + 1);
    assertThat(reader.fullReads()).isEqualTo(full + 1);

    // a departure: nobody's data is read again
    writer.deregister(List.of("b")).join();
    long beforeLeave = calls("hmget");
    assertThat(reader.activeNodes().join()).extracting(NodeInfo::nodeId).containsExactlyInAnyOrder("a", "c", "d");
    assertThat(reader.byService("users", null).join()).extracting(NodeInfo::nodeId).containsExactlyInAnyOrder("a", "d");
    assertThat(calls("hmget")).isEqualTo(beforeLeave);
    assertSame(RegistryReader::activeNodes);
    assertSame(r -> r.byService("users", null));
  }

  @Test
  void aJoinAndADepartureBetweenTwoReadsAreBothSeenThoughTheSizeStaysTheSame() {
    register("a", "10.0.0.1:80", ServiceInfo.of("users"));
    register("b", "10.0.0.2:80", ServiceInfo.of("users"));
    warm();
    // index:nodes keeps its size: only the change log tells that c is new
    writer.deregister(List.of("b")).join();
    register("c", "10.0.0.3:80", ServiceInfo.of("users"));
    assertThat(reader.activeNodes().join()).extracting(NodeInfo::nodeId).containsExactlyInAnyOrder("a", "c");
    assertSame(RegistryReader::activeNodes);
  }

  @Test
  void whenTheChangeLogCannotAnswerEveryNodeIsReadAgain() {
    register("a", "10.0.0.1:80", ServiceInfo.of("users"));
    register("b", "10.0.0.2:80", ServiceInfo.of("users"));
    warm();
    String log = t.prefix + ":index:version:log";
    long hmget = calls("hmget");
    // the counter moved by something that logs nothing (another tool, a restored snapshot)
    t.redis().hset(t.prefix + ":nodes:a", "address", "10.0.0.7:80");
    t.redis().incr(t.prefix + ":index:version");
    assertThat(reader.activeNodes().join()).filteredOn(n -> n.nodeId().equals("a"))
        .extracting(NodeInfo::address).containsExactly("10.0.0.7:80");
    assertThat(calls("hmget")).as("every node read again").isEqualTo(hmget + 2);

    // the log deleted between two changes: it no longer reaches back to what this reader saw
    writer.updateAddress("a", "10.0.0.8:80").join();
    t.redis().del(log);
    writer.updateAddress("b", "10.0.0.6:80").join();
    assertThat(reader.activeNodes().join()).extracting(NodeInfo::address)
        .containsExactlyInAnyOrder("10.0.0.8:80", "10.0.0.6:80");
    assertThat(reader.byService("users", null).join()).extracting(NodeInfo::address)
        .containsExactlyInAnyOrder("10.0.0.8:80", "10.0.0.6:80");

    // a log of the wrong type: the next change starts it again, and reads stay right
    t.redis().del(log);
    t.redis().set(log, "not a sorted set");
    warm();
    writer.updateAddress("a", "10.0.0.5:80").join();
    assertThat(t.redis().type(log)).isEqualTo("zset");
    assertThat(reader.activeNodes().join()).extracting(NodeInfo::address)
        .containsExactlyInAnyOrder("10.0.0.5:80", "10.0.0.6:80");
    assertSame(RegistryReader::activeNodes);
  }

  @Test
  void theChangeLogKeepsTheThousandNodesChangedLast() {
    List<CompletableFuture<?>> writes = new ArrayList<>();
    for (int i = 0; i < 1_100; i++) {
      writes.add(writer.register("n" + i, "10.0.0.1:" + (1000 + i), List.of(ServiceInfo.of("svc"))));
    }
    CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0])).join();
    String log = t.prefix + ":index:version:log";
    long counter = Long.parseLong(t.redis().get(t.prefix + ":index:version"));
    assertThat(t.redis().zcard(log)).isEqualTo(1_000);
    assertThat(t.redis().zrangeWithScores(log, -1, -1).get(0).getScore()).isEqualTo((double) counter);
    assertThat(t.redis().zrangeWithScores(log, 0, 0).get(0).getScore()).isEqualTo((double) (counter - 999));
    assertThat(t.redis().zscore(log, "n0")).isNull();
    assertThat(t.redis().zscore(log, "n1099")).isNotNull();

    // a log grown by something else (50,000 members) does not break a change: it shrinks by
    // 1,000 per change until it is back to its size
    t.redis().eval("for i = 1, 50000 do redis.call('ZADD', KEYS[1], i, 'x' .. i) end", io.lettuce.core.ScriptOutputType.STATUS,
        log);
    writer.updateAddress("n5", "10.0.0.2:1").join();
    assertThat(t.redis().zcard(log)).isEqualTo(50_000 + 1_000 + 1 - 1_000);
    assertThat(reader.activeNodes().join()).filteredOn(n -> n.nodeId().equals("n5"))
        .extracting(NodeInfo::address).containsExactly("10.0.0.2:1");
  }

  @Test
  void readsRacingWithChangesEndInStepWithTheRegistry() throws Exception {
    for (int i = 0; i < 40; i++) {
      register("n" + i, "10.0.0.1:" + (1000 + i), ServiceInfo.of("svc-" + (i % 3)));
    }
    warm();
    java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
    List<CompletableFuture<Void>> readers = new ArrayList<>();
    for (int r = 0; r < 3; r++) {
      readers.add(CompletableFuture.runAsync(() -> {
        int k = 0;
        while (!done.get()) { // several reads in flight at once on the one connection
          CompletableFuture.allOf(reader.activeNodes(), reader.byService("svc-" + (k++ % 3), null),
              reader.byService("svc-0", null)).join();
        }
      }));
    }
    List<CompletableFuture<?>> writes = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      String id = "n" + (i * 7 % 40);
      writes.add(i % 3 == 0
          ? writer.updateAddress(id, "10.0.9." + (i % 250) + ":" + (2000 + i))
          : writer.updateServices(id, List.of(ServiceInfo.of("svc-" + (i % 3)), ServiceInfo.of("v", "1." + i + ".0"))));
      if (i % 10 == 0) {
        CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0])).join();
      }
    }
    CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0])).join();
    done.set(true);
    CompletableFuture.allOf(readers.toArray(new CompletableFuture<?>[0])).join();
    // whatever the interleaving, data read under an old value is never taken for current
    assertSame(RegistryReader::activeNodes);
    for (String name : List.of("svc-0", "svc-1", "svc-2", "v")) {
      assertSame(r -> r.byService(name, null));
    }
  }

  @Test
  void aHeartbeatMovesTheTimestampWithoutReadingTheNodeAgain() {
    register("a", "10.0.0.1:80", ServiceInfo.of("users"));
    long before = reader.activeNodes().join().get(0).timestamp();
    long hmget = calls("hmget");
    t.redis().set(t.prefix + ":heartbeat:a", Long.toString(before + 5_000)); // what a renewal writes
    t.redis().hset(t.prefix + ":nodes:a", "timestamp", Long.toString(before + 5_000));
    assertThat(reader.activeNodes().join()).extracting(NodeInfo::timestamp).containsExactly(before + 5_000);
    assertThat(reader.byService("users", null).join()).extracting(NodeInfo::timestamp).containsExactly(before + 5_000);
    assertThat(calls("hmget")).isEqualTo(hmget);
  }

  @Test
  void aNodeWhoseHeartbeatIsGoneIsLeftOutAndRemoved() {
    register("a", "10.0.0.1:80", ServiceInfo.of("users"));
    register("dead", "10.0.0.2:80", ServiceInfo.of("users"));
    warm();
    t.redis().del(t.prefix + ":heartbeat:dead");
    assertThat(reader.activeNodes().join()).extracting(NodeInfo::nodeId).containsExactly("a");
    assertThat(t.redis().exists(t.prefix + ":nodes:dead")).isZero();
    assertThat(reader.byService("users", null).join()).extracting(NodeInfo::nodeId).containsExactly("a");
  }

  @Test
  void whileTypeScriptNodesExistEveryReadIsFull() {
    register("a", "10.0.0.1:80", ServiceInfo.of("users"));
    warm();
    t.writeTypeScriptNode("ts-1", "10.9.9.9:3000", "[{\"name\":\"users\"}]", 60_000);
    long full = reader.fullReads();
    for (int i = 0; i < 2; i++) {
      assertThat(reader.activeNodes().join()).extracting(NodeInfo::nodeId).containsExactlyInAnyOrder("a", "ts-1");
      assertThat(reader.byService("users", null).join()).extracting(NodeInfo::nodeId).containsExactlyInAnyOrder("a", "ts-1");
    }
    assertThat(reader.fullReads()).isEqualTo(full + 2);
    // the TypeScript implementation changes its node without a counter bump: seen at once
    t.redis().hset(t.prefix + ":nodes:ts-1", "address", "10.9.9.9:3001");
    assertThat(reader.activeNodes().join()).filteredOn(n -> n.nodeId().equals("ts-1"))
        .extracting(NodeInfo::address).containsExactly("10.9.9.9:3001");
  }

  @Test
  void aReconnectionDropsTheDataReadBefore() {
    register("a", "10.0.0.1:80", ServiceInfo.of("users"));
    warm();
    // a change no script of ours made (a Redis restored from an older snapshot looks like this)
    t.redis().hset(t.prefix + ":nodes:a", "address", "10.0.0.7:80");
    assertThat(reader.activeNodes().join()).extracting(NodeInfo::address).containsExactly("10.0.0.1:80");
    reader.connectionRestored();
    assertThat(reader.activeNodes().join()).extracting(NodeInfo::address).containsExactly("10.0.0.7:80");
    assertThat(reader.byService("users", null).join()).extracting(NodeInfo::address).containsExactly("10.0.0.7:80");
  }

  @Test
  void aLargeRegistryIsReadInChunksOfAtMostAThousandKeys() {
    List<CompletableFuture<?>> writes = new ArrayList<>();
    for (int i = 0; i < 2_500; i++) {
      writes.add(writer.register("n" + i, "10.0.0.1:" + (1000 + i), List.of(ServiceInfo.of("svc-" + (i % 2)))));
    }
    CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0])).join();
    t.redis().configSet("slowlog-log-slower-than", "0");
    t.redis().configSet("slowlog-max-len", "100000");
    t.redis().slowlogReset();
    assertThat(reader.activeNodes().join()).hasSize(2_500); // full read
    assertThat(reader.activeNodes().join()).hasSize(2_500); // heartbeats only
    assertThat(reader.byService("svc-1", null).join()).hasSize(1_250);
    assertThat(calls("sscan")).isGreaterThanOrEqualTo(3);
    assertThat(calls("mget")).isGreaterThanOrEqualTo(6);
    for (Object entry : t.redis().slowlogGet(100_000)) {
      List<?> e = (List<?>) entry;
      List<?> args = (List<?>) e.get(3);
      String command = String.valueOf(args.get(0)).toLowerCase();
      assertThat(command).as("no script on the read path").isNotIn("eval", "evalsha");
      if (command.equals("mget")) {
        assertThat(args.size() - 1).isLessThanOrEqualTo(1000);
      }
    }
  }

  private void warm() {
    reader.activeNodes().join();
  }

  private void register(String id, String address, ServiceInfo... services) {
    writer.register(id, address, List.of(services)).join();
  }

  private long calls(String command) {
    for (String line : t.redis().info("commandstats").split("\r\n")) {
      if (line.startsWith("cmdstat_" + command + ":")) {
        return Long.parseLong(line.replaceAll("^cmdstat_[a-z]+:calls=(\\d+),.*$", "$1"));
      }
    }
    return 0;
  }

  private void assertSame(Function<RegistryReader, CompletableFuture<List<NodeInfo>>> read) {
    List<NodeInfo> cached = read.apply(reader).join();
    List<NodeInfo> viaScript = read.apply(scripted).join();
    assertThat(cached).containsExactlyInAnyOrderElementsOf(viaScript);
  }
}
