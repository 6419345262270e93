package dev.titan.discovery.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.titan.discovery.ServiceInfo;
import dev.titan.discovery.internal.wire.WireCodec;
import dev.titan.discovery.testkit.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one-instance-per-node load, on a real redis-server: 5 nodes in 3 child JVMs. */
class InstanceLoadTest {

  @Test
  void everyNodeStaysAfterItsChildIsKilled() throws Exception {
    try (RedisServer server = RedisServer.start()) {
      RedisClient client = RedisClient.create(server.uri());
      try (StatefulRedisConnection<String, String> conn = client.connect()) {
        int n = 5;
        InstanceLoad.load(server.uri(), n, 2, false, conn); // checks index:nodes and the keys itself

        assertThat(ProcessHandle.current().children()
            .filter(c -> c.isAlive() && c.info().commandLine().orElse("").contains(NodeLoader.class.getName())))
            .as("loader children killed").isEmpty();
        RedisCommands<String, String> redis = conn.sync();
        String p = BenchData.PREFIX;
        for (int i = 0; i < n; i++) {
          String id = BenchData.id(i);
          Map<String, String> hash = redis.hgetall(p + ":nodes:" + id);
          assertThat(hash).containsOnlyKeys("address", "services", "timestamp");
          assertThat(hash).containsEntry("address", BenchData.address(i))
              .containsEntry("services", WireCodec.encodeServices(BenchData.services(i)));
          assertThat(redis.get(p + ":heartbeat:" + id)).isEqualTo(hash.get("timestamp"));
          assertThat(redis.pttl(p + ":heartbeat:" + id)).isGreaterThan(BenchData.TTL_MILLIS - Duration.ofMinutes(5).toMillis());
          assertThat(redis.zscore(p + ":index:deadlines", id)).isNotNull();
          for (ServiceInfo s : BenchData.services(i)) {
            assertThat(redis.sismember(p + ":index:services:" + s.name(), id)).isTrue();
          }
        }
      } finally {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      }
    }
  }
}
