package dev.titan.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.titan.discovery.internal.wire.WireCodec;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WireCodecTest {

  @Test
  void servicesEncodeExactlyAsTheReferenceStoresThem() {
    String stored = Fixtures.nodeKeys().get("states").get("after_registerNode").get(2).get("value").get("services").stringValue();
    List<ServiceInfo> services = List.of(ServiceInfo.of("user-service", "1.0.0"), ServiceInfo.of("auth-service"));
    assertThat(WireCodec.encodeServices(services)).isEqualTo(stored);
    assertThat(WireCodec.decodeServices(stored)).isEqualTo(services);
  }

  @Test
  void referenceEventsDecodeAndEncodeBackByteForByte() {
    for (String line : Fixtures.events()) {
      DiscoveryEvent e = WireCodec.decodeEvent(line);
      assertThat(e).as(line).isNotNull();
      assertThat(WireCodec.encodeEvent(e)).isEqualTo(line);
    }
    DiscoveryEvent first = WireCodec.decodeEvent(Fixtures.events().get(0));
    assertThat(first.type()).isEqualTo(DiscoveryEvent.Type.NODE_REGISTERED);
    assertThat(first.nodeId()).isEqualTo("node-1");
    assertThat(first.services()).containsExactly(ServiceInfo.of("user-service", "1.0.0"), ServiceInfo.of("auth-service"));
    assertThat(first.timestamp()).isEqualTo(1795746061215L);
  }

  @Test
  void awkwardTextSurvivesTheRoundTrip() {
    List<ServiceInfo> services = List.of(ServiceInfo.of("q\"uote\\back/slash", "ü✓ 日本"), ServiceInfo.of("\u2028sep"));
    assertThat(WireCodec.decodeServices(WireCodec.encodeServices(services))).isEqualTo(services);
    DiscoveryEvent e = new DiscoveryEvent(DiscoveryEvent.Type.NODE_UPDATED, "n", "[::1]:80", services, 5);
    assertThat(WireCodec.decodeEvent(WireCodec.encodeEvent(e))).isEqualTo(e);
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "", "garbage", "null", "[]", "42", "{}", "{\"type\":\"NODE_EXPLODED\",\"nodeId\":\"n\"}",
    "{\"type\":\"NODE_UPDATED\"}", "{\"type\":\"NODE_UPDATED\",\"nodeId\":5}",
    "{\"type\":\"NODE_UPDATED\",\"nodeId\":\"n\",\"services\":\"x\"}",
    "{\"type\":\"NODE_UPDATED\",\"nodeId\":\"n\",\"services\":[{\"version\":\"1\"}]}",
    "{\"type\":\"NODE_UPDATED\",\"nodeId\":\"n\",\"address\":{}}",
    "{\"type\":\"NODE_UPDATED\",\"nodeId\":\"n\"", "\u0000\u0001"
  })
  void malformedEventsDecodeToNull(String text) {
    assertThat(WireCodec.decodeEvent(text)).isNull();
  }

  @Test
  void lenientWhereTheReferenceIs() {
    DiscoveryEvent e = WireCodec.decodeEvent("{\"type\":\"NODE_DEREGISTERED\",\"nodeId\":\"n\",\"extra\":1,\"services\":[{\"name\":\"a\",\"version\":null,\"meta\":{}}]}");
    assertThat(e).isNotNull();
    assertThat(e.address()).isEmpty();
    assertThat(e.services()).containsExactly(ServiceInfo.of("a"));
    assertThat(e.timestamp()).isZero();
  }

  @Test
  void serviceNamesAreReadAsWrittenWhateverTheyHold() {
    // the TypeScript implementation accepts any string; only what we write is validated
    assertThat(WireCodec.decodeServices("[{\"name\":\"\"},{\"name\":\"a\\u0001b\",\"version\":\"\\n\"}]"))
        .containsExactly(new ServiceInfo("", null), new ServiceInfo("a\u0001b", "\n"));
    DiscoveryEvent e = WireCodec.decodeEvent("{\"type\":\"NODE_UPDATED\",\"nodeId\":\"n\",\"services\":[{\"name\":\"\"}]}");
    assertThat(e).isNotNull();
    assertThat(e.services()).containsExactly(new ServiceInfo("", null));
  }

  @Test
  void malformedServiceFieldsDecodeToNull() {
    for (String s : List.of("", "x", "{}", "[1]", "[{\"name\":1}]", "[{\"name\":\"a\",\"version\":2}]", "[null]")) {
      assertThat(WireCodec.decodeServices(s)).as(s).isNull();
    }
    assertThat(WireCodec.decodeServices("[]")).isEmpty();
  }
}
