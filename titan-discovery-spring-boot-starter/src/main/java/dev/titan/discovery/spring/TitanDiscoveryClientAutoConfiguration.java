package dev.titan.discovery.spring;

import dev.titan.discovery.DiscoveryService;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cloud.client.CommonsClientAutoConfiguration;
import org.springframework.cloud.client.ConditionalOnBlockingDiscoveryEnabled;
import org.springframework.cloud.client.ConditionalOnDiscoveryEnabled;
import org.springframework.cloud.client.ConditionalOnReactiveDiscoveryEnabled;
import org.springframework.cloud.client.ReactiveCommonsClientAutoConfiguration;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.discovery.simple.SimpleDiscoveryClientAutoConfiguration;
import org.springframework.cloud.client.discovery.simple.reactive.SimpleReactiveDiscoveryClientAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import reactor.core.publisher.Flux;

/**
 * Auto-configuration of the Spring Cloud {@link TitanDiscoveryClient} and {@link
 * TitanReactiveDiscoveryClient}. Honours {@code spring.cloud.discovery.enabled}, {@code
 * spring.cloud.discovery.blocking.enabled} and {@code spring.cloud.discovery.reactive.enabled}.
 * The order among discovery clients is {@code spring.cloud.discovery.client.titan.order}
 * (default 0).
 */
@AutoConfiguration(
    after = TitanDiscoveryAutoConfiguration.class,
    before = {
      SimpleDiscoveryClientAutoConfiguration.class,
      SimpleReactiveDiscoveryClientAutoConfiguration.class,
      CommonsClientAutoConfiguration.class,
      ReactiveCommonsClientAutoConfiguration.class
    })
@ConditionalOnDiscoveryEnabled
@ConditionalOnBean(DiscoveryService.class)
public class TitanDiscoveryClientAutoConfiguration {

  /** Creates the auto-configuration. */
  public TitanDiscoveryClientAutoConfiguration() {}

  static int order(Environment env) {
    return env.getProperty("spring.cloud.discovery.client.titan.order", Integer.class, DiscoveryClient.DEFAULT_ORDER);
  }

  /** The blocking client. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnBlockingDiscoveryEnabled
  static class Blocking {

    @Bean
    @ConditionalOnMissingBean
    TitanDiscoveryClient titanDiscoveryClient(
        TitanServiceInstances instances, TitanDiscoveryProperties properties, Environment env) {
      return new TitanDiscoveryClient(instances, properties.getCommandTimeout().multipliedBy(2), order(env));
    }
  }

  /** The reactive client. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnReactiveDiscoveryEnabled
  @ConditionalOnClass(Flux.class)
  static class Reactive {

    @Bean
    @ConditionalOnMissingBean
    TitanReactiveDiscoveryClient titanReactiveDiscoveryClient(TitanServiceInstances instances, Environment env) {
      return new TitanReactiveDiscoveryClient(instances, order(env));
    }
  }
}
