package dev.titan.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.titan.discovery.internal.Validation;
import dev.titan.discovery.internal.node.NodeIdentity;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ValidationTest {

  @ParameterizedTest
  @ValueSource(strings = {"node-1", "titan-12345-1795746061212-a7b8c9", "a.b_c:d@e", "ñodo-ü", "x"})
  void goodNodeIds(String id) {
    assertThat(Validation.nodeId(id)).isEqualTo(id);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a b", "a*", "a?", "{tag}", "a/b", "a\nb", "x\u0000y", "q\"uote"})
  void badNodeIdsAreRefusedNamingTheValue(String id) {
    assertThatThrownBy(() -> Validation.nodeId(id))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nodeId");
  }

  @Test
  void overlongNodeIdIsRefused() {
    assertThatThrownBy(() -> Validation.nodeId("a".repeat(257))).hasMessageContaining("nodeId").hasMessageContaining("257 chars");
  }

  @ParameterizedTest
  @ValueSource(strings = {"10.0.0.5:3000", "localhost:1", "my-host.example.com:65535", "[::1]:80", "[fe80::1%eth0]:8080", "[2001:db8::1]:443"})
  void goodAddresses(String address) {
    assertThat(Validation.address(address)).isEqualTo(address);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "host", "host:", ":80", "host:0", "host:65536", "host:abc", "::1:80", "[::1:80", "[]:80", "ho st:80", "host:080", "h\"ost:80"})
  void badAddressesAreRefusedNamingTheValue(String address) {
    assertThatThrownBy(() -> Validation.address(address))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("address")
        .hasMessageContaining("'" + address.replace("\"", "\""));
  }

  @Test
  void serviceNamesAllowQuotesBackslashesAndNonAscii() {
    assertThat(ServiceInfo.of("we\"ird\\näme ✓", "1.0 \"beta\"").name()).isEqualTo("we\"ird\\näme ✓");
    assertThatThrownBy(() -> ServiceInfo.of(" ")).hasMessageContaining("service name");
    assertThatThrownBy(() -> ServiceInfo.of("a\tb")).hasMessageContaining("service name").hasMessageContaining("U+0009");
    assertThatThrownBy(() -> ServiceInfo.of("a", "v\n1")).hasMessageContaining("service version");
    assertThatThrownBy(() -> ServiceInfo.of("x".repeat(300))).hasMessageContaining("at most 256");
  }

  @Test
  void serviceListsWithNullsAreRefused() {
    java.util.List<ServiceInfo> withNull = new java.util.ArrayList<>();
    withNull.add(ServiceInfo.of("a"));
    withNull.add(null);
    assertThatThrownBy(() -> Validation.services(withNull)).hasMessageContaining("index 1");
  }

  @Test
  void generatedNodeIdsFollowTheSpecAndAreValid() {
    String id = NodeIdentity.generateNodeId();
    assertThat(id).matches("titan-\\d+-\\d{13}-[0-9a-z]{6}");
    assertThat(Validation.nodeId(id)).isEqualTo(id);
    assertThat(NodeIdentity.generateNodeId()).isNotEqualTo(id);
  }

  @Test
  void addressDetectionUsesTheEnvironmentFirst() {
    assertThat(NodeIdentity.detectAddress(Map.of("HOST", "h1", "PORT", "81")::get)).isEqualTo("h1:81");
    assertThat(NodeIdentity.detectAddress(Map.of("TITAN_HOST", "t", "HOST", "h", "TITAN_PORT", "9")::get)).isEqualTo("t:9");
    assertThat(NodeIdentity.detectAddress(Map.of("HOST", "::1")::get)).isEqualTo("[::1]:3000");
    String detected = NodeIdentity.detectAddress(Map.<String, String>of()::get);
    assertThat(detected).endsWith(":3000");
    assertThat(Validation.address(detected)).isEqualTo(detected);
  }

  @Test
  void aDetectedAddressFromBadVariablesIsRefusedNamingTheVariableAndValue() {
    assertThatThrownBy(() -> NodeIdentity.detectAddress(Map.of("PORT", "abc")::get))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PORT='abc'");
    assertThatThrownBy(() -> NodeIdentity.detectAddress(Map.of("TITAN_PORT", "70000", "PORT", "80")::get))
        .hasMessageContaining("TITAN_PORT='70000'");
    assertThatThrownBy(() -> NodeIdentity.detectAddress(Map.of("HOST", "bad host", "PORT", "80")::get))
        .hasMessageContaining("HOST='bad host'");
  }

  @Test
  void buildFailsOnABadPortVariable() throws Exception {
    // build() reads the real process environment: run it in a child JVM with PORT=abc
    ProcessBuilder pb = new ProcessBuilder(
        java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), BuildMain.class.getName());
    pb.environment().remove("TITAN_PORT");
    pb.environment().put("PORT", "abc");
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(out).contains("REFUSED").contains("PORT='abc'");
  }

  /** Builds a service with the detected address and prints what happened. */
  public static final class BuildMain {
    private BuildMain() {}

    /**
     * Entry point.
     *
     * @param args unused
     */
    public static void main(String[] args) {
      try {
        Discovery.builder().build();
        System.out.println("BUILT");
      } catch (IllegalArgumentException e) {
        System.out.println("REFUSED " + e.getMessage());
      }
    }
  }
}
