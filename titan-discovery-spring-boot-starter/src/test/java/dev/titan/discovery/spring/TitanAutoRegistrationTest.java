package dev.titan.discovery.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.titan.discovery.Discovery;
import dev.titan.discovery.DiscoveryOptions;
import dev.titan.discovery.DiscoveryService;
import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.testkit.RedisServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

/** A non-web application registers itself on ApplicationReadyEvent and leaves on shutdown. */
class TitanAutoRegistrationTest {

  private static RedisServer redis;
  private static DiscoveryService observer;

  @BeforeAll
  static void start() {
    redis = RedisServer.start();
    observer = Discovery.builder().redisUri(redis.uri())
        .options(DiscoveryOptions.builder().clientMode(true).build()).build();
    observer.start().join();
  }

  @AfterAll
  static void stop() {
    if (observer != null) {
      observer.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  @Test
  void nonWebApplicationRegistersWhenReadyAndDeregistersOnClose() {
    ConfigurableApplicationContext app = new SpringApplicationBuilder(Worker.class)
        .web(WebApplicationType.NONE)
        .properties(
            "spring.application.name=worker",
            "titan.discovery.redis-url=" + redis.uri(),
            "titan.discovery.service-version=1.4.2",
            "titan.discovery.host=127.0.0.1",
            "server.port=9123",
            "spring.main.banner-mode=off")
        .run();
    String nodeId;
    try {
      nodeId = app.getBean(DiscoveryService.class).getNodeId();
      List<NodeInfo> nodes = observer.findNodesByService("worker", "1.4.2").join();
      assertThat(nodes).singleElement().satisfies(n -> {
        assertThat(n.nodeId()).isEqualTo(nodeId);
        assertThat(n.address()).isEqualTo("127.0.0.1:9123");
      });
      TitanAutoRegistration auto = app.getBean(TitanAutoRegistration.class);
      assertThat(auto.getRegistration()).isNotNull();
      assertThat((String) app.getBean(TitanServiceRegistry.class).getStatus(auto.getRegistration())).isEqualTo("UP");
    } finally {
      app.close();
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> observer.findNodesByService("worker").join().isEmpty());
    assertThat(observer.nodeExists(nodeId).join()).isFalse();
  }

  /** A worker without a web server. */
  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  static class Worker {}
}
