package dev.titan.discovery.spring;

import dev.titan.discovery.DiscoveryService;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of the {@link TitanDiscoveryMetrics} meter binder when Micrometer is present;
 * Spring Boot binds it to every meter registry.
 */
@AutoConfiguration(after = TitanDiscoveryAutoConfiguration.class)
@ConditionalOnClass(MeterBinder.class)
@ConditionalOnBean(DiscoveryService.class)
public class TitanDiscoveryMetricsAutoConfiguration {

  /** Creates the auto-configuration. */
  public TitanDiscoveryMetricsAutoConfiguration() {}

  /**
   * The meter binder.
   *
   * @param discovery the discovery service
   * @param instances the registry view
   * @param events registry changes refresh the registry size
   * @param properties the settings
   * @return the binder
   */
  @Bean
  @ConditionalOnMissingBean
  public TitanDiscoveryMetrics titanDiscoveryMetrics(
      DiscoveryService discovery, TitanServiceInstances instances, TitanRegistryEvents events, TitanDiscoveryProperties properties) {
    TitanDiscoveryMetrics metrics = new TitanDiscoveryMetrics(discovery, instances, properties.getHeartbeatInterval());
    events.addHook(metrics::registryChanged);
    return metrics;
  }
}
