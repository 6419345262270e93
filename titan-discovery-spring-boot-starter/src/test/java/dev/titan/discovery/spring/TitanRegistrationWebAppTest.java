package dev.titan.discovery.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.titan.discovery.Discovery;
import dev.titan.discovery.DiscoveryEvent;
import dev.titan.discovery.DiscoveryOptions;
import dev.titan.discovery.DiscoveryService;
import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.NodeStatus;
import dev.titan.discovery.ServiceInfo;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import jakarta.annotation.PostConstruct;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.cloud.client.serviceregistry.ServiceRegistry;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * Full servlet applications on port 0 (web, Actuator and LoadBalancer on the class path) against a
 * real redis-server: what the application writes to Redis, and when.
 */
class TitanRegistrationWebAppTest extends RealRedisTest {


  @Test
  void withAutoRegistrationDisabledNothingIsWrittenForTheApplication() {
    String prefix = "noreg:discovery";
    List<String> messages = recordChannel(prefix + ":events");
    ConfigurableApplicationContext app = start(WebApp.class, prefix, "spring.cloud.service-registry.auto-registration.enabled=false");
    DiscoveryService discovery = app.getBean(DiscoveryService.class);
    assertThat(discovery.status().started()).isTrue();
    assertThat(discovery.isRegistered()).isFalse();
    // only the sweeper lease, which every running service takes (client mode too) and which
    // names no node of the registry: no node, no index entry, no change counter
    assertThat(rawConnection.sync().keys(prefix + "*")).isSubsetOf(prefix + ":index:sweeper");
    assertNothingPublishedSoFar(messages, prefix + ":events");
    // not registered on purpose: healthy
    assertThat(app.getBean(TitanDiscoveryHealthIndicator.class).health().getStatus()).isEqualTo(Status.UP);

    app.close();
    assertThat(rawConnection.sync().keys(prefix + "*")).isEmpty();
    assertNothingPublishedSoFar(messages, prefix + ":events");
  }

  @Test
  void withAutoRegistrationDisabledTheApplicationCanStillRegisterThroughTheServiceRegistry() {
    String prefix = "manual:discovery";
    ConfigurableApplicationContext app = start(WebApp.class, prefix, "spring.cloud.service-registry.auto-registration.enabled=false");
    DiscoveryService discovery = app.getBean(DiscoveryService.class);
    DiscoveryService observer = observer(prefix);
    int port = port(app);
    @SuppressWarnings("unchecked")
    ServiceRegistry<TitanRegistration> registry = app.getBean(ServiceRegistry.class);
    registry.register(new TitanRegistration(discovery.getNodeId(), "manual", "127.0.0.1", port, "1.0"));
    assertThat(discovery.isRegistered()).isTrue();
    assertThat(observer.findNodesByService("manual", "1.0").join()).singleElement()
        .satisfies(n -> assertThat(n.address()).isEqualTo("127.0.0.1:" + port));
  }

  @Test
  void registersOnceWithTheRealPortAndKeepsTheApplicationsOwnServices() {
    String prefix = "web:discovery";
    DiscoveryService observer = observer(prefix);
    List<DiscoveryEvent> events = new CopyOnWriteArrayList<>();
    observer.onEvent(events::add);

    ConfigurableApplicationContext app = start(WebAppWithOwnServices.class, prefix);
    DiscoveryService discovery = app.getBean(DiscoveryService.class);
    String id = discovery.getNodeId();
    int port = port(app);
    ServiceInfo web = ServiceInfo.of("web", "3.1");
    ServiceInfo early = ServiceInfo.of("early", "1.0"); // @PostConstruct, before the context started
    ServiceInfo late = ServiceInfo.of("late");          // ApplicationRunner, after the registration

    // the first event about this application's node: registered with the web server's port and
    // its service, never with the placeholder port 3000 or without services
    await().atMost(Duration.ofSeconds(10)).until(() -> events.stream().anyMatch(e -> e.nodeId().equals(id)));
    DiscoveryEvent first = events.stream().filter(e -> e.nodeId().equals(id)).findFirst().orElseThrow();
    assertThat(first.type()).isEqualTo(DiscoveryEvent.Type.NODE_REGISTERED);
    assertThat(first.address()).isEqualTo("127.0.0.1:" + port);
    assertThat(first.services()).contains(web, early);
    assertThat(port).isNotEqualTo(3000);

    // the application's own services survive the auto-registration
    assertThat(services(observer, id)).containsExactlyInAnyOrder(web, early, late);

    TitanAutoRegistration auto = app.getBean(TitanAutoRegistration.class);
    TitanRegistration registration = auto.getRegistration();
    assertThat(registration).isNotNull();
    @SuppressWarnings("unchecked")
    ServiceRegistry<TitanRegistration> registry = app.getBean(ServiceRegistry.class);
    // a status change is the node's status; its services stay
    registry.setStatus(registration, "OUT_OF_SERVICE");
    assertThat(services(observer, id)).containsExactlyInAnyOrder(web, early, late);
    assertThat(observer.getNodeInfo(id).join().orElseThrow().status()).isEqualTo(NodeStatus.OUT_OF_SERVICE);
    assertThat((String) registry.getStatus(registration)).isEqualTo("OUT_OF_SERVICE");
    registry.setStatus(registration, "UP");
    assertThat(services(observer, id)).containsExactlyInAnyOrder(web, early, late);
    assertThat(observer.getNodeInfo(id).join().orElseThrow().status()).isEqualTo(NodeStatus.UP);
    assertThat((String) registry.getStatus(registration)).isEqualTo("UP");

    assertThat(events.stream().filter(e -> e.nodeId().equals(id) && e.type() == DiscoveryEvent.Type.NODE_REGISTERED)).hasSize(1);
    assertThat(events.stream().filter(e -> e.nodeId().equals(id)))
        .noneMatch(e -> e.address().endsWith(":3000") || e.services().isEmpty());

    app.close();
    await().atMost(Duration.ofSeconds(10)).until(() -> events.stream()
        .anyMatch(e -> e.nodeId().equals(id) && e.type() == DiscoveryEvent.Type.NODE_DEREGISTERED));
    assertThat(observer.nodeExists(id).join()).isFalse();
  }

  @Test
  void gracefulShutdownPublishesDrainingBeforeTheNodeIsDeregistered() {
    String prefix = "drain:discovery";
    List<String> messages = recordChannel(prefix + ":events");
    ConfigurableApplicationContext app = start(WebApp.class, prefix, "server.shutdown=graceful");
    String id = app.getBean(DiscoveryService.class).getNodeId();
    await().atMost(Duration.ofSeconds(10)).until(() -> messages.stream().anyMatch(m -> m.contains("\"NODE_REGISTERED\"")));

    app.close();

    await().atMost(Duration.ofSeconds(10)).until(() -> messages.stream()
        .anyMatch(m -> m.contains("\"NODE_DEREGISTERED\"") && m.contains(id)));
    List<String> ours = messages.stream().filter(m -> m.contains("\"" + id + "\"")).toList();
    int draining = indexOf(ours, m -> m.contains("\"NODE_UPDATED\"") && m.contains("\"status\":\"DRAINING\""));
    int deregistered = indexOf(ours, m -> m.contains("\"NODE_DEREGISTERED\""));
    assertThat(draining).as("NODE_UPDATED with DRAINING in %s", ours).isNotNegative();
    assertThat(draining).as("DRAINING before NODE_DEREGISTERED in %s", ours).isLessThan(deregistered);
    // nothing about this node between its registration and the drain
    assertThat(ours.subList(0, draining)).allMatch(m -> m.contains("\"NODE_REGISTERED\""));
  }

  private static int indexOf(List<String> messages, java.util.function.Predicate<String> p) {
    for (int i = 0; i < messages.size(); i++) {
      if (p.test(messages.get(i))) {
        return i;
      }
    }
    return -1;
  }

  private static List<ServiceInfo> services(DiscoveryService observer, String id) {
    Optional<NodeInfo> node = observer.getNodeInfo(id).join();
    assertThat(node).isPresent();
    return node.get().services();
  }

  private ConfigurableApplicationContext start(Class<?> app, String prefix, String... more) {
    List<String> properties = new ArrayList<>(List.of(
        "server.port=0",
        "spring.application.name=web",
        "titan.discovery.service-version=3.1",
        "titan.discovery.redis-url=" + redis.uri(),
        "titan.discovery.redis-prefix=" + prefix,
        "titan.discovery.pub-sub-channel=" + prefix + ":events",
        "titan.discovery.host=127.0.0.1",
        "spring.main.banner-mode=off"));
    properties.addAll(List.of(more));
    ConfigurableApplicationContext ctx = new SpringApplicationBuilder(app)
        .web(WebApplicationType.SERVLET)
        .properties(properties.toArray(String[]::new))
        .run();
    closeables.add(ctx::close);
    return ctx;
  }

  private static int port(ConfigurableApplicationContext app) {
    return ((WebServerApplicationContext) app).getWebServer().getPort();
  }

  /** A client-mode service that hears the application's events. */
  private DiscoveryService observer(String prefix) {
    DiscoveryService observer = Discovery.builder().redisUri(redis.uri())
        .options(DiscoveryOptions.builder().clientMode(true).pubSubEnabled(true)
            .redisPrefix(prefix).pubSubChannel(prefix + ":events").build())
        .build();
    closeables.add(observer);
    observer.start().join();
    return observer;
  }

  private List<String> recordChannel(String channel) {
    List<String> messages = new CopyOnWriteArrayList<>();
    StatefulRedisPubSubConnection<String, String> ps = raw.connectPubSub();
    ps.addListener(new RedisPubSubAdapter<>() {
      @Override
      public void message(String ch, String message) {
        messages.add(message);
      }
    });
    ps.sync().subscribe(channel);
    closeables.add(ps::close);
    return messages;
  }

  /** Publishes a marker and, once it has arrived, checks that nothing came before it. */
  private static void assertNothingPublishedSoFar(List<String> messages, String channel) {
    rawConnection.sync().publish(channel, "marker");
    await().atMost(Duration.ofSeconds(5)).until(() -> messages.contains("marker"));
    assertThat(messages).containsExactly("marker");
    messages.clear();
  }

  /** A web application. */
  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  static class WebApp {}

  /** A web application that offers two services of its own besides the auto-registered one. */
  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  @Import(EarlyService.class)
  static class WebAppWithOwnServices {
    @Bean
    ApplicationRunner registerLate(DiscoveryService discovery) {
      return args -> discovery.registerService(ServiceInfo.of("late")).join();
    }
  }

  /** Adds a service while the context is being created, before the discovery service starts. */
  static class EarlyService {
    @Autowired DiscoveryService discovery;

    @PostConstruct
    void register() {
      discovery.registerService(ServiceInfo.of("early", "1.0")).join();
    }
  }
}
