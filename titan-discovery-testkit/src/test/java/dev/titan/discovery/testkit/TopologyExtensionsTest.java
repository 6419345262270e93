package dev.titan.discovery.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.titan.discovery.DiscoveryService;
import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.ServiceInfo;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Discovery on a Sentinel set and on a 3-master Cluster, each started by its extension. */
class TopologyExtensionsTest {

  @Nested
  @ExtendWith(RedisSentinelExtension.class)
  class OnSentinel {
    @Test
    void servicesFindEachOther(RedisSentinelSetup sentinels) {
      try (DiscoveryServices services = DiscoveryServices.onSentinel(sentinels)) {
        services.node("a", "10.0.0.1:1", ServiceInfo.of("orders"));
        DiscoveryService client = services.client();
        assertThat(client.findNodesByService("orders").join()).extracting(NodeInfo::nodeId).containsExactly("a");
      }
    }
  }

  @Nested
  @ExtendWith(RedisClusterExtension.class)
  class OnCluster {
    @Test
    void servicesFindEachOther(RedisClusterSetup cluster) {
      try (DiscoveryServices services = DiscoveryServices.onCluster(cluster)) {
        services.node("a", "10.0.0.1:1", ServiceInfo.of("orders"));
        DiscoveryService client = services.client();
        assertThat(client.findNodesByService("orders").join()).extracting(NodeInfo::nodeId).containsExactly("a");
        assertThat(services.prefix()).startsWith("{");
      }
    }
  }
}
