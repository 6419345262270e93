package dev.titan.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.titan.discovery.internal.Keys;
import dev.titan.discovery.internal.registry.RegistryReader;
import dev.titan.discovery.internal.registry.RegistryWriter;
import dev.titan.discovery.testkit.RedisServer;
import dev.titan.discovery.testkit.RedisServerExtension;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Lists are read with one native {@code SORT … GET} per set where Redis allows it, else with the
 * query script: both must give the same answers, whatever the registry holds.
 */
@ExtendWith(RedisServerExtension.class)
class NativeReadsTest {

  private TestRedis t;
  private RegistryReader sorted;
  private RegistryReader scripted;

  @BeforeEach
  void setUp(RedisServer server) {
    t = new TestRedis(server);
    Keys keys = new Keys(t.prefix);
    RegistryWriter writer = new RegistryWriter(t.async(), keys, 1000, t.channel);
    sorted = new RegistryReader(t.async(), keys, writer, true);
    scripted = new RegistryReader(t.async(), keys, writer, false);
  }

  @AfterEach
  void tearDown() {
    t.close();
  }

  @Test
  void nativeReadsAndTheScriptAgreeOnEveryList() {
    t.node("a", "10.0.0.1:80", ServiceInfo.of("users", "1.0.0"), ServiceInfo.of("auth"));
    t.node("b", "10.0.0.2:80", ServiceInfo.of("users", "2.0.0"));
    t.node("c", "[::1]:8080", ServiceInfo.of("billing", "1.0.0"), ServiceInfo.of("users", "1.0.0"));
    // a TypeScript node, adopted by the sweeper of the nodes above
    t.writeTypeScriptNode("ts-1", "10.9.9.9:3000", "[{\"name\":\"users\",\"version\":\"1.0.0\"},{\"name\":\"legacy\"}]", 60_000);
    await().atMost(Duration.ofSeconds(5)).until(() -> t.redis().sismember(t.prefix + ":index:foreign", "ts-1"));
    malformedEntries();
    // the sweeper adopts them too; until then a read by service is the script's (next test)
    await().atMost(Duration.ofSeconds(5))
        .until(() -> t.redis().scard(t.prefix + ":index:nodes") <= t.redis().zcard(t.prefix + ":index:deadlines"));

    long sorts = sortCalls();
    assertSame(RegistryReader::activeNodes);
    assertSame(RegistryReader::allNodes);
    for (String name : List.of("users", "auth", "billing", "legacy", "nobody")) {
      assertSame(r -> r.byService(name, null));
      for (String version : Arrays.asList("1.0.0", "2.0.0", "9")) {
        assertSame(r -> r.byService(name, version));
      }
    }
    // 2 full reads, 20 by service (two SORTs each: the index and index:foreign)
    assertThat(sortCalls() - sorts).as("native reads really ran").isGreaterThanOrEqualTo(42);
    // m4's heartbeat key is a set: alive for EXISTS, as for the reference; adopted as foreign
    assertThat(sorted.byService("users", "1.0.0").join()).extracting(NodeInfo::nodeId).containsExactlyInAnyOrder("a", "c", "ts-1", "m4");
    assertThat(sorted.activeNodes().join()).extracting(NodeInfo::nodeId).containsExactlyInAnyOrder("a", "b", "c", "ts-1", "m4");
  }

  @Test
  void aTypeScriptNodeNotAdoptedYetIsFoundByBoth() {
    // no node of ours runs a sweeper here, so nothing adopts it: the native read hands over to the script
    new RegistryWriter(t.async(), new Keys(t.prefix), 60_000, t.channel)
        .register("j", "10.0.0.7:80", List.of(ServiceInfo.of("users"))).join();
    t.writeTypeScriptNode("ts-2", "10.9.9.8:3000", "[{\"name\":\"users\"}]", 60_000);
    assertSame(r -> r.byService("users", null));
    assertThat(sorted.byService("users", null).join()).extracting(NodeInfo::nodeId).containsExactlyInAnyOrder("j", "ts-2");
  }

  @Test
  void deadMembersAreLeftOutAndRemovedByBoth() {
    RegistryWriter writer = new RegistryWriter(t.async(), new Keys(t.prefix), 60_000, t.channel);
    for (String id : List.of("d1", "d2", "live")) {
      writer.register(id, "10.0.0.3:80", List.of(ServiceInfo.of("users"))).join();
    }
    t.redis().del(t.prefix + ":heartbeat:d1");
    assertThat(sorted.byService("users", null).join()).extracting(NodeInfo::nodeId).containsExactlyInAnyOrder("d2", "live");
    assertThat(t.redis().exists(t.prefix + ":nodes:d1")).isZero();
    t.redis().del(t.prefix + ":heartbeat:d2");
    assertThat(scripted.byService("users", null).join()).extracting(NodeInfo::nodeId).containsExactly("live");
    assertThat(t.redis().exists(t.prefix + ":nodes:d2")).isZero();
    assertThat(t.redis().smembers(t.prefix + ":index:services:users")).containsExactly("live");
  }

  @Test
  void aFullRedisStillAnswersLookups() {
    RegistryWriter writer = new RegistryWriter(t.async(), new Keys(t.prefix), 60_000, t.channel);
    for (String id : List.of("f1", "f2")) {
      writer.register(id, "10.0.0.4:80", List.of(ServiceInfo.of("users"))).join();
    }
    t.redis().configSet("maxmemory-policy", "noeviction");
    t.redis().configSet("maxmemory", "1");
    try {
      // Redis is full: it refuses writes, SORT among them (flagged denyoom), so the native read
      // gives way to the query script for each call
      assertThatThrownBy(() -> t.redis().set(t.prefix + ":probe", "x")).hasMessageContaining("OOM");
      for (RegistryReader r : List.of(sorted, scripted)) {
        assertThat(r.byService("users", null).join()).extracting(NodeInfo::nodeId).containsExactlyInAnyOrder("f1", "f2");
        assertThat(r.activeNodes().join()).extracting(NodeInfo::nodeId).containsExactlyInAnyOrder("f1", "f2");
      }
    } finally {
      t.redis().configSet("maxmemory", "0");
    }
  }

  private void malformedEntries() {
    t.writeMalformedNodes();
    // m4 (heartbeat key of the wrong type) offers a service, so that lookups by service meet it
    t.redis().hset(t.prefix + ":nodes:m4", "services", "[{\"name\":\"users\",\"version\":\"1.0.0\"}]");
    // ids in a service index that are not nodes at all
    t.redis().sadd(t.prefix + ":index:services:users", "ghost", "m3");
  }

  private long sortCalls() {
    for (String line : t.redis().info("commandstats").split("\r\n")) {
      if (line.startsWith("cmdstat_sort:")) {
        return Long.parseLong(line.replaceAll("^cmdstat_sort:calls=(\\d+),.*$", "$1"));
      }
    }
    return 0;
  }

  /**
   * Both readers answer the same nodes. Timestamps are compared only where nobody heartbeats
   * between the two reads: the nodes started here renew every 200 ms.
   */
  private void assertSame(Function<RegistryReader, java.util.concurrent.CompletableFuture<List<NodeInfo>>> read) {
    List<NodeInfo> viaSort = read.apply(sorted).join();
    List<NodeInfo> viaScript = read.apply(scripted).join();
    assertThat(withoutRenewedTimestamps(viaSort)).containsExactlyInAnyOrderElementsOf(withoutRenewedTimestamps(viaScript));
  }

  private static List<NodeInfo> withoutRenewedTimestamps(List<NodeInfo> nodes) {
    return nodes.stream()
        .map(n -> List.of("a", "b", "c").contains(n.nodeId()) ? new NodeInfo(n.nodeId(), n.address(), n.services(), 0) : n)
        .toList();
  }
}
