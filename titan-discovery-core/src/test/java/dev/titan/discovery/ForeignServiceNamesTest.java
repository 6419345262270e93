package dev.titan.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.titan.discovery.internal.Keys;
import dev.titan.discovery.internal.registry.RegistryReader;
import dev.titan.discovery.internal.registry.RegistryWriter;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The TypeScript implementation accepts any string as a service name. Validation applies to what
 * we write and to callers' arguments, never to what we read: a TypeScript node offering a name
 * with a control character (or a blank one) is still listed, and found by its other services, by
 * every read path.
 */
class ForeignServiceNamesTest extends RedisTestBase {

  private static final Duration WAIT = Duration.ofSeconds(15);
  /** JSON.stringify of [{name:'a\u0001b'},{name:''},{name:'web',version:'1'}]. */
  private static final String SERVICES = "[{\"name\":\"a\\u0001b\"},{\"name\":\"\"},{\"name\":\"web\",\"version\":\"1\"}]";

  private RegistryReader reader(boolean nativeReads) {
    Keys keys = new Keys(t.prefix);
    return new RegistryReader(t.async(), keys, new RegistryWriter(t.async(), keys, 60_000, t.channel), nativeReads);
  }

  @ParameterizedTest(name = "native reads {0}")
  @ValueSource(booleans = {true, false})
  void aTypeScriptNodeWithAControlCharacterInAServiceNameIsReadByEveryPath(boolean nativeReads) {
    new RegistryWriter(t.async(), new Keys(t.prefix), 60_000, t.channel)
        .register("java-1", "10.0.0.1:80", List.of(ServiceInfo.of("web", "1"))).join();
    t.writeTypeScriptNode("ts-1", "10.0.0.7:3000", SERVICES, 60_000);
    RegistryReader r = reader(nativeReads);

    // not adopted yet (no sweeper here), then adopted as the sweeper does it
    for (int round = 0; round < 2; round++) {
      assertThat(r.activeNodes().join()).extracting(NodeInfo::nodeId).containsExactlyInAnyOrder("java-1", "ts-1");
      assertThat(r.allNodes().join()).extracting(NodeInfo::nodeId).containsExactlyInAnyOrder("java-1", "ts-1");
      assertThat(r.byService("web", "1").join()).extracting(NodeInfo::nodeId).containsExactlyInAnyOrder("java-1", "ts-1");
      NodeInfo ts = r.node("ts-1").join().orElseThrow();
      assertThat(ts.services()).extracting(ServiceInfo::name).containsExactly("a\u0001b", "", "web");
      assertThat(r.snapshot().join().nodes()).extracting(NodeInfo::nodeId).containsExactlyInAnyOrder("java-1", "ts-1");
      new RegistryWriter(t.async(), new Keys(t.prefix), 60_000, t.channel).sweep("sweeper", 2_000).join();
      assertThat(t.redis().sismember(t.prefix + ":index:foreign", "ts-1")).isTrue();
    }
  }

  @Test
  void whatWeWriteIsStillValidated() {
    ServiceInfo bad = new ServiceInfo("a\u0001b", null); // as read: accepted
    assertThatThrownBy(() -> ServiceInfo.of("a\u0001b")).hasMessageContaining("U+0001");
    DiscoveryService client = t.client();
    assertThatThrownBy(() -> client.registerService(bad)).hasMessageContaining("service name");
    assertThatThrownBy(() -> client.updateServices(List.of(bad))).hasMessageContaining("service name");
    assertThatThrownBy(() -> client.registerNode("n1", "10.0.0.1:80", List.of(new ServiceInfo(" ", null))))
        .hasMessageContaining("blank");
    assertThatThrownBy(() -> client.updateNodeServices("n1", List.of(new ServiceInfo("a", "v\n1"))))
        .hasMessageContaining("service version");
    assertThatThrownBy(() -> Discovery.builder().services(List.of(bad))).hasMessageContaining("service name");
  }

  @Test
  void aServiceWithAViewListsAndFindsItAndHearsItsEvents() {
    DiscoveryService client = t.client();
    EventLog log = new EventLog();
    client.onEvent(log);
    RegistryView view = client.view();
    view.ready().join();
    t.writeTypeScriptNode("ts-1", "10.0.0.7:3000", SERVICES, 60_000);
    t.redis().publish(t.channel, "{\"type\":\"NODE_REGISTERED\",\"nodeId\":\"ts-1\",\"address\":\"10.0.0.7:3000\","
        + "\"services\":" + SERVICES + ",\"timestamp\":1}");

    assertThat(client.getActiveNodes().join()).extracting(NodeInfo::nodeId).containsExactly("ts-1");
    assertThat(client.findNodesByService("web", "1").join()).extracting(NodeInfo::nodeId).containsExactly("ts-1");
    await().atMost(WAIT).until(() -> log.has(DiscoveryEvent.Type.NODE_REGISTERED, "ts-1"));
    await().atMost(WAIT).until(() -> view.findNodesByService("web", "1").size() == 1);
    assertThat(view.findNodesByService("a\u0001b")).extracting(NodeInfo::nodeId).containsExactly("ts-1");
    assertThat(view.nodes()).extracting(NodeInfo::nodeId).containsExactly("ts-1");
  }
}
