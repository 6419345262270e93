package dev.titan.discovery.spring;

import dev.titan.discovery.Discovery;
import dev.titan.discovery.DiscoveryService;
import io.lettuce.core.resource.ClientResources;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.cloud.loadbalancer.cache.LoadBalancerCacheManager;
import org.springframework.cloud.loadbalancer.core.CachingServiceInstanceListSupplier;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Auto-configuration of the application's {@link DiscoveryService}, started and stopped with the
 * context, and of the registry view the Spring Cloud clients share.
 *
 * <p>Redis: {@code titan.discovery.redis-url} when set; else Spring Boot's {@link
 * DataRedisConnectionDetails} (standalone, Sentinel, Cluster, SSL, user name, password, database);
 * else {@code redis://localhost:6379}. Boot's Lettuce {@link ClientResources} bean is shared when
 * there is one. Off with {@code titan.discovery.enabled=false}.
 */
@AutoConfiguration(afterName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
@ConditionalOnProperty(prefix = "titan.discovery", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(TitanDiscoveryProperties.class)
public class TitanDiscoveryAutoConfiguration {

  private static final Logger LOG = LoggerFactory.getLogger(TitanDiscoveryAutoConfiguration.class);

  /** Creates the auto-configuration. */
  public TitanDiscoveryAutoConfiguration() {}

  /**
   * The application's discovery service: built from the properties, not yet started. Built with
   * {@code registerOnStart(false)}: starting it with the context connects, subscribes and answers
   * lookups, but registers nothing; the node is registered once its address is known, by {@link
   * TitanAutoRegistration} (or by the application through {@link TitanServiceRegistry} or {@link
   * DiscoveryService#register()}), so no node with a placeholder address or without services
   * ever appears, and nothing at all is written with auto-registration off. The node's metadata
   * comes from {@code titan.discovery.metadata.*}, {@code zone} and {@code weight}; an invalid
   * value fails start-up with a message naming the property and the value.
   *
   * @param properties the settings
   * @param endpoint Redis from Spring Data Redis settings, when there are some
   * @param clientResources Boot's Lettuce resources, when there are some
   * @param environment for {@code server.port}
   * @return the service
   */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public DiscoveryService titanDiscoveryService(
      TitanDiscoveryProperties properties,
      ObjectProvider<RedisEndpoint> endpoint,
      ObjectProvider<ClientResources> clientResources,
      Environment environment) {
    RedisEndpoint redis = redisEndpoint(properties, endpoint);
    Discovery.Builder builder = Discovery.builder().options(properties.toOptions()).registerOnStart(false)
        .metadata(properties.toMetadata());
    redis.applyTo(builder);
    ClientResources resources = clientResources.getIfUnique();
    if (resources != null) {
      builder.clientResources(resources);
    }
    if (properties.getNodeId() != null && !properties.getNodeId().isBlank()) {
      builder.nodeId(properties.getNodeId());
    }
    DiscoveryService discovery = builder.build();
    Integer serverPort = environment.getProperty("server.port", Integer.class);
    if (properties.getHost() != null || properties.getPort() != null || (serverPort != null && serverPort > 0)) {
      TitanServiceInstances.HostPort detected = TitanServiceInstances.HostPort.parse(discovery.getAddress());
      String host = properties.getHost() != null ? properties.getHost() : detected != null ? detected.host() : "localhost";
      if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
        host = "[" + host + "]";
      }
      int port = properties.getPort() != null ? properties.getPort()
          : serverPort != null && serverPort > 0 ? serverPort : detected != null ? detected.port() : 3000;
      discovery.updateAddress(host + ":" + port); // before start(): applied locally, written by the registration
    }
    LOG.debug("Titan discovery uses Redis from {}", redis.source());
    return discovery;
  }

  static RedisEndpoint redisEndpoint(TitanDiscoveryProperties properties, ObjectProvider<RedisEndpoint> fromSpringData) {
    String url = properties.getRedisUrl();
    if (url != null && !url.isBlank()) {
      return RedisEndpoint.standalone(url.trim(), "titan.discovery.redis-url");
    }
    RedisEndpoint data = fromSpringData.getIfAvailable();
    return data != null ? data : RedisEndpoint.standalone("redis://localhost:6379", "the default redis://localhost:6379");
  }

  /**
   * Starts the discovery service with the context and stops it with the context.
   *
   * @param discovery the service
   * @param properties the settings
   * @param endpoint Redis from Spring Data Redis settings, for messages
   * @return the lifecycle
   */
  @Bean
  TitanDiscoveryLifecycle titanDiscoveryLifecycle(
      DiscoveryService discovery, TitanDiscoveryProperties properties, ObjectProvider<RedisEndpoint> endpoint) {
    return new TitanDiscoveryLifecycle(discovery, redisEndpoint(properties, endpoint).source());
  }

  /**
   * The registry view shared by the discovery clients.
   *
   * @param discovery the service
   * @param properties the settings ({@code cache-ttl})
   * @return the view
   */
  @Bean
  @ConditionalOnMissingBean
  public TitanServiceInstances titanServiceInstances(DiscoveryService discovery, TitanDiscoveryProperties properties) {
    return new TitanServiceInstances(discovery, properties.getCacheTtl());
  }

  /**
   * Turns registry events into cache invalidation and Spring Cloud heartbeat events.
   *
   * @param discovery the service
   * @param instances the view
   * @param publisher publishes the heartbeat events
   * @return the bridge
   */
  @Bean
  TitanRegistryEvents titanRegistryEvents(
      DiscoveryService discovery, TitanServiceInstances instances, ApplicationEventPublisher publisher) {
    return new TitanRegistryEvents(discovery, instances, publisher);
  }

  /** Redis settings from Spring Data Redis, when it is on the class path and configured. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(DataRedisConnectionDetails.class)
  static class DataRedisEndpointConfiguration {

    @Bean
    @ConditionalOnBean(DataRedisConnectionDetails.class)
    RedisEndpoint titanDataRedisEndpoint(DataRedisConnectionDetails details) {
      return DataRedisEndpoints.from(details);
    }
  }

  /**
   * Evicts Spring Cloud LoadBalancer's instance cache on every registry change, so that a
   * deregistered instance is not chosen again from a cache that lives 35 s by default.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(LoadBalancerCacheManager.class)
  static class LoadBalancerCacheEvictionConfiguration {

    @Bean
    LoadBalancerCacheEviction titanLoadBalancerCacheEviction(TitanRegistryEvents events, ListableBeanFactory beans) {
      LoadBalancerCacheEviction eviction = new LoadBalancerCacheEviction(beans);
      events.addHook(eviction);
      return eviction;
    }
  }

  /**
   * Clears the LoadBalancer's cache of service instances. The cache manager is looked up by type
   * at each change, since Spring Cloud declares it as no autowire candidate.
   */
  static final class LoadBalancerCacheEviction implements Runnable {
    static final Duration SECOND_EVICTION_DELAY = Duration.ofMillis(500);
    private final ListableBeanFactory beans;

    LoadBalancerCacheEviction(ListableBeanFactory beans) {
      this.beans = beans;
    }

    /**
     * Clears now, and once more a moment later: a LoadBalancer lookup that was in flight when
     * the event arrived may write the list it read before the change back into the cache.
     */
    @Override
    public void run() {
      clear();
      CompletableFuture.runAsync(() -> {
        try {
          clear();
        } catch (RuntimeException e) {
          LOG.debug("Second LoadBalancer cache eviction skipped: {}", e.toString());
        }
      }, CompletableFuture.delayedExecutor(SECOND_EVICTION_DELAY.toMillis(), TimeUnit.MILLISECONDS));
    }

    private void clear() {
      for (LoadBalancerCacheManager m : beans.getBeansOfType(LoadBalancerCacheManager.class, false, false).values()) {
        org.springframework.cache.Cache cache = m.getCache(CachingServiceInstanceListSupplier.SERVICE_INSTANCE_CACHE_NAME);
        if (cache != null) {
          cache.clear();
          LOG.debug("LoadBalancer instance cache cleared");
        }
      }
    }
  }
}
