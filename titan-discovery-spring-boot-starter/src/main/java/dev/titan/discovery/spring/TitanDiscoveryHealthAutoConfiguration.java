package dev.titan.discovery.spring;

import dev.titan.discovery.DiscoveryService;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of the {@link TitanDiscoveryHealthIndicator}, contributed as {@code
 * titanDiscovery} when spring-boot-health (Actuator) is present; off with {@code
 * management.health.titan-discovery.enabled=false}.
 */
@AutoConfiguration(after = TitanDiscoveryAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(DiscoveryService.class)
@ConditionalOnEnabledHealthIndicator("titan-discovery")
public class TitanDiscoveryHealthAutoConfiguration {

  /** Creates the auto-configuration. */
  public TitanDiscoveryHealthAutoConfiguration() {}

  /**
   * The health indicator.
   *
   * @param discovery the discovery service
   * @param properties the settings
   * @param autoRegistration present when the node is to be registered automatically
   * @return the indicator
   */
  @Bean
  @ConditionalOnMissingBean(name = "titanDiscoveryHealthIndicator")
  public TitanDiscoveryHealthIndicator titanDiscoveryHealthIndicator(
      DiscoveryService discovery, TitanDiscoveryProperties properties, ObjectProvider<TitanAutoRegistration> autoRegistration) {
    return new TitanDiscoveryHealthIndicator(discovery, properties.isClientMode(),
        autoRegistration.getIfAvailable() != null, properties.getHeartbeatTtl());
  }
}
