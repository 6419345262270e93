package dev.titan.discovery.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.titan.discovery.Discovery;
import dev.titan.discovery.NodeStatus;
import org.junit.jupiter.api.Test;

/** The parts of the server that need no Redis and no browser. */
class DashboardServerTest {

  private static DashboardServer.Builder builder() {
    return DashboardServer.builder(Discovery.builder().redisUri("redis://127.0.0.1:1").build());
  }

  @Test
  void generatesALongRandomTokenWhenNoneIsGiven() {
    String a = builder().build().token();
    String b = builder().build().token();
    assertThat(a).hasSize(43).matches("[A-Za-z0-9_-]+").isNotEqualTo(b);
  }

  @Test
  void comparesTokensExactly() {
    DashboardServer s = builder().token("0123456789abcdef-token").build();
    assertThat(s.tokenMatches("0123456789abcdef-token")).isTrue();
    assertThat(s.tokenMatches("0123456789abcdef-toke")).isFalse();
    assertThat(s.tokenMatches("0123456789abcdef-tokenX")).isFalse();
    assertThat(s.tokenMatches("")).isFalse();
  }

  @Test
  void refusesWeakTokensAndBadSettings() {
    assertThatThrownBy(() -> builder().token("short")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("token");
    assertThatThrownBy(() -> builder().token("has a space in it, long")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> builder().port(70000)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("70000");
    assertThatThrownBy(() -> builder().bindAddress(" ")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void startNeedsAStartedDiscoveryServiceWithPubSub() {
    DashboardServer s = builder().port(0).build();
    assertThatThrownBy(s::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("pub/sub");
    assertThatThrownBy(s::port).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void readsBearerTokensStatusesAndReasons() {
    assertThat(DashboardServer.bearer("Bearer abc")).isEqualTo("abc");
    assertThat(DashboardServer.bearer("bearer   abc ")).isEqualTo("abc");
    assertThat(DashboardServer.bearer("Basic abc")).isNull();
    assertThat(DashboardServer.bearer(null)).isNull();
    assertThat(DashboardServer.parseStatus("DRAINING")).isEqualTo(NodeStatus.DRAINING);
    assertThat(DashboardServer.parseStatus("draining")).isNull();
    assertThat(DashboardServer.cleanReason("  deploy\n#42\u0000 ")).isEqualTo("deploy #42");
    assertThat(DashboardServer.cleanReason("x".repeat(2000))).hasSize(DashboardServer.MAX_REASON);
  }
}
