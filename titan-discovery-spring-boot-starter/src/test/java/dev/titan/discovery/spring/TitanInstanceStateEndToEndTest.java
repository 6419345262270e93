package dev.titan.discovery.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.titan.discovery.Discovery;
import dev.titan.discovery.DiscoveryOptions;
import dev.titan.discovery.DiscoveryService;
import dev.titan.discovery.NodeStatus;
import dev.titan.discovery.ServiceInfo;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.discovery.ReactiveDiscoveryClient;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.cloud.loadbalancer.annotation.LoadBalancerClients;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

/**
 * Instance state and metadata as Spring Cloud sees them, in full Spring Boot web applications on
 * one real Redis: instances that are not UP are never handed out, and Spring Cloud LoadBalancer's
 * own zone-preference, weighted and hint-based configurations work on the metadata as it is; the
 * Actuator {@code serviceregistry} endpoint reads and sets the node's status.
 *
 * <p>Providers are core {@link DiscoveryService} nodes, each with a tiny HTTP server answering
 * with its name, so a call shows which instance the load balancer chose.
 */
class TitanInstanceStateEndToEndTest extends RealRedisTest {


  @Test
  void onlyUpInstancesAreCalledZonePreferenceWinsAndADrainingInstanceIsLeft() {
    String prefix = "zone:discovery";
    provider(prefix, "provider", "a-draining", NodeStatus.DRAINING, Map.of("zone", "z1"));
    provider(prefix, "provider", "b-out", NodeStatus.OUT_OF_SERVICE, Map.of("zone", "z1"));
    provider(prefix, "provider", "c-other-zone", NodeStatus.UP, Map.of("zone", "z2"));
    DiscoveryService sameZone = provider(prefix, "provider", "d-same-zone", NodeStatus.UP, Map.of("zone", "z1", "tier", "gold"));

    ConfigurableApplicationContext caller = start(CallerApp.class, prefix, "caller",
        "spring.cloud.loadbalancer.zone=z1", "spring.cloud.loadbalancer.configurations=zone-preference");
    RestClient client = caller.getBean("loadBalancedBuilder", RestClient.Builder.class).build();
    DiscoveryClient discoveryClient = caller.getBean(DiscoveryClient.class);
    await().atMost(Duration.ofSeconds(10)).until(() -> ids(discoveryClient.getInstances("provider"))
        .equals(Set.of("c-other-zone", "d-same-zone")));
    ServiceInstance d = discoveryClient.getInstances("provider").stream()
        .filter(i -> i.getInstanceId().equals("d-same-zone")).findFirst().orElseThrow();
    assertThat(d.getMetadata()).containsEntry("zone", "z1").containsEntry("weight", "1").containsEntry("status", "UP")
        .containsEntry("tier", "gold").containsEntry("version", "1.0").containsEntry("nodeId", "d-same-zone");
    List<ServiceInstance> reactive = caller.getBean(ReactiveDiscoveryClient.class).getInstances("provider")
        .collectList().block(Duration.ofSeconds(10));
    assertThat(ids(reactive)).containsExactlyInAnyOrder("c-other-zone", "d-same-zone");

    // zone preference: only the UP instance of the caller's zone, never a DRAINING or OUT_OF_SERVICE one
    for (int i = 0; i < 30; i++) {
      assertThat(call(client, "provider")).isEqualTo("d-same-zone");
    }

    // the same-zone instance drains: once its event has arrived, calls go to the other zone
    TitanRegistryEvents events = caller.getBean(TitanRegistryEvents.class);
    long changesBefore = events.changes();
    sameZone.setStatus(NodeStatus.DRAINING).join();
    await().atMost(Duration.ofSeconds(10)).until(() -> events.changes() > changesBefore
        && ids(discoveryClient.getInstances("provider")).equals(Set.of("c-other-zone")));
    for (int i = 0; i < 30; i++) {
      assertThat(call(client, "provider")).isEqualTo("c-other-zone");
    }
  }

  @Test
  void weightedConfigurationFollowsTheWeightMetadata() {
    String prefix = "weighted:discovery";
    provider(prefix, "weighted", "light", NodeStatus.UP, Map.of("weight", "1"));
    provider(prefix, "weighted", "heavy", NodeStatus.UP, Map.of("weight", "4"));
    ConfigurableApplicationContext caller = start(CallerApp.class, prefix, "caller",
        "spring.cloud.loadbalancer.configurations=weighted");
    RestClient client = caller.getBean("loadBalancedBuilder", RestClient.Builder.class).build();
    DiscoveryClient discoveryClient = caller.getBean(DiscoveryClient.class);
    await().atMost(Duration.ofSeconds(10)).until(() -> ids(discoveryClient.getInstances("weighted"))
        .equals(Set.of("light", "heavy")));

    Map<String, Integer> counts = new HashMap<>();
    int calls = 500;
    for (int i = 0; i < calls; i++) {
      counts.merge(call(client, "weighted"), 1, Integer::sum);
    }
    assertThat(counts.keySet()).containsExactlyInAnyOrder("light", "heavy");
    double heavyShare = counts.get("heavy") / (double) calls;
    assertThat(heavyShare).as("share of the weight-4 instance in %s", counts).isBetween(0.70, 0.90);
  }

  @Test
  void hintBasedSupplierFollowsTheHintMetadata() {
    String prefix = "hint:discovery";
    provider(prefix, "hinted", "plain", NodeStatus.UP, Map.of());
    provider(prefix, "hinted", "canary", NodeStatus.UP, Map.of("hint", "canary"));
    provider(prefix, "hinted", "canary-out", NodeStatus.OUT_OF_SERVICE, Map.of("hint", "canary"));
    ConfigurableApplicationContext caller = start(HintCallerApp.class, prefix, "caller",
        "spring.cloud.loadbalancer.hint.default=canary");
    RestClient client = caller.getBean("loadBalancedBuilder", RestClient.Builder.class).build();
    await().atMost(Duration.ofSeconds(10)).until(() -> ids(caller.getBean(DiscoveryClient.class).getInstances("hinted"))
        .equals(Set.of("plain", "canary")));
    for (int i = 0; i < 20; i++) {
      assertThat(call(client, "hinted")).isEqualTo("canary");
    }
  }

  @Test
  void actuatorServiceRegistryEndpointReadsAndSetsTheNodeStatus() {
    String prefix = "actuator:discovery";
    ConfigurableApplicationContext svc = start(HelloApp.class, prefix, "svc",
        "management.endpoints.web.exposure.include=serviceregistry");
    ConfigurableApplicationContext other = start(CallerApp.class, prefix, "other");
    String id = svc.getBean(DiscoveryService.class).getNodeId();
    DiscoveryClient otherClient = other.getBean(DiscoveryClient.class);
    await().atMost(Duration.ofSeconds(10)).until(() -> ids(otherClient.getInstances("svc")).equals(Set.of(id)));

    RestClient http = RestClient.create("http://127.0.0.1:" + port(svc) + "/actuator/serviceregistry");
    assertThat(http.get().retrieve().body(String.class)).contains("UP");
    // the Registration bean the endpoint acts on carries the web server's real port
    assertThat(svc.getBean(TitanRegistration.class).getPort()).isEqualTo(port(svc));

    http.post().contentType(MediaType.APPLICATION_JSON).body("{\"status\":\"OUT_OF_SERVICE\"}").retrieve().toBodilessEntity();
    assertThat(http.get().retrieve().body(String.class)).contains("OUT_OF_SERVICE");
    assertThat(rawConnection.sync().hget(prefix + ":nodes:" + id, "status")).isEqualTo("OUT_OF_SERVICE");
    assertThat(rawConnection.sync().hget(prefix + ":nodes:" + id, "services")).contains("svc"); // services stay
    await().atMost(Duration.ofSeconds(10)).until(() -> otherClient.getInstances("svc").isEmpty());

    // an unknown status is refused, naming nothing new in Redis
    HttpStatusCode refused = http.post().contentType(MediaType.APPLICATION_JSON).body("{\"status\":\"SIDEWAYS\"}")
        .exchange((req, res) -> res.getStatusCode());
    assertThat(refused.value()).isEqualTo(400);
    assertThat(rawConnection.sync().hget(prefix + ":nodes:" + id, "status")).isEqualTo("OUT_OF_SERVICE");

    http.post().contentType(MediaType.APPLICATION_JSON).body("{\"status\":\"UP\"}").retrieve().toBodilessEntity();
    assertThat(http.get().retrieve().body(String.class)).contains("UP");
    await().atMost(Duration.ofSeconds(10)).until(() -> ids(otherClient.getInstances("svc")).equals(Set.of(id)));
  }

  private static Set<String> ids(List<ServiceInstance> instances) {
    return instances.stream().map(ServiceInstance::getInstanceId).collect(Collectors.toSet());
  }

  private static String call(RestClient client, String service) {
    return client.get().uri("http://" + service + "/hello").retrieve().body(String.class);
  }

  private static int port(ConfigurableApplicationContext app) {
    return ((WebServerApplicationContext) app).getWebServer().getPort();
  }

  /** A core node of {@code service} with an HTTP server answering {@code /hello} with {@code name}. */
  private DiscoveryService provider(String prefix, String service, String name, NodeStatus status, Map<String, String> metadata) {
    HttpServer http;
    try {
      http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    http.createContext("/hello", exchange -> {
      byte[] body = name.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "text/plain");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    http.start();
    closeables.add(() -> http.stop(0));
    DiscoveryService node = Discovery.builder().redisUri(redis.uri())
        .options(DiscoveryOptions.builder().pubSubEnabled(true).redisPrefix(prefix).pubSubChannel(prefix + ":events")
            .heartbeatInterval(Duration.ofSeconds(1)).heartbeatTtl(Duration.ofSeconds(3)).build())
        .nodeId(name)
        .address("127.0.0.1:" + http.getAddress().getPort())
        .services(List.of(ServiceInfo.of(service, "1.0")))
        .metadata(metadata)
        .build();
    closeables.add(node);
    node.setStatus(status).join(); // before start: registered with this status
    node.start().join();
    return node;
  }

  private ConfigurableApplicationContext start(Class<?> app, String prefix, String name, String... more) {
    List<String> properties = new ArrayList<>(List.of(
        "server.port=0",
        "spring.application.name=" + name,
        "titan.discovery.redis-url=" + redis.uri(),
        "titan.discovery.redis-prefix=" + prefix,
        "titan.discovery.pub-sub-channel=" + prefix + ":events",
        "titan.discovery.host=127.0.0.1",
        "titan.discovery.heartbeat-interval=1s",
        "titan.discovery.heartbeat-ttl=3s",
        "spring.main.banner-mode=off"));
    properties.addAll(List.of(more));
    ConfigurableApplicationContext ctx = new SpringApplicationBuilder(app)
        .web(WebApplicationType.SERVLET)
        .properties(properties.toArray(String[]::new))
        .run();
    closeables.add(ctx::close);
    return ctx;
  }

  /** A caller with a load-balanced RestClient.Builder. */
  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  static class CallerApp {
    @Bean
    @LoadBalanced
    RestClient.Builder loadBalancedBuilder() {
      return RestClient.builder();
    }
  }

  /** A caller whose LoadBalancer clients filter by hint ({@code spring.cloud.loadbalancer.hint.*}). */
  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  @LoadBalancerClients(defaultConfiguration = HintLoadBalancerConfiguration.class)
  static class HintCallerApp {
    @Bean
    @LoadBalanced
    RestClient.Builder loadBalancedBuilder() {
      return RestClient.builder();
    }
  }

  /** Spring Cloud's documented hint-based supplier on the discovery client. */
  static class HintLoadBalancerConfiguration {
    @Bean
    ServiceInstanceListSupplier hintSupplier(org.springframework.context.ConfigurableApplicationContext context) {
      return ServiceInstanceListSupplier.builder().withBlockingDiscoveryClient().withHints().build(context);
    }
  }

  /** A web application answering {@code /hello} with its node id. */
  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  @Import(HelloController.class)
  static class HelloApp {}

  /** Answers with the node id. */
  @RestController
  static class HelloController {
    @Autowired DiscoveryService discovery;

    @GetMapping("/hello")
    String hello() {
      return discovery.getNodeId();
    }
  }
}
