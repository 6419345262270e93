package dev.titan.discovery;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Bad arguments to the selector's builders fail at once, naming the argument and the value. */
class ServiceSelectorBadInputTest {

  private static final ServiceQuery Q = ServiceQuery.service("orders").build();

  @Test
  @SuppressWarnings("DataFlowIssue")
  void selectorBuilder() {
    assertThatThrownBy(() -> ServiceSelector.builder(null, Q)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("discovery");
    assertThatThrownBy(() -> ServiceSelector.builderForNodes(null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("query");
    assertThatThrownBy(() -> ServiceSelector.builderForNodes(ServiceQuery.service("orders").status(NodeStatus.DRAINING).build()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no UP instance").hasMessageContaining("DRAINING");
    ServiceSelector.Builder b = ServiceSelector.builderForNodes(Q);
    assertThatThrownBy(() -> b.strategy(null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("strategy");
    assertThatThrownBy(() -> b.preferZone(null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("preferZone").hasMessageContaining("null");
    assertThatThrownBy(() -> b.preferZone("  ")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("preferZone must not be blank, was '  '");
    assertThatThrownBy(() -> b.outlierEjection(null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("outlierEjection");
    assertThatThrownBy(() -> b.nanoTime(null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nanoTime");
    assertThatThrownBy(() -> b.view(null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("view");
    assertThatThrownBy(() -> b.cachePeriod(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cachePeriod").hasMessageContaining("PT0S");
    assertThatThrownBy(() -> b.cachePeriod(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cachePeriod").hasMessageContaining("PT-0.001S");
    assertThatThrownBy(() -> b.cachePeriod(null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cachePeriod");
  }

  @Test
  void serviceNameIsChecked() {
    DiscoveryService d = Discovery.builder().redisUri("redis://127.0.0.1:1").build(); // never started
    try {
      assertThatThrownBy(() -> ServiceSelector.builder(d, (String) null)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("serviceName");
      assertThatThrownBy(() -> ServiceSelector.builder(d, " ")).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("service name must not be blank, was ' '");
      assertThatThrownBy(() -> ServiceSelector.builder(d, Q).useView(true).build()).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("pub/sub");
    } finally {
      d.close();
    }
  }

  @Test
  void outlierEjectionBuilder() {
    OutlierEjection.Builder b = OutlierEjection.builder();
    assertThatThrownBy(() -> b.consecutiveFailures(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("consecutiveFailures must be at least 1, was 0");
    assertThatThrownBy(() -> b.consecutiveFailures(-3)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("consecutiveFailures").hasMessageContaining("-3");
    assertThatThrownBy(() -> b.baseEjectionTime(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("baseEjectionTime").hasMessageContaining("PT-1S");
    assertThatThrownBy(() -> b.baseEjectionTime(null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("baseEjectionTime");
    assertThatThrownBy(() -> b.maxEjectionTime(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxEjectionTime");
    assertThatThrownBy(() -> b.maxEjectionPercent(101)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxEjectionPercent must be 0 to 100, was 101");
    assertThatThrownBy(() -> b.maxEjectionPercent(-1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-1");
    assertThatThrownBy(() -> b.panicThresholdPercent(-5)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("panicThresholdPercent must be 0 to 100, was -5");
    assertThatThrownBy(() -> OutlierEjection.builder().baseEjectionTime(Duration.ofMinutes(10)).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxEjectionTime must be at least");
  }
}
