package dev.titan.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Instance state across implementations: the TypeScript implementation's own reading code
 * (reproduced from the spec: HGETALL, then address, services and timestamp as strings, services
 * JSON-parsed; events JSON-parsed) reads a Java node that carries a status and metadata; a
 * TypeScript-written node and a TypeScript event read as UP with no metadata in Java.
 */
class InstanceStateWireTest extends RedisTestBase {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** What the TypeScript implementation's getActiveNodes makes of a node hash, or null when it would drop it. */
  private static Map<String, Object> typeScriptRead(String nodeId, Map<String, String> hash, boolean heartbeat) {
    String address = hash.get("address");
    String servicesRaw = hash.get("services");
    String timestampRaw = hash.get("timestamp");
    if (!heartbeat || address == null || address.isEmpty() || servicesRaw == null || servicesRaw.isEmpty()
        || timestampRaw == null || timestampRaw.isEmpty()) {
      return null;
    }
    JsonNode services;
    try {
      services = JSON.readTree(servicesRaw);
    } catch (RuntimeException e) {
      return null;
    }
    return Map.of("nodeId", nodeId, "address", address, "services", services, "timestamp", Double.parseDouble(timestampRaw));
  }

  @Test
  void theTypeScriptReadingCodeReadsAJavaNodeWithStatusAndMetadata() {
    DiscoveryService a = t.started(t.builder().nodeId("java-1").address("10.0.0.1:8080")
        .services(List.of(ServiceInfo.of("orders", "2.1.0"), ServiceInfo.of("auth")))
        .metadata(Map.of("zone", "eu-1", "weight", "4", "tier", "gold")));
    a.setStatus(NodeStatus.DRAINING).join();
    Map<String, String> hash = t.redis().hgetall(t.prefix + ":nodes:java-1");
    boolean heartbeat = t.redis().exists(t.prefix + ":heartbeat:java-1") == 1;
    Map<String, Object> read = typeScriptRead("java-1", hash, heartbeat);
    assertThat(read).isNotNull();
    assertThat(read.get("address")).isEqualTo("10.0.0.1:8080");
    assertThat(read.get("services").toString()).isEqualTo("[{\"name\":\"orders\",\"version\":\"2.1.0\"},{\"name\":\"auth\"}]");
    // the reference's fields are untouched; ours come next to them
    assertThat(hash).containsOnlyKeys("address", "services", "timestamp", "status", "metadata");
    assertThat(t.redis().ttl(t.prefix + ":nodes:java-1")).isPositive();
  }

  @Test
  void eventsOfAJavaNodeWithStateParseAsTheReferencesWithExtraMembers() throws Exception {
    List<String> published = t.recordChannel();
    DiscoveryService a = t.started(t.builder().nodeId("java-1").address("10.0.0.1:8080")
        .services(List.of(ServiceInfo.of("orders", "2.1.0"))).metadata(Map.of("zone", "eu-1")));
    a.setStatus(NodeStatus.OUT_OF_SERVICE).join();
    a.setStatus(NodeStatus.UP).join();
    a.updateMetadata(Map.of()).join();
    await().atMost(Duration.ofSeconds(5)).until(() -> published.size() >= 4);
    List<String> fields = new ArrayList<>();
    for (String message : published) {
      JsonNode e = JSON.readTree(message); // what JSON.parse gives a TypeScript listener
      List<String> names = new ArrayList<>();
      e.propertyNames().forEach(names::add);
      assertThat(names.subList(0, 5)).containsExactly("type", "nodeId", "address", "services", "timestamp");
      fields.add(String.join(",", names.subList(5, names.size())));
    }
    assertThat(fields).as("extra members of %s", published).containsExactly("metadata", "status,metadata", "metadata", "");
    // the last one (UP, no metadata) is the reference's shape exactly
    assertThat(published.get(3)).matches("\\{\"type\":\"NODE_UPDATED\",\"nodeId\":\"java-1\",\"address\":\"10\\.0\\.0\\.1:8080\","
        + "\"services\":\\[\\{\"name\":\"orders\",\"version\":\"2\\.1\\.0\"}],\"timestamp\":\\d+}");
  }

  @Test
  void aTypeScriptNodeAndItsEventsReadAsUpWithoutMetadata() {
    DiscoveryService watcher = t.client();
    EventLog log = new EventLog();
    watcher.onEvent(log);
    t.writeTypeScriptNode("ts-1", "10.0.0.7:80", "[{\"name\":\"orders\",\"version\":\"2.3.0\"}]", 30_000);
    t.redis().publish(t.channel, "{\"type\":\"NODE_REGISTERED\",\"nodeId\":\"ts-1\",\"address\":\"10.0.0.7:80\","
        + "\"services\":[{\"name\":\"orders\",\"version\":\"2.3.0\"}],\"timestamp\":1}");
    NodeInfo n = watcher.getNodeInfo("ts-1").join().orElseThrow();
    assertThat(n.status()).isEqualTo(NodeStatus.UP);
    assertThat(n.metadata()).isEmpty();
    assertThat(n.weight()).isEqualTo(1);
    assertThat(watcher.find(ServiceQuery.service("orders").versionRange("^2.3").status(NodeStatus.UP).build()).join())
        .extracting(NodeInfo::nodeId).containsExactly("ts-1");
    await().atMost(Duration.ofSeconds(5)).until(() -> log.has(DiscoveryEvent.Type.NODE_REGISTERED, "ts-1"));
    DiscoveryEvent e = log.events().get(0);
    assertThat(e.status()).isEqualTo(NodeStatus.UP);
    assertThat(e.metadata()).isEmpty();
    // an operator may set a TypeScript node's status: stored next to its fields, read by Java
    watcher.setNodeStatus("ts-1", NodeStatus.OUT_OF_SERVICE).join();
    assertThat(watcher.getNodeInfo("ts-1").join()).map(NodeInfo::status).contains(NodeStatus.OUT_OF_SERVICE);
    assertThat(typeScriptRead("ts-1", t.redis().hgetall(t.prefix + ":nodes:ts-1"), true)).isNotNull();
  }
}
