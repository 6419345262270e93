package dev.titan.discovery.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.titan.discovery.Discovery;
import dev.titan.discovery.DiscoveryService;
import dev.titan.discovery.ServiceInfo;
import dev.titan.discovery.dashboard.DashboardServer;
import dev.titan.discovery.testkit.RedisServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

/** The opt-in dashboard in a full SpringApplication: served when enabled, absent otherwise. */
class TitanDashboardTest {

  private static RedisServer redis;
  private static DiscoveryService provider;

  @BeforeAll
  static void start() {
    redis = RedisServer.start();
    provider = Discovery.builder().redisUri(redis.uri()).nodeId("orders-1").address("10.0.0.1:8080")
        .services(List.of(ServiceInfo.of("orders", "2.1.0"))).build();
    provider.start().join();
  }

  @AfterAll
  static void stop() {
    if (provider != null) {
      provider.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  private static ConfigurableApplicationContext app(String... extra) {
    return new SpringApplicationBuilder(Console.class)
        .web(WebApplicationType.NONE)
        .properties("spring.application.name=console", "titan.discovery.redis-url=" + redis.uri(),
            "titan.discovery.client-mode=true", "spring.main.banner-mode=off")
        .properties(extra)
        .run();
  }

  @Test
  void enabledItServesTheLivePageAndRefusesActionsWithoutTheToken() throws Exception {
    try (ConfigurableApplicationContext app = app("titan.discovery.dashboard.enabled=true",
        "titan.discovery.dashboard.port=0", "titan.discovery.dashboard.token=0123456789abcdef-token")) {
      DashboardServer server = app.getBean(TitanDashboardLifecycle.class).server();
      assertThat(server).isNotNull();
      assertThat(server.url()).startsWith("http://127.0.0.1:");
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(server.url())).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(page.statusCode()).isEqualTo(200);
      HttpResponse<String> snapshot = http.send(HttpRequest.newBuilder(URI.create(server.url() + "api/snapshot")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(snapshot.body()).contains("orders-1");
      String body = "{\"nodeId\":\"orders-1\",\"status\":\"OUT_OF_SERVICE\",\"reason\":\"test\"}";
      HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create(server.url() + "api/nodes/status"))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(refused.statusCode()).isEqualTo(401);
      HttpResponse<String> done = http.send(HttpRequest.newBuilder(URI.create(server.url() + "api/nodes/status"))
          .header("Content-Type", "application/json").header("Authorization", "Bearer 0123456789abcdef-token")
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(done.statusCode()).isEqualTo(200);
      assertThat(provider.getNodeInfo("orders-1").join()).map(n -> n.status())
          .contains(dev.titan.discovery.NodeStatus.OUT_OF_SERVICE);
      provider.setNodeStatus("orders-1", dev.titan.discovery.NodeStatus.UP).join();
    }
  }

  @Test
  void offByDefault() {
    try (ConfigurableApplicationContext app = app()) {
      assertThat(app.getBeanNamesForType(TitanDashboardLifecycle.class)).isEmpty();
    }
  }

  /** An application with the starter and the dashboard module on its class path. */
  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  static class Console {}
}
