package dev.titan.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.titan.discovery.internal.wire.WireCodec;
import dev.titan.discovery.testkit.RedisServer;
import dev.titan.discovery.testkit.RedisServerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a Java node writes and publishes, compared with what the TypeScript implementation wrote
 * and published (shared/fixtures/reference-wire), on the default prefix and channel.
 */
@ExtendWith(RedisServerExtension.class)
class WireCompatibilityTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private TestRedis t;

  @BeforeEach
  void setUp(RedisServer server) {
    t = new TestRedis(server, "titan:discovery");
    t.redis().flushall(); // this class owns its server
  }

  @AfterEach
  void tearDown() {
    t.close();
  }

  private DiscoveryService fixtureNode() {
    JsonNode node = Fixtures.nodeKeys().get("node");
    List<ServiceInfo> services = WireCodec.decodeServices(node.get("services").toString());
    DiscoveryOptions options = DiscoveryOptions.builder()
        .heartbeatInterval(Duration.ofMillis(300))
        .heartbeatTtl(Duration.ofMillis(Fixtures.nodeKeys().get("options").get("heartbeatTTL").longValue()))
        .pubSubEnabled(true)
        .build();
    return t.started(Discovery.builder().redisUri(t.server.uri()).options(options)
        .nodeId(node.get("nodeId").stringValue()).address(node.get("address").stringValue()).services(services));
  }

  @Test
  void registrationWritesTheReferenceKeysFieldsTypesAndTtls() {
    DiscoveryService d = fixtureNode();
    assertMatchesState("after_registerNode", d, false);
  }

  @Test
  void heartbeatRefreshesTimestampAndTtlsAndKeepsTheRest() {
    DiscoveryService d = fixtureNode();
    String first = t.redis().hget("titan:discovery:nodes:node-1", "timestamp");
    await().atMost(Duration.ofSeconds(5)).until(() -> !first.equals(t.redis().hget("titan:discovery:nodes:node-1", "timestamp")));
    assertMatchesState("after_heartbeat", d, false);
  }

  @Test
  void addressUpdateMatchesTheReference() {
    DiscoveryService d = fixtureNode();
    d.updateNodeAddress("node-1", "10.0.0.6:3000").join();
    assertMatchesState("after_updateNodeAddress", d, true);
  }

  @Test
  void gracefulStopLeavesNoKeysAtAll() {
    DiscoveryService d = fixtureNode();
    d.stop().join();
    assertThat(Fixtures.nodeKeys().get("states").get("after_deregister").size()).isZero();
    assertThat(t.redis().keys("titan:discovery:*")).isEmpty();
  }

  @Test
  void publishedEventsHaveTheReferenceShapeAndKeyOrder() throws Exception {
    List<String> published = t.recordChannel();
    DiscoveryService d = fixtureNode();
    d.updateNodeAddress("node-1", "10.0.0.6:3000").join();
    d.stop().join();
    await().atMost(Duration.ofSeconds(5)).until(() -> published.size() >= 3);
    List<String> reference = Fixtures.events();
    // the reference also publishes NODE_UPDATED on every heartbeat (line 2); we publish changes only
    List<String> expected = List.of(reference.get(0), reference.get(2), reference.get(3));
    assertThat(published).hasSize(3);
    for (int i = 0; i < 3; i++) {
      JsonNode ours = JSON.readTree(published.get(i));
      JsonNode theirs = JSON.readTree(expected.get(i));
      assertThat(fieldNames(ours)).containsExactlyElementsOf(fieldNames(theirs));
      for (String f : List.of("type", "nodeId", "address", "services")) {
        assertThat(ours.get(f)).as(f + " of event " + i).isEqualTo(theirs.get(f));
      }
      assertThat(ours.get("timestamp").isIntegralNumber()).isTrue();
      // byte for byte once the timestamp is the same
      String normalised = published.get(i).replaceAll("\"timestamp\":\\d+", "\"timestamp\":" + theirs.get("timestamp").longValue());
      assertThat(normalised).isEqualTo(expected.get(i));
    }
  }

  private void assertMatchesState(String state, DiscoveryService d, boolean afterUpdate) {
    JsonNode expected = Fixtures.nodeKeys().get("states").get(state);
    long ttl = Fixtures.nodeKeys().get("options").get("heartbeatTTL").longValue();
    for (JsonNode k : expected) {
      String key = k.get("key").stringValue();
      assertThat(t.redis().type(key)).as("type of " + key).isEqualTo(k.get("type").stringValue());
      String encoding = t.redis().objectEncoding(key);
      assertThat(encoding).as("encoding of " + key).isEqualTo(k.get("encoding").stringValue());
      long pttl = t.redis().pttl(key);
      long expectedPttl = k.get("pttl_ms_observed").longValue();
      if (expectedPttl < 0) {
        assertThat(pttl).as("pttl of " + key).isEqualTo(expectedPttl);
      } else {
        assertThat(pttl).as("pttl of " + key).isBetween(ttl - 2000, ttl);
      }
      switch (k.get("type").stringValue()) {
        case "hash" -> {
          Map<String, String> actual = t.redis().hgetall(key);
          Map<String, String> want = new HashMap<>();
          k.get("value").properties().forEach(e -> want.put(e.getKey(), e.getValue().stringValue()));
          assertThat(actual.keySet()).isEqualTo(want.keySet());
          assertThat(actual.get("address")).isEqualTo(want.get("address"));
          assertThat(actual.get("services")).isEqualTo(want.get("services"));
          assertThat(Long.parseLong(actual.get("timestamp"))).isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(60_000L));
        }
        case "string" -> {
          // the heartbeat value is the same epoch-ms string as the hash's timestamp field
          String nodeKey = key.replace(":heartbeat:", ":nodes:");
          String value = t.redis().get(key);
          assertThat(value).matches("\\d{13}");
          if (!afterUpdate) {
            assertThat(value).isEqualTo(t.redis().hget(nodeKey, "timestamp"));
          }
        }
        case "set" -> {
          List<String> want = new ArrayList<>();
          k.get("value").forEach(v -> want.add(v.stringValue()));
          assertThat(t.redis().smembers(key)).containsExactlyInAnyOrderElementsOf(want);
        }
        default -> throw new AssertionError("unexpected type in fixture: " + k);
      }
    }
  }

  private static List<String> fieldNames(JsonNode n) {
    List<String> names = new ArrayList<>();
    n.propertyNames().forEach(names::add);
    return names;
  }
}
