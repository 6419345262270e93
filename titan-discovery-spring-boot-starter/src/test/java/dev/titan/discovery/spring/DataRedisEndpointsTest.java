package dev.titan.discovery.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisURI;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.ssl.SslBundle;

/** Spring Data Redis connection details become Lettuce URIs that keep every setting. */
class DataRedisEndpointsTest {

  @Test
  void standaloneWithCredentialsDatabaseAndSsl() {
    RedisEndpoint e = DataRedisEndpoints.from(details("app user", "p@ss/w rd", true,
        DataRedisConnectionDetails.Standalone.of("redis.example", 6380, 3), null, null));
    assertThat(e.isCluster()).isFalse();
    RedisURI uri = RedisURI.create(e.uri());
    assertThat(uri.isSsl()).isTrue();
    assertThat(uri.getHost()).isEqualTo("redis.example");
    assertThat(uri.getPort()).isEqualTo(6380);
    assertThat(uri.getDatabase()).isEqualTo(3);
    assertThat(user(uri)).isEqualTo("app user");
    assertThat(password(uri)).isEqualTo("p@ss/w rd");
  }

  @Test
  void passwordOnlyAndPasswordWithColon() {
    RedisURI plain = RedisURI.create(DataRedisEndpoints.from(details(null, "secret", false,
        DataRedisConnectionDetails.Standalone.of("localhost", 6390), null, null)).uri());
    assertThat(user(plain)).isNull();
    assertThat(password(plain)).isEqualTo("secret");
    assertThat(plain.isSsl()).isFalse();

    RedisURI colon = RedisURI.create(DataRedisEndpoints.from(details(null, "a:b", false,
        DataRedisConnectionDetails.Standalone.of("localhost", 6390), null, null)).uri());
    assertThat(user(colon)).isEqualTo("default");
    assertThat(password(colon)).isEqualTo("a:b");
  }

  @Test
  void sentinel() {
    DataRedisConnectionDetails.Sentinel sentinel = new DataRedisConnectionDetails.Sentinel() {
      @Override public int getDatabase() { return 2; }
      @Override public String getMaster() { return "mymaster"; }
      @Override public List<DataRedisConnectionDetails.Node> getNodes() {
        return List.of(new DataRedisConnectionDetails.Node("s1", 26401), new DataRedisConnectionDetails.Node("s2", 26402));
      }
      @Override public @Nullable String getUsername() { return null; }
      @Override public @Nullable String getPassword() { return null; }
    };
    RedisEndpoint e = DataRedisEndpoints.from(details(null, "pw", false, null, sentinel, null));
    RedisURI uri = RedisURI.create(e.uri());
    assertThat(uri.getSentinelMasterId()).isEqualTo("mymaster");
    assertThat(uri.getSentinels()).extracting(RedisURI::getHost).containsExactly("s1", "s2");
    assertThat(uri.getSentinels()).extracting(RedisURI::getPort).containsExactly(26401, 26402);
    assertThat(uri.getDatabase()).isEqualTo(2);
    assertThat(password(uri)).isEqualTo("pw");
  }

  @Test
  void clusterBecomesSeedUris() {
    DataRedisConnectionDetails.Cluster cluster = () -> List.of(
        new DataRedisConnectionDetails.Node("c1", 7000), new DataRedisConnectionDetails.Node("::1", 7001));
    RedisEndpoint e = DataRedisEndpoints.from(details(null, "pw", false, null, null, cluster));
    assertThat(e.isCluster()).isTrue();
    assertThat(e.clusterUris()).containsExactly("redis://pw@c1:7000", "redis://pw@[::1]:7001");
    assertThat(RedisURI.create(e.clusterUris().get(1)).getPort()).isEqualTo(7001);
  }

  @Test
  void masterReplicaIsRefusedWithAHint() {
    DataRedisConnectionDetails d = new DataRedisConnectionDetails() {
      @Override public MasterReplica getMasterReplica() {
        return () -> List.of(new Node("m", 6390));
      }
    };
    assertThatThrownBy(() -> DataRedisEndpoints.from(d)).hasMessageContaining("titan.discovery.redis-url");
  }

  private static @Nullable String user(RedisURI uri) {
    return uri.getCredentialsProvider().resolveCredentials().block().getUsername();
  }

  private static String password(RedisURI uri) {
    return new String(uri.getCredentialsProvider().resolveCredentials().block().getPassword());
  }

  private static DataRedisConnectionDetails details(@Nullable String user, @Nullable String password, boolean ssl,
      DataRedisConnectionDetails.@Nullable Standalone standalone, DataRedisConnectionDetails.@Nullable Sentinel sentinel,
      DataRedisConnectionDetails.@Nullable Cluster cluster) {
    return new DataRedisConnectionDetails() {
      @Override public @Nullable String getUsername() { return user; }
      @Override public @Nullable String getPassword() { return password; }
      @Override public @Nullable SslBundle getSslBundle() { return ssl ? SslBundle.systemDefault() : null; }
      @Override public @Nullable Standalone getStandalone() { return standalone; }
      @Override public @Nullable Sentinel getSentinel() { return sentinel; }
      @Override public @Nullable Cluster getCluster() { return cluster; }
    };
  }
}
