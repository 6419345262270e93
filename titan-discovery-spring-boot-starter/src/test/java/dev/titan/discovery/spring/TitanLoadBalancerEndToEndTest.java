package dev.titan.discovery.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.titan.discovery.DiscoveryService;
import dev.titan.discovery.testkit.RedisServer;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

/**
 * Two Spring Boot web applications on one real Redis: "caller" reaches "callee" by name through a
 * {@code @LoadBalanced RestClient}; a second callee instance gets calls too; a callee that shuts
 * down stops getting calls as soon as its registry events arrive.
 */
class TitanLoadBalancerEndToEndTest {

  private static RedisServer redis;
  private final List<ConfigurableApplicationContext> apps = new java.util.ArrayList<>();

  @BeforeAll
  static void startRedis() {
    redis = RedisServer.start();
  }

  @AfterAll
  static void stopRedis() {
    if (redis != null) {
      redis.close();
    }
  }

  @AfterEach
  void closeApps() {
    for (ConfigurableApplicationContext app : apps) {
      app.close();
    }
  }

  @Test
  void callerReachesCalleeByNameAndFollowsInstancesComingAndGoing() {
    ConfigurableApplicationContext callee1 = start(CalleeApp.class, "callee");
    ConfigurableApplicationContext caller = start(CallerApp.class, "caller");
    RestClient client = caller.getBean("loadBalancedBuilder", RestClient.Builder.class).build();
    String id1 = callee1.getBean(DiscoveryService.class).getNodeId();

    assertThat(call(client)).isEqualTo("hello from " + id1);

    // Actuator and Micrometer pick up the starter's health indicator and meters.
    int callerPort = ((WebServerApplicationContext) caller).getWebServer().getPort();
    String health = RestClient.create().get().uri("http://127.0.0.1:" + callerPort + "/actuator/health")
        .retrieve().body(String.class);
    assertThat(health).contains("\"titanDiscovery\"").contains("\"registered\":true");
    MeterRegistry meters = caller.getBean(MeterRegistry.class);
    assertThat(meters.get("titan.discovery.heartbeats").tag("result", "sent").functionCounter().count()).isPositive();
    assertThat(meters.get("titan.discovery.lookup").tag("operation", "instances").timer().count()).isPositive();

    ConfigurableApplicationContext callee2 = start(CalleeApp.class, "callee");
    String id2 = callee2.getBean(DiscoveryService.class).getNodeId();
    Set<String> answers = new HashSet<>();
    await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20)).until(() -> {
      answers.add(call(client));
      return answers.containsAll(Set.of("hello from " + id1, "hello from " + id2));
    });

    List<String> instances = caller.getBean(DiscoveryClient.class).getInstances("callee").stream()
        .map(ServiceInstance::getInstanceId).toList();
    assertThat(instances).containsExactlyInAnyOrder(id1, id2);

    TitanRegistryEvents events = caller.getBean(TitanRegistryEvents.class);
    long changesBefore = events.changes();
    callee1.close();
    apps.remove(callee1);
    // the first event about callee1 leaving (service withdrawn, then node deregistered) clears the caches
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
        .until(() -> events.changes() > changesBefore
            && caller.getBean(DiscoveryClient.class).getInstances("callee").size() == 1);
    for (int i = 0; i < 20; i++) {
      assertThat(call(client)).isEqualTo("hello from " + id2);
    }
  }

  private static String call(RestClient client) {
    return client.get().uri("http://callee/hello").retrieve().body(String.class);
  }

  private ConfigurableApplicationContext start(Class<?> app, String name) {
    ConfigurableApplicationContext ctx = new SpringApplicationBuilder(app)
        .web(WebApplicationType.SERVLET)
        .properties(
            "server.port=0",
            "spring.application.name=" + name,
            "titan.discovery.redis-url=" + redis.uri(),
            "titan.discovery.host=127.0.0.1",
            "titan.discovery.heartbeat-interval=1s",
            "titan.discovery.heartbeat-ttl=3s",
            "management.endpoint.health.show-details=always",
            "spring.main.banner-mode=off")
        .run();
    apps.add(ctx);
    return ctx;
  }

  /** The called service: answers with its node id. */
  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  @Import(HelloController.class)
  static class CalleeApp {}

  /** Answers {@code hello from <node id>}. */
  @RestController
  static class HelloController {
    @Autowired DiscoveryService discovery;

    @GetMapping("/hello")
    String hello() {
      return "hello from " + discovery.getNodeId();
    }
  }

  /** The calling service: a load-balanced RestClient.Builder. */
  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  static class CallerApp {
    @Bean
    @LoadBalanced
    RestClient.Builder loadBalancedBuilder() {
      return RestClient.builder();
    }
  }
}
