package dev.titan.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.titan.discovery.internal.wire.WireCodec;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded random bad input, 100k+ cases in all: garbage pub/sub messages (decoded directly and sent
 * through Redis; the listener is never stuck), malformed registry hashes and wrong key types
 * (queries never fail and still return the valid nodes), and random API arguments (an
 * IllegalArgumentException naming the argument and its value, or success, never anything else).
 * A failing seed is printed in the assertion message; rerun with it to reproduce.
 */
class BadInputFuzzTest extends RedisTestBase {

  private static final AtomicLong CASES = new AtomicLong();
  private static final String VALID_EVENT =
      "{\"type\":\"NODE_UPDATED\",\"nodeId\":\"n-1\",\"address\":\"10.0.0.1:80\","
          + "\"services\":[{\"name\":\"users\",\"version\":\"1.0.0\"}],\"timestamp\":1700000000000}";


  @AfterAll
  static void report() {
    System.out.printf("Bad input fuzz: %d cases%n", CASES.get());
  }

  // ------------------------------------------------------------------ generators

  private static String randomText(Random r, int max) {
    int len = r.nextInt(max + 1);
    StringBuilder b = new StringBuilder(len);
    for (int i = 0; i < len; i++) {
      switch (r.nextInt(6)) {
        case 0 -> b.append((char) r.nextInt(32)); // control characters
        case 1 -> b.append((char) (0xD800 + r.nextInt(0x800))); // lone surrogates
        case 2 -> b.append("{}[]\":,\\*?/ ".charAt(r.nextInt(12)));
        case 3 -> b.appendCodePoint(0x80 + r.nextInt(0x10000 - 0x80 - 0x800));
        default -> b.append((char) (32 + r.nextInt(95)));
      }
    }
    return b.toString();
  }

  private static String mutate(Random r, String s) {
    StringBuilder b = new StringBuilder(s);
    int edits = 1 + r.nextInt(4);
    for (int i = 0; i < edits && b.length() > 0; i++) {
      int at = r.nextInt(b.length());
      switch (r.nextInt(3)) {
        case 0 -> b.deleteCharAt(at);
        case 1 -> b.insert(at, randomText(r, 3));
        default -> b.setCharAt(at, "{}[]\":,0a-\\".charAt(r.nextInt(11)));
      }
    }
    return b.toString();
  }

  /** A bad (or occasionally accidentally valid) pub/sub message. */
  static String badMessage(Random r) {
    return switch (r.nextInt(12)) {
      case 0 -> randomText(r, 200);
      case 1, 2 -> mutate(r, VALID_EVENT);
      case 3 -> VALID_EVENT.substring(0, r.nextInt(VALID_EVENT.length()));
      case 4 -> VALID_EVENT.replace("\"n-1\"", List.of("1", "null", "[]", "{}", "true", "\"\"").get(r.nextInt(6)));
      case 5 -> VALID_EVENT.replace("[{\"name\":\"users\",\"version\":\"1.0.0\"}]",
          List.of("{}", "\"x\"", "[1,2]", "[null]", "[{\"name\":5}]", "[{\"version\":\"1\"}]", "[{\"name\":\"\"}]",
              "[{\"name\":\"a\\u0000b\"}]").get(r.nextInt(8)));
      case 6 -> VALID_EVENT.replace("1700000000000", List.of("\"x\"", "-1", "1e400", "null", "99999999999999999999999", "[]").get(r.nextInt(6)));
      case 7 -> VALID_EVENT.replace("NODE_UPDATED", List.of("", "node_updated", "NODE_EXPLODED", "null").get(r.nextInt(4)));
      case 8 -> "[".repeat(1 + r.nextInt(1200)) + "]".repeat(r.nextInt(1200));
      case 9 -> List.of("null", "0", "[]", "\"str\"", "true", "{}", "", " ", "\uFEFF{}").get(r.nextInt(9));
      case 10 -> "{\"type\":\"NODE_REGISTERED\",\"nodeId\":\"" + "x".repeat(r.nextInt(5000)) + "\",\"extra\":" + randomText(r, 50) + "}";
      default -> VALID_EVENT.replace("10.0.0.1:80", randomText(r, 30).replace("\"", "").replace("\\", ""));
    };
  }

  // ------------------------------------------------------------------ pub/sub

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {11, 12, 13, 14})
  void garbageMessagesNeverThrowAndNeverStickTheListener(long seed) {
    Random r = new Random(seed);
    long began = System.nanoTime();
    // 1. decoding alone: null or an event, never an exception
    for (int i = 0; i < 12_000; i++) {
      String m = badMessage(r);
      try {
        WireCodec.decodeEvent(m);
      } catch (RuntimeException e) {
        throw new AssertionError("seed " + seed + " case " + i + ": decodeEvent threw " + e + " for " + m, e);
      }
      CASES.incrementAndGet();
    }
    long decoded = System.nanoTime();
    // 2. through Redis to a running service, with a listener that sometimes throws
    DiscoveryService watcher = t.client();
    EventLog log = new EventLog();
    watcher.onEvent(e -> {
      if (e.nodeId().hashCode() % 64 == 0) {
        throw new IllegalStateException("listener failure");
      }
    });
    watcher.onEvent(log);
    RedisAsyncCommands<String, String> async = t.redis().getStatefulConnection().async();
    List<RedisFuture<Long>> sent = new ArrayList<>();
    for (int i = 0; i < 4_000; i++) {
      sent.add(async.publish(t.channel, badMessage(r)));
      CASES.incrementAndGet();
    }
    sent.forEach(f -> {
      try {
        f.get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    });
    String finalId = "final-" + seed;
    t.redis().publish(t.channel, VALID_EVENT.replace("\"n-1\"", "\"" + finalId + "\""));
    await().atMost(Duration.ofSeconds(10)).until(() -> log.has(DiscoveryEvent.Type.NODE_UPDATED, finalId));
    assertThat(watcher.status().eventsReceived()).isGreaterThanOrEqualTo(4_001);
    System.out.printf("seed %d: decode phase %d ms, pub/sub phase %d ms%n", seed, (decoded - began) / 1_000_000,
        (System.nanoTime() - decoded) / 1_000_000);
    assertThat(watcher.getActiveNodes().join()).isEmpty(); // still answers
  }

  // ------------------------------------------------------------------ registry

  /** Writes one piece of garbage under the prefix: a bad node hash or a key of the wrong type. */
  private void writeGarbage(Random r, String id) {
    String node = t.prefix + ":nodes:" + id;
    String hb = t.prefix + ":heartbeat:" + id;
    var redis = t.redis();
    if (r.nextBoolean()) {
      redis.sadd(t.prefix + ":index:nodes", id);
    }
    if (r.nextInt(3) == 0) {
      redis.sadd(t.prefix + ":index:services:users", id);
    }
    switch (r.nextInt(9)) {
      case 0 -> redis.set(node, randomText(r, 20));
      case 1 -> redis.rpush(node, "a", "b");
      case 2 -> redis.sadd(node, "x");
      case 3 -> redis.zadd(node, 1.0, "x");
      case 4 -> redis.hset(node, Map.of("address", randomText(r, 20))); // fields missing
      case 5 -> redis.hset(node, Map.of("address", "1.2.3.4:5", "services", badMessage(r), "timestamp", "1"));
      case 6 -> redis.hset(node, Map.of("address", "1.2.3.4:5", "services", "[]", "timestamp", randomText(r, 8)));
      case 7 -> redis.hset(node, Map.of("address", randomText(r, 30), "services",
          "[{\"name\":\"users\",\"version\":" + List.of("1", "null", "\"1\"", "[]").get(r.nextInt(4)) + "}]", "timestamp", "12"));
      default -> redis.hset(t.prefix + ":index:departing", id, randomText(r, 40)); // bad departing entry
    }
    switch (r.nextInt(4)) {
      case 0 -> redis.rpush(hb, "x"); // heartbeat of the wrong type
      case 1 -> redis.psetex(hb, 60_000, "1");
      case 2 -> redis.zadd(t.prefix + ":index:deadlines", r.nextDouble() * 1e13, id);
      default -> { } // no heartbeat
    }
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {21, 22})
  void malformedHashesAndWrongKeyTypesNeverFailQueries(long seed) {
    Random r = new Random(seed);
    t.node("good-1", "10.0.0.1:1", ServiceInfo.of("users", "1.0"));
    t.node("good-2", "10.0.0.2:1", ServiceInfo.of("users", "2.0"), ServiceInfo.of("orders"));
    t.writeTypeScriptNode("good-ts", "10.0.0.3:1", "[{\"name\":\"users\",\"version\":\"3.0\"}]", 60_000);
    DiscoveryService reader = t.client();
    Set<String> good = Set.of("good-1", "good-2", "good-ts");
    for (int round = 0; round < 40; round++) {
      for (int i = 0; i < 50; i++) {
        String id = switch (r.nextInt(4)) {
          case 0 -> "g-" + round + "-" + i;
          case 1 -> randomText(r, 12) + "-" + round + "-" + i; // ids no API call could make
          case 2 -> "g:" + round + ":" + i + ":x";
          default -> "*{tag}?" + round + "-" + i;
        };
        writeGarbage(r, id);
        CASES.incrementAndGet();
      }
      String ctx = "seed " + seed + " round " + round;
      Set<String> active = ids(reader.getActiveNodes().join());
      assertThat(active).as(ctx).containsAll(good);
      assertThat(ids(reader.getAllNodes().join())).as(ctx).containsAll(good);
      assertThat(ids(reader.findNodesByService("users").join())).as(ctx).containsAll(good);
      assertThat(ids(reader.findNodesByService("users", "2.0").join())).as(ctx).contains("good-2");
      assertThat(reader.getNodeInfo("good-1").join()).as(ctx).isPresent();
      assertThat(reader.getNodeInfo("g-" + round + "-0").join()).as(ctx).isNotNull();
      assertThat(reader.isNodeActive("good-ts").join()).as(ctx).isTrue();
      assertThat(reader.nodeExists("g-" + round + "-1").join()).as(ctx).isNotNull();
    }
    // a whole index of the wrong type: lookups by that service answer empty, others still work
    t.redis().set(t.prefix + ":index:services:broken", "x");
    assertThat(reader.findNodesByService("broken").join()).isEmpty();
    assertThat(ids(reader.getActiveNodes().join())).containsAll(good);
  }

  private static Set<String> ids(List<NodeInfo> nodes) {
    return nodes.stream().map(NodeInfo::nodeId).collect(Collectors.toSet());
  }

  // ------------------------------------------------------------------ API arguments

  private static String argument(Random r) {
    return switch (r.nextInt(8)) {
      case 0 -> randomText(r, 20);
      case 1 -> "node-" + r.nextInt(1000);
      case 2 -> "10.0.0." + r.nextInt(300) + ":" + (r.nextInt(70000) - 10);
      case 3 -> "[::" + Integer.toHexString(r.nextInt(65536)) + "]:" + r.nextInt(70000);
      case 4 -> List.of("", " ", "a b", "x*", "{tag}", "../x", "a\nb", "host:", ":80", "[::1", "h:0", "h:08").get(r.nextInt(12));
      case 5 -> "x".repeat(200 + r.nextInt(200));
      case 6 -> "svc-" + r.nextInt(50);
      default -> randomText(r, 3);
    };
  }

  /** Runs one call: success, or an IllegalArgumentException that names what and the value. */
  private static void expectCleanOutcome(long seed, int i, String what, String value, Supplier<?> call) {
    try {
      Object result = call.get();
      if (result instanceof java.util.concurrent.CompletableFuture<?> f) {
        f.get(5, TimeUnit.SECONDS);
      }
    } catch (IllegalArgumentException e) {
      String msg = String.valueOf(e.getMessage());
      if (!msg.contains(what)) {
        throw new AssertionError("seed " + seed + " case " + i + ": message does not name " + what + ": " + msg);
      }
      String shown = value.length() > 80 ? value.substring(0, 40) : value;
      boolean printable = shown.chars().noneMatch(Character::isISOControl);
      if (printable && !msg.contains(shown)) {
        throw new AssertionError("seed " + seed + " case " + i + ": message does not show the value '" + value + "': " + msg);
      }
    } catch (Exception e) {
      throw new AssertionError("seed " + seed + " case " + i + ": " + what + "('" + value + "') failed with " + e, e);
    }
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {31, 32})
  void randomApiArgumentsGiveSuccessOrANamedIllegalArgument(long seed) {
    Random r = new Random(seed);
    DiscoveryService d = t.node("api-node", "10.0.0.1:1", ServiceInfo.of("base"));
    Map<String, Integer> outcomes = new HashMap<>();
    for (int i = 0; i < 17_000; i++) {
      String a = argument(r);
      String b = argument(r);
      int kind = r.nextInt(i < 16_500 ? 9 : 13); // the last calls also go to Redis
      CASES.incrementAndGet();
      outcomes.merge("kind" + kind, 1, Integer::sum);
      switch (kind) {
        case 0 -> expectCleanOutcome(seed, i, "nodeId", a, () -> Discovery.builder().nodeId(a));
        case 1 -> expectCleanOutcome(seed, i, "address", a, () -> Discovery.builder().address(a));
        case 2 -> expectCleanOutcome(seed, i, "service name", a, () -> ServiceInfo.of(a));
        case 3 -> expectCleanOutcome(seed, i, "service version", b, () -> ServiceInfo.of("ok", b));
        case 4 -> expectCleanOutcome(seed, i, "redisPrefix", a, () -> DiscoveryOptions.builder().redisPrefix(a).build());
        case 5 -> expectCleanOutcome(seed, i, "pubSubChannel", a, () -> DiscoveryOptions.builder().pubSubChannel(a).build());
        case 6 -> {
          long ms = r.nextInt(20_000) - 100;
          expectCleanOutcome(seed, i, "heartbeatTtl", "", () -> DiscoveryOptions.builder().heartbeatTtl(Duration.ofMillis(ms)).build());
        }
        case 7 -> {
          int n = r.nextInt(10) - 5;
          expectCleanOutcome(seed, i, "maxRetries", Integer.toString(n), () -> DiscoveryOptions.builder().maxRetries(n).build());
        }
        case 8 -> expectCleanOutcome(seed, i, "redisUri", "", () -> Discovery.builder().redisUri("redis://" + a).build());
        case 9 -> expectCleanOutcome(seed, i, "nodeId", a, () -> d.getNodeInfo(a));
        case 10 -> expectCleanOutcome(seed, i, "address", b, () -> d.updateNodeAddress("unknown-node", b));
        case 11 -> expectCleanOutcome(seed, i, "service name", a, () -> d.findNodesByService(a));
        default -> expectCleanOutcome(seed, i, "nodeId", a, () -> d.isNodeActive(a));
      }
    }
    // the service is unharmed: still registered with its own data
    assertThat(d.getNodeInfo("api-node").join()).get().extracting(NodeInfo::address).isEqualTo("10.0.0.1:1");
    assertThat(t.redis().keys(t.prefix + ":nodes:*")).containsExactly(t.prefix + ":nodes:api-node");
    assertThat(outcomes).hasSizeGreaterThan(9);
  }
}
