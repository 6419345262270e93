package dev.titan.discovery.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.titan.discovery.Discovery;
import dev.titan.discovery.DiscoveryOptions;
import dev.titan.discovery.DiscoveryService;
import dev.titan.discovery.NodeStatus;
import dev.titan.discovery.ServiceInfo;
import io.lettuce.core.event.connection.ConnectionActivatedEvent;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.discovery.ReactiveDiscoveryClient;
import org.springframework.cloud.client.discovery.event.HeartbeatEvent;
import org.springframework.cloud.client.serviceregistry.ServiceRegistry;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Conditions, back-off and property binding of the auto-configuration, on a real Redis. */
class TitanDiscoveryAutoConfigurationTest extends RealRedisTest {


  private static final AutoConfigurations TITAN = AutoConfigurations.of(
      TitanDiscoveryAutoConfiguration.class,
      TitanDiscoveryClientAutoConfiguration.class,
      TitanServiceRegistryAutoConfiguration.class,
      TitanDiscoveryHealthAutoConfiguration.class,
      TitanDiscoveryMetricsAutoConfiguration.class);

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(TITAN)
      .withPropertyValues("spring.application.name=orders", "titan.discovery.redis-url=" + redis.uri());

  @Test
  void createsEveryBeanAndStartsTheServiceWithTheContext() {
    runner.run(ctx -> {
      assertThat(ctx).hasSingleBean(DiscoveryService.class)
          .hasSingleBean(TitanDiscoveryClient.class)
          .hasSingleBean(TitanReactiveDiscoveryClient.class)
          .hasSingleBean(TitanServiceRegistry.class)
          .hasSingleBean(TitanAutoRegistration.class)
          .hasSingleBean(TitanDiscoveryHealthIndicator.class)
          .hasSingleBean(TitanDiscoveryMetrics.class);
      DiscoveryService discovery = ctx.getBean(DiscoveryService.class);
      assertThat(discovery.status().started()).isTrue();
      assertThat(discovery.isRegistered()).isFalse(); // registered once the application is ready
      ready(ctx);
      assertThat(discovery.isRegistered()).isTrue();
      assertThat(ctx.getBean(DiscoveryClient.class).description()).isEqualTo("Titan Discovery Client");
      assertThat(ctx.getBean(ReactiveDiscoveryClient.class)).isInstanceOf(TitanReactiveDiscoveryClient.class);
      assertThat(ctx.getBean(ServiceRegistry.class)).isInstanceOf(TitanServiceRegistry.class);
    });
  }

  @Test
  void stopsAndDeregistersWhenTheContextCloses() {
    String[] id = new String[1];
    runner.run(ctx -> {
      ready(ctx);
      id[0] = ctx.getBean(DiscoveryService.class).getNodeId();
      assertThat(rawConnection.sync().keys("titan:discovery:*" + id[0] + "*")).isNotEmpty();
    });
    assertThat(rawConnection.sync().keys("titan:discovery:*" + id[0] + "*")).isEmpty();
  }

  @Test
  void titanDiscoveryEnabledFalseTurnsEverythingOff() {
    runner.withPropertyValues("titan.discovery.enabled=false").run(ctx -> assertThat(ctx)
        .doesNotHaveBean(DiscoveryService.class)
        .doesNotHaveBean(TitanDiscoveryClient.class)
        .doesNotHaveBean(TitanReactiveDiscoveryClient.class)
        .doesNotHaveBean(TitanServiceRegistry.class)
        .doesNotHaveBean(TitanDiscoveryHealthIndicator.class));
  }

  @Test
  void springCloudDiscoveryDisabledKeepsOnlyTheCoreService() {
    runner.withPropertyValues("spring.cloud.discovery.enabled=false").run(ctx -> assertThat(ctx)
        .hasSingleBean(DiscoveryService.class)
        .doesNotHaveBean(TitanDiscoveryClient.class)
        .doesNotHaveBean(TitanReactiveDiscoveryClient.class)
        .doesNotHaveBean(TitanServiceRegistry.class)
        .doesNotHaveBean(TitanAutoRegistration.class));
  }

  @Test
  void blockingAndReactiveClientsCanBeTurnedOffSeparately() {
    runner.withPropertyValues("spring.cloud.discovery.blocking.enabled=false").run(ctx -> assertThat(ctx)
        .doesNotHaveBean(TitanDiscoveryClient.class)
        .hasSingleBean(TitanReactiveDiscoveryClient.class));
    runner.withPropertyValues("spring.cloud.discovery.reactive.enabled=false").run(ctx -> assertThat(ctx)
        .hasSingleBean(TitanDiscoveryClient.class)
        .doesNotHaveBean(TitanReactiveDiscoveryClient.class));
  }

  @Test
  void autoRegistrationCanBeTurnedOff() {
    runner.withPropertyValues("spring.cloud.service-registry.auto-registration.enabled=false").run(ctx -> assertThat(ctx)
        .hasSingleBean(TitanServiceRegistry.class)
        .doesNotHaveBean(TitanAutoRegistration.class));
  }

  @Test
  void backsOffFromTheApplicationsOwnBeans() {
    runner.withUserConfiguration(OwnBeans.class).run(ctx -> {
      assertThat(ctx).hasSingleBean(DiscoveryService.class).hasSingleBean(TitanDiscoveryClient.class);
      assertThat(ctx.getBean(DiscoveryService.class).getNodeId()).isEqualTo("own-node");
      assertThat(ctx.getBean(TitanDiscoveryClient.class).getOrder()).isEqualTo(42);
      assertThat(ctx).hasSingleBean(TitanRegistration.class);
      assertThat(ctx.getBean(TitanRegistration.class).getPort()).isEqualTo(1234);
      assertThat(ctx.getBean(DiscoveryService.class).status().started()).isTrue();
    });
  }

  @Test
  void propertiesReachTheDiscoveryOptions() {
    TitanDiscoveryProperties p = new TitanDiscoveryProperties();
    assertThat(p.toOptions()).isEqualTo(DiscoveryOptions.defaults().toBuilder().pubSubEnabled(true).build());

    runner.withPropertyValues(
            "titan.discovery.heartbeat-interval=2s",
            "titan.discovery.heartbeat-ttl=7s",
            "titan.discovery.pub-sub-enabled=false",
            "titan.discovery.pub-sub-channel=my:events",
            "titan.discovery.client-mode=true",
            "titan.discovery.redis-prefix=bound:prefix",
            "titan.discovery.max-retries=5",
            "titan.discovery.retry-delay=250ms",
            "titan.discovery.connect-timeout=3s",
            "titan.discovery.command-timeout=4s",
            "titan.discovery.node-id=bound-node",
            "titan.discovery.service-version=2.1.0")
        .run(ctx -> {
          TitanDiscoveryProperties props = ctx.getBean(TitanDiscoveryProperties.class);
          assertThat(props.toOptions()).isEqualTo(DiscoveryOptions.builder()
              .heartbeatInterval(Duration.ofSeconds(2))
              .heartbeatTtl(Duration.ofSeconds(7))
              .pubSubEnabled(false)
              .pubSubChannel("my:events")
              .clientMode(true)
              .redisPrefix("bound:prefix")
              .maxRetries(5)
              .retryDelay(Duration.ofMillis(250))
              .connectTimeout(Duration.ofSeconds(3))
              .commandTimeout(Duration.ofSeconds(4))
              .build());
          DiscoveryService discovery = ctx.getBean(DiscoveryService.class);
          assertThat(discovery.getNodeId()).isEqualTo("bound-node");
          assertThat(discovery.isRegistered()).isFalse(); // client mode reached the service
          assertThat(discovery.status().started()).isTrue();
        });
  }

  @Test
  void redisPrefixAndVersionReachRedis() {
    runner.withPropertyValues("titan.discovery.redis-prefix=prefixed:reg", "titan.discovery.node-id=prefixed-node",
            "titan.discovery.service-version=3.0.0")
        .run(ctx -> {
          TitanServiceRegistry registry = ctx.getBean(TitanServiceRegistry.class);
          registry.register(new TitanRegistration("prefixed-node", "orders", "127.0.0.1", 8081, "3.0.0"));
          assertThat(rawConnection.sync().keys("prefixed:reg*prefixed-node*")).isNotEmpty();
          List<ServiceInstance> found = ctx.getBean(DiscoveryClient.class).getInstances("orders");
          assertThat(found).singleElement().satisfies(i -> {
            assertThat(i.getInstanceId()).isEqualTo("prefixed-node");
            assertThat(i.getHost()).isEqualTo("127.0.0.1");
            assertThat(i.getPort()).isEqualTo(8081);
            assertThat(i.getMetadata()).containsEntry("version", "3.0.0").containsEntry("nodeId", "prefixed-node");
          });
          assertThat((String) registry.getStatus(new TitanRegistration("prefixed-node", "orders", "127.0.0.1", 8081, null)))
              .isEqualTo("UP");
        });
  }

  @Test
  void registrationKeepsTheApplicationsOwnServicesAndReplacesOneOfTheSameName() {
    runner.withPropertyValues("titan.discovery.node-id=merging-node").run(ctx -> {
      DiscoveryService discovery = ctx.getBean(DiscoveryService.class);
      TitanServiceRegistry registry = ctx.getBean(TitanServiceRegistry.class);
      discovery.registerService(ServiceInfo.of("orders", "0.9")).join();
      discovery.registerService(ServiceInfo.of("audit")).join();
      TitanRegistration registration = new TitanRegistration("merging-node", "orders", "127.0.0.1", 8082, "1.0");
      registry.register(registration);
      assertThat(servicesInRedis(discovery)).containsExactly(ServiceInfo.of("orders", "1.0"), ServiceInfo.of("audit"));
      // a status change is the node's status; the services stay
      registry.setStatus(registration, "OUT_OF_SERVICE");
      assertThat(servicesInRedis(discovery)).containsExactly(ServiceInfo.of("orders", "1.0"), ServiceInfo.of("audit"));
      assertThat(discovery.getNodeInfo("merging-node").join().orElseThrow().status()).isEqualTo(NodeStatus.OUT_OF_SERVICE);
      registry.setStatus(registration, "UP");
      assertThat(discovery.getNodeInfo("merging-node").join().orElseThrow().status()).isEqualTo(NodeStatus.UP);
      registry.deregister(registration);
      assertThat(servicesInRedis(discovery)).containsExactly(ServiceInfo.of("audit"));
      assertThat(discovery.isRegistered()).isTrue();
    });
  }

  private static List<ServiceInfo> servicesInRedis(DiscoveryService discovery) {
    return discovery.getNodeInfo(discovery.getNodeId()).join().orElseThrow().services();
  }

  @Test
  void usesSpringDataRedisSettingsWithoutRedisUrl() {
    new ApplicationContextRunner()
        .withConfiguration(TITAN)
        .withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class))
        .withPropertyValues("spring.application.name=orders", "spring.data.redis.host=127.0.0.1",
            "spring.data.redis.port=" + redis.port(), "titan.discovery.node-id=from-spring-data")
        .run(ctx -> {
          assertThat(ctx).hasNotFailed().hasSingleBean(RedisEndpoint.class);
          assertThat(ctx.getBean(RedisEndpoint.class).uri()).isEqualTo("redis://127.0.0.1:" + redis.port());
          ready(ctx);
          assertThat(ctx.getBean(DiscoveryService.class).isRegistered()).isTrue();
          assertThat(rawConnection.sync().keys("titan:discovery*from-spring-data*")).isNotEmpty();
        });
  }

  @Test
  void redisUrlWinsOverSpringDataRedisSettings() {
    runner.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class))
        .withPropertyValues("spring.data.redis.port=1", "titan.discovery.connect-timeout=2s")
        .run(ctx -> {
          assertThat(ctx).hasNotFailed();
          ready(ctx);
          assertThat(ctx.getBean(DiscoveryService.class).isRegistered()).isTrue();
        });
  }

  @Test
  void metadataZoneAndWeightPropertiesReachTheNodeAndItsInstances() {
    runner.withPropertyValues("titan.discovery.node-id=meta-node", "titan.discovery.metadata.tier=gold",
            "titan.discovery.metadata.zone=overridden", "titan.discovery.metadata[team.name]=payments",
            "titan.discovery.zone=eu-1", "titan.discovery.weight=4")
        .run(ctx -> {
          DiscoveryService discovery = ctx.getBean(DiscoveryService.class);
          assertThat(discovery.getMetadata()).containsExactlyInAnyOrderEntriesOf(
              java.util.Map.of("tier", "gold", "team.name", "payments", "zone", "eu-1", "weight", "4"));
          ready(ctx);
          assertThat(ctx).hasSingleBean(TitanRegistration.class);
          assertThat(ctx.getBean(TitanRegistration.class).getInstanceId()).isEqualTo("meta-node");
          List<ServiceInstance> found = ctx.getBean(DiscoveryClient.class).getInstances("orders");
          assertThat(found).singleElement().satisfies(i -> assertThat(i.getMetadata())
              .containsEntry("zone", "eu-1").containsEntry("weight", "4").containsEntry("tier", "gold")
              .containsEntry("team.name", "payments").containsEntry("status", "UP"));
        });
  }

  @Test
  void invalidWeightFailsStartupNamingThePropertyAndTheValue() {
    runner.withPropertyValues("titan.discovery.weight=0").run(ctx -> assertThat(ctx).hasFailed().getFailure()
        .hasStackTraceContaining("titan.discovery.weight").hasStackTraceContaining("'0'"));
    runner.withPropertyValues("titan.discovery.weight=heavy").run(ctx -> assertThat(ctx).hasFailed().getFailure()
        .hasStackTraceContaining("titan.discovery.weight").hasStackTraceContaining("heavy"));
    runner.withPropertyValues("titan.discovery.zone= ").run(ctx -> assertThat(ctx).hasFailed().getFailure()
        .hasStackTraceContaining("titan.discovery.zone"));
    runner.withPropertyValues("titan.discovery.metadata.weight=-3").run(ctx -> assertThat(ctx).hasFailed().getFailure()
        .hasStackTraceContaining("titan.discovery.metadata.weight").hasStackTraceContaining("'-3'"));
  }

  @Test
  void unreachableRedisFailsStartupWithAClearMessage() {
    new ApplicationContextRunner().withConfiguration(TITAN)
        .withPropertyValues("titan.discovery.redis-url=redis://127.0.0.1:1", "titan.discovery.connect-timeout=1s")
        .run(ctx -> assertThat(ctx).hasFailed().getFailure()
            .hasStackTraceContaining("Titan discovery could not start (Redis from titan.discovery.redis-url)"));
  }

  @Test
  void registryEventsBecomeHeartbeatEventsAndInvalidateLookups() {
    runner.withUserConfiguration(HeartbeatCollector.class).run(ctx -> {
      DiscoveryClient client = ctx.getBean(DiscoveryClient.class);
      assertThat(client.getInstances("payments")).isEmpty(); // now cached as empty
      HeartbeatCollector collector = ctx.getBean(HeartbeatCollector.class);
      int before = collector.events.size();
      try (DiscoveryService other = Discovery.builder().redisUri(redis.uri())
          .options(DiscoveryOptions.builder().pubSubEnabled(true).build())
          .nodeId("payments-1").address("10.0.0.7:9000")
          .services(List.of(ServiceInfo.of("payments", "1.2.0"))).build()) {
        other.start().join();
        await().atMost(Duration.ofSeconds(5)).until(() -> collector.events.size() > before);
        assertThat(client.getInstances("payments")).singleElement().satisfies(i -> {
          assertThat(i.getHost()).isEqualTo("10.0.0.7");
          assertThat(i.getPort()).isEqualTo(9000);
          assertThat(i.getMetadata()).containsEntry("version", "1.2.0");
        });
        assertThat(client.getServices()).contains("payments");
        assertThat(ctx.getBean(ReactiveDiscoveryClient.class).getServices().collectList().block()).contains("payments");
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> client.getInstances("payments").isEmpty());
    });
  }

  @Test
  void healthAndMetricsReportTheService() {
    runner.run(ctx -> {
      // DOWN while the auto-registration has not registered the node yet
      assertThat(ctx.getBean(TitanDiscoveryHealthIndicator.class).health().getStatus()).isEqualTo(Status.DOWN);
      ready(ctx);
      Health health = ctx.getBean(TitanDiscoveryHealthIndicator.class).health();
      assertThat(health.getStatus()).isEqualTo(Status.UP);
      assertThat(health.getDetails()).containsEntry("redisReachable", true).containsEntry("registered", true)
          .containsKey("lastHeartbeatAgeMs");
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      ctx.getBean(TitanDiscoveryMetrics.class).bindTo(meters);
      ctx.getBean(DiscoveryClient.class).getInstances("orders");
      assertThat(meters.get("titan.discovery.heartbeats").tag("result", "sent").functionCounter().count()).isGreaterThanOrEqualTo(1);
      assertThat(meters.get("titan.discovery.lookup").tag("operation", "instances").timer().count()).isEqualTo(1);
      await().atMost(Duration.ofSeconds(5))
          .until(() -> meters.get("titan.discovery.registry.size").gauge().value() >= 1);
      assertThat(meters.find("titan.discovery.events.received").functionCounter()).isNotNull();
    });
  }

  @Test
  void healthIsDownWhenStopped() {
    runner.run(ctx -> {
      ctx.getBean(DiscoveryService.class).stop().join();
      assertThat(ctx.getBean(TitanDiscoveryHealthIndicator.class).health().getStatus()).isEqualTo(Status.DOWN);
    });
  }

  @Test
  void sharesTheApplicationsLettuceClientResourcesAndLeavesThemRunning() {
    ClientResources resources = DefaultClientResources.create();
    try {
      List<Object> connected = new CopyOnWriteArrayList<>();
      reactor.core.Disposable sub = resources.eventBus().get()
          .filter(e -> e instanceof ConnectionActivatedEvent)
          .subscribe(connected::add);
      runner.withBean(ClientResources.class, () -> resources).run(ctx -> {
        assertThat(ctx.getBean(DiscoveryService.class).status().connected()).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> !connected.isEmpty());
      });
      sub.dispose();
      assertThat(resources.eventExecutorGroup().isShuttingDown()).isFalse();
    } finally {
      resources.shutdown();
    }
  }

  @Test
  void optionalIntegrationsBackOffWhenTheirLibrariesAreMissing() {
    runner.withClassLoader(new FilteredClassLoader(
            org.springframework.boot.health.contributor.HealthIndicator.class,
            io.micrometer.core.instrument.binder.MeterBinder.class,
            org.springframework.cloud.loadbalancer.cache.LoadBalancerCacheManager.class,
            org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails.class,
            reactor.core.publisher.Flux.class))
        .run(ctx -> assertThat(ctx).hasNotFailed()
            .hasSingleBean(DiscoveryService.class)
            .hasSingleBean(TitanDiscoveryClient.class)
            .doesNotHaveBean(TitanReactiveDiscoveryClient.class)
            .doesNotHaveBean(TitanDiscoveryHealthIndicator.class)
            .doesNotHaveBean(TitanDiscoveryMetrics.class)
            .doesNotHaveBean(RedisEndpoint.class)
            .doesNotHaveBean(TitanDiscoveryAutoConfiguration.LoadBalancerCacheEviction.class));
  }

  @Test
  void clientModeRegistersNothing() {
    runner.withPropertyValues("titan.discovery.client-mode=true", "titan.discovery.node-id=client-only").run(ctx -> {
      TitanServiceRegistry registry = ctx.getBean(TitanServiceRegistry.class);
      registry.register(new TitanRegistration("client-only", "orders", "127.0.0.1", 1234, null));
      assertThat(rawConnection.sync().keys("titan:discovery*client-only*")).isEmpty();
      assertThat(ctx.getBean(TitanDiscoveryHealthIndicator.class).health().getStatus()).isEqualTo(Status.UP);
    });
  }

  /** What SpringApplication publishes once the application is ready: the auto-registration registers. */
  private static void ready(AssertableApplicationContext ctx) {
    ConfigurableApplicationContext source = ctx.getSourceApplicationContext();
    source.publishEvent(new ApplicationReadyEvent(new SpringApplication(), new String[0], source, Duration.ZERO));
  }

  /** The application's own beans. */
  @Configuration(proxyBeanMethods = false)
  static class OwnBeans {
    @Bean
    DiscoveryService ownDiscovery() {
      return Discovery.builder().redisUri(redis.uri()).nodeId("own-node").build();
    }

    @Bean
    TitanDiscoveryClient ownClient(TitanServiceInstances instances) {
      return new TitanDiscoveryClient(instances, Duration.ofSeconds(1), 42);
    }

    @Bean
    TitanRegistration ownRegistration() {
      return new TitanRegistration("own-node", "orders", "127.0.0.1", 1234, null);
    }
  }

  /** Collects Spring Cloud heartbeat events. */
  static class HeartbeatCollector implements ApplicationListener<HeartbeatEvent> {
    final List<HeartbeatEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public void onApplicationEvent(HeartbeatEvent event) {
      events.add(event);
    }
  }
}
