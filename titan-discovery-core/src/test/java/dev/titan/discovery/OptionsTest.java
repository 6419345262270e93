package dev.titan.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class OptionsTest {

  @Test
  void defaultsAreThoseOfTheReference() {
    DiscoveryOptions o = DiscoveryOptions.defaults();
    assertThat(o.heartbeatInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(o.heartbeatTtl()).isEqualTo(Duration.ofSeconds(15));
    assertThat(o.pubSubEnabled()).isFalse();
    assertThat(o.pubSubChannel()).isEqualTo("titan:discovery:events");
    assertThat(o.clientMode()).isFalse();
    assertThat(o.redisPrefix()).isEqualTo("titan:discovery");
    assertThat(o.maxRetries()).isEqualTo(3);
    assertThat(o.retryDelay()).isEqualTo(Duration.ofSeconds(1));
    assertThat(DiscoveryOptions.builder().build()).isEqualTo(o);
    assertThat(o.toBuilder().build()).isEqualTo(o).hasSameHashCodeAs(o);
  }

  @Test
  void builderSetsEveryOption() {
    DiscoveryOptions o = DiscoveryOptions.builder()
        .heartbeatInterval(Duration.ofMillis(100)).heartbeatTtl(Duration.ofMillis(301))
        .pubSubEnabled(true).pubSubChannel("c").clientMode(true).redisPrefix("p")
        .maxRetries(7).retryDelay(Duration.ofMillis(9))
        .connectTimeout(Duration.ofSeconds(2)).commandTimeout(Duration.ofSeconds(3)).build();
    assertThat(o.heartbeatInterval()).isEqualTo(Duration.ofMillis(100));
    assertThat(o.heartbeatTtl()).isEqualTo(Duration.ofMillis(301));
    assertThat(o.pubSubEnabled()).isTrue();
    assertThat(o.pubSubChannel()).isEqualTo("c");
    assertThat(o.clientMode()).isTrue();
    assertThat(o.redisPrefix()).isEqualTo("p");
    assertThat(o.maxRetries()).isEqualTo(7);
    assertThat(o.retryDelay()).isEqualTo(Duration.ofMillis(9));
    assertThat(o.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(o.commandTimeout()).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void invalidValuesNameTheOptionAndTheValue() {
    assertThatThrownBy(() -> DiscoveryOptions.builder().heartbeatInterval(Duration.ZERO).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("heartbeatInterval").hasMessageContaining("PT0S");
    assertThatThrownBy(() -> DiscoveryOptions.builder().heartbeatInterval(Duration.ofSeconds(-1)).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("heartbeatInterval").hasMessageContaining("PT-1S");
    assertThatThrownBy(() -> DiscoveryOptions.builder().heartbeatTtl(Duration.ofSeconds(5)).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("heartbeatTtl").hasMessageContaining("5000");
    assertThatThrownBy(() -> DiscoveryOptions.builder().heartbeatTtl(Duration.ofSeconds(4)).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("heartbeatTtl").hasMessageContaining("4000");
    assertThatThrownBy(() -> DiscoveryOptions.builder().pubSubChannel(" ").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pubSubChannel").hasMessageContaining("' '");
    assertThatThrownBy(() -> DiscoveryOptions.builder().redisPrefix("").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("redisPrefix");
    assertThatThrownBy(() -> DiscoveryOptions.builder().maxRetries(0).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxRetries").hasMessageContaining("0");
    assertThatThrownBy(() -> DiscoveryOptions.builder().retryDelay(Duration.ZERO).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("retryDelay");
    assertThatThrownBy(() -> DiscoveryOptions.builder().connectTimeout(Duration.ofMillis(-5)).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("connectTimeout");
    assertThatThrownBy(() -> DiscoveryOptions.builder().commandTimeout(Duration.ZERO).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("commandTimeout");
  }

  @Test
  void clusterUsesAnUntaggedPrefixWholeAsTheHashTag() {
    DiscoveryService untagged = Discovery.builder().redisClusterUris(java.util.List.of("redis://127.0.0.1:7000")).build();
    assertThat(((dev.titan.discovery.internal.DefaultDiscoveryService) untagged).options().redisPrefix())
        .isEqualTo("{titan:discovery}");
    untagged.close();
    DiscoveryService ok = Discovery.builder().redisClusterUris(java.util.List.of("redis://127.0.0.1:7000"))
        .options(DiscoveryOptions.builder().redisPrefix("{titan}:discovery").build()).build();
    assertThat(((dev.titan.discovery.internal.DefaultDiscoveryService) ok).options().redisPrefix()).isEqualTo("{titan}:discovery");
    ok.close(); // never started: nothing to release, must not hang
    DiscoveryService standalone = Discovery.builder().redisUri("redis://127.0.0.1:7000").build();
    assertThat(((dev.titan.discovery.internal.DefaultDiscoveryService) standalone).options().redisPrefix()).isEqualTo("titan:discovery");
    standalone.close();
  }

  @Test
  void badUrisAreRejectedWithoutEchoingCredentials() {
    assertThatThrownBy(() -> Discovery.builder().redisUri("redis://user:s3cret@").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("redisUri")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cret"));
  }
}
