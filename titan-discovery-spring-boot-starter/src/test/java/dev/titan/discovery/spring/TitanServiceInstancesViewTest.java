package dev.titan.discovery.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.titan.discovery.Discovery;
import dev.titan.discovery.DiscoveryOptions;
import dev.titan.discovery.DiscoveryService;
import dev.titan.discovery.ServiceInfo;
import dev.titan.discovery.testkit.RedisServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.cloud.client.ServiceInstance;

/** With pub/sub on, Spring Cloud lookups are answered from the core's local registry view. */
class TitanServiceInstancesViewTest {

  private static DiscoveryOptions options(boolean pubSub) {
    return DiscoveryOptions.builder()
        .heartbeatInterval(Duration.ofMillis(200)).heartbeatTtl(Duration.ofSeconds(5))
        .pubSubEnabled(pubSub).redisPrefix("view-test").pubSubChannel("view-test:events")
        .connectTimeout(Duration.ofSeconds(5)).commandTimeout(Duration.ofMillis(500)).build();
  }

  @Test
  void lookupsComeFromMemoryAndFollowEventsWithoutRedisRoundTrips() {
    try (RedisServer redis = RedisServer.start();
        DiscoveryService client = Discovery.builder().redisUri(redis.uri()).options(options(true).toBuilder().clientMode(true).build()).build();
        DiscoveryService provider = Discovery.builder().redisUri(redis.uri()).options(options(true))
            .nodeId("p1").address("127.0.0.1:8081").services(List.of(ServiceInfo.of("greeter", "2"))).build()) {
      client.start().join();
      provider.start().join();
      TitanServiceInstances instances = new TitanServiceInstances(client, Duration.ZERO); // no lookup cache
      await().atMost(Duration.ofSeconds(5)).until(() -> instances.instances("greeter").join().size() == 1);
      ServiceInstance i = instances.instances("greeter").join().get(0);
      assertThat(i.getInstanceId()).isEqualTo("p1");
      assertThat(i.getPort()).isEqualTo(8081);
      assertThat(i.getMetadata()).containsEntry("version", "2");
      assertThat(instances.services().join()).containsExactly("greeter");

      provider.updateAddress("127.0.0.1:8082").join();
      await().atMost(Duration.ofSeconds(5)).until(() -> instances.instances("greeter").join().get(0).getPort() == 8082);

      // answered from memory: with Redis gone, the lookup still completes at once
      redis.kill();
      assertThat(instances.instances("greeter").join()).extracting(ServiceInstance::getInstanceId).containsExactly("p1");
    }
  }
}
