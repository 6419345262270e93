package dev.titan.discovery.spring;

import dev.titan.discovery.DiscoveryService;
import dev.titan.discovery.dashboard.DashboardServer;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The opt-in registry dashboard: with {@code titan.discovery.dashboard.enabled=true} and the
 * {@code titan-discovery-dashboard} module on the class path, the application serves the live
 * registry page on its own port (default 8090, bound to 127.0.0.1), next to the actuator.
 */
@AutoConfiguration(after = TitanDiscoveryAutoConfiguration.class)
@ConditionalOnClass(DashboardServer.class)
@ConditionalOnProperty(prefix = "titan.discovery.dashboard", name = "enabled", havingValue = "true")
@ConditionalOnProperty(prefix = "titan.discovery", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(TitanDashboardProperties.class)
public class TitanDashboardAutoConfiguration {

  /** Creates the auto-configuration. */
  public TitanDashboardAutoConfiguration() {}

  /**
   * Serves the dashboard while the context runs.
   *
   * @param discovery the application's discovery service (pub/sub must be on)
   * @param properties the settings
   * @return the lifecycle
   */
  @Bean
  @ConditionalOnBean(DiscoveryService.class)
  @ConditionalOnMissingBean
  public TitanDashboardLifecycle titanDashboardLifecycle(DiscoveryService discovery, TitanDashboardProperties properties) {
    return new TitanDashboardLifecycle(discovery, properties);
  }
}
