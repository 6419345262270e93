package dev.titan.discovery.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.titan.discovery.DiscoveryService;
import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.ServiceInfo;
import io.lettuce.core.RedisClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The README's example, and what the extension cleans up. */
@ExtendWith(DiscoveryExtension.class)
class DiscoveryExtensionTest {

  @Test
  void findsTheOrdersService(DiscoveryServices services) {
    services.node("orders-1", "10.0.0.1:8080", ServiceInfo.of("orders", "2.1.0"));
    DiscoveryService client = services.client();
    assertThat(client.findNodesByService("orders").join()).extracting(NodeInfo::nodeId).containsExactly("orders-1");
  }

  @Test
  void closingTheHelperDeregistersEverything(RedisServer redis) {
    DiscoveryServices services = DiscoveryServices.on(redis);
    services.node("a", "10.0.0.1:1", ServiceInfo.of("x"));
    RedisClient client = RedisClient.create(redis.uri());
    try (var conn = client.connect()) {
      assertThat(conn.sync().sismember(services.prefix() + ":index:nodes", "a")).isTrue();
      services.close();
      await().atMost(Duration.ofSeconds(5)).until(() -> conn.sync().keys(services.prefix() + ":nodes:*").isEmpty());
    } finally {
      client.shutdown();
    }
  }
}
