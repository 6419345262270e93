package dev.titan.discovery.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.NodeStatus;
import dev.titan.discovery.ServiceInfo;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.cloud.client.ServiceInstance;

/** Nodes of the registry become Spring Cloud service instances. */
class TitanServiceInstancesTest {

  @ParameterizedTest
  @CsvSource({
    "10.0.0.1:8080, 10.0.0.1, 8080",
    "my-host.example:80, my-host.example, 80",
    "'[::1]:9000', '[::1]', 9000",
    "'[fe80::1]:1', '[fe80::1]', 1"
  })
  void parsesHostAndPort(String address, String host, int port) {
    assertThat(TitanServiceInstances.HostPort.parse(address)).isEqualTo(new TitanServiceInstances.HostPort(host, port));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "host", "host:", ":80", "host:http", "host:0", "host:70000", "::1"})
  void rejectsAddressesWithoutAUsablePort(String address) {
    assertThat(TitanServiceInstances.HostPort.parse(address)).isNull();
  }

  @Test
  void mapsNodesWithVersionAndNodeIdMetadata() {
    List<ServiceInstance> list = TitanServiceInstances.toInstances("users", List.of(
        new NodeInfo("n1", "[::1]:8080", List.of(ServiceInfo.of("other", "9"), ServiceInfo.of("users", "1.0.0")), 1L),
        new NodeInfo("n2", "10.0.0.2:81", List.of(ServiceInfo.of("users")), 1L),
        new NodeInfo("n3", "no-port", List.of(ServiceInfo.of("users")), 1L)));
    assertThat(list).hasSize(2);
    ServiceInstance first = list.get(0);
    assertThat(first.getInstanceId()).isEqualTo("n1");
    assertThat(first.getServiceId()).isEqualTo("users");
    assertThat(first.getHost()).isEqualTo("[::1]");
    assertThat(first.getPort()).isEqualTo(8080);
    assertThat(first.isSecure()).isFalse();
    assertThat(first.getUri().toString()).isEqualTo("http://[::1]:8080");
    assertThat(first.getMetadata()).containsExactlyInAnyOrderEntriesOf(
        java.util.Map.of("version", "1.0.0", "nodeId", "n1", "weight", "1", "status", "UP"));
    assertThat(list.get(1).getMetadata()).containsExactlyInAnyOrderEntriesOf(
        java.util.Map.of("nodeId", "n2", "weight", "1", "status", "UP"));
  }

  @Test
  void carriesTheNodesMetadataZoneAndWeightAndHandsOutOnlyUpNodes() {
    java.util.Map<String, String> meta = java.util.Map.of("zone", "eu-1", "weight", "4", "hint", "canary", "tier", "gold");
    List<ServiceInstance> list = TitanServiceInstances.toInstances("users", List.of(
        new NodeInfo("up", "10.0.0.1:80", List.of(ServiceInfo.of("users", "2.0")), 1L, NodeStatus.UP, meta),
        new NodeInfo("draining", "10.0.0.2:80", List.of(ServiceInfo.of("users")), 1L, NodeStatus.DRAINING, meta),
        new NodeInfo("out", "10.0.0.3:80", List.of(ServiceInfo.of("users")), 1L, NodeStatus.OUT_OF_SERVICE, meta),
        new NodeInfo("bad-weight", "10.0.0.4:80", List.of(ServiceInfo.of("users")), 1L, NodeStatus.UP,
            java.util.Map.of("weight", "heavy", "version", "from-metadata"))));
    assertThat(list).extracting(ServiceInstance::getInstanceId).containsExactly("up", "bad-weight");
    assertThat(list.get(0).getMetadata()).containsExactlyInAnyOrderEntriesOf(java.util.Map.of(
        "zone", "eu-1", "weight", "4", "hint", "canary", "tier", "gold", "version", "2.0", "status", "UP", "nodeId", "up"));
    // a weight another writer stored unusably reads as 1; metadata "version" is kept when the service has none
    assertThat(list.get(1).getMetadata()).containsEntry("weight", "1").containsEntry("version", "from-metadata");
  }

  @ParameterizedTest
  @CsvSource({"UP, UP", "up, UP", "DRAINING, DRAINING", "OUT_OF_SERVICE, OUT_OF_SERVICE", "DOWN, OUT_OF_SERVICE", "down, OUT_OF_SERVICE"})
  void registryStatusNamesMapToNodeStatus(String given, NodeStatus expected) {
    assertThat(TitanServiceRegistry.parseStatus(given)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "STARTING", "UNKNOWN", "OUT OF SERVICE"})
  void unknownRegistryStatusFailsNamingTheValue(String given) {
    org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
        .isThrownBy(() -> TitanServiceRegistry.parseStatus(given))
        .withMessageContaining("'" + given + "'");
  }

  @Test
  void registrationBracketsIpv6AndCarriesItsService() {
    TitanRegistration r = new TitanRegistration("id-1", "users", "::1", 8080, "2.0");
    assertThat(r.getAddress()).isEqualTo("[::1]:8080");
    assertThat(r.getUri().toString()).isEqualTo("http://[::1]:8080");
    assertThat(r.getServices()).containsExactly(ServiceInfo.of("users", "2.0"));
    assertThat(r.getMetadata()).containsEntry("version", "2.0").containsEntry("nodeId", "id-1");
  }
}
