package dev.titan.discovery.spring;

import dev.titan.discovery.DiscoveryService;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.cloud.client.ConditionalOnDiscoveryEnabled;
import org.springframework.cloud.client.serviceregistry.AutoServiceRegistrationAutoConfiguration;
import org.springframework.cloud.client.serviceregistry.Registration;
import org.springframework.cloud.client.serviceregistry.ServiceRegistryAutoConfiguration;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of the Spring Cloud {@link TitanServiceRegistry}, of the application's
 * {@link TitanAutoRegistration} and of its {@link Registration} bean. Honours {@code spring.cloud.discovery.enabled}, {@code
 * spring.cloud.service-registry.enabled} and {@code
 * spring.cloud.service-registry.auto-registration.enabled}.
 */
@AutoConfiguration(
    after = TitanDiscoveryAutoConfiguration.class,
    before = {ServiceRegistryAutoConfiguration.class, AutoServiceRegistrationAutoConfiguration.class})
@ConditionalOnDiscoveryEnabled
@ConditionalOnBean(DiscoveryService.class)
@ConditionalOnProperty(value = "spring.cloud.service-registry.enabled", matchIfMissing = true)
public class TitanServiceRegistryAutoConfiguration {

  /** Creates the auto-configuration. */
  public TitanServiceRegistryAutoConfiguration() {}

  /**
   * The service registry on the application's discovery service.
   *
   * @param discovery the discovery service
   * @param events the registry change bridge
   * @param properties the settings
   * @return the registry
   */
  @Bean
  @ConditionalOnMissingBean
  public TitanServiceRegistry titanServiceRegistry(
      DiscoveryService discovery, TitanRegistryEvents events, TitanDiscoveryProperties properties) {
    return new TitanServiceRegistry(discovery, events, properties.isClientMode(), properties.getCommandTimeout().multipliedBy(3));
  }

  /**
   * Registers the application itself.
   *
   * @param context the context
   * @param registry the registry
   * @param discovery the discovery service
   * @param properties the settings
   * @return the auto-registration
   */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnBean(TitanServiceRegistry.class)
  @ConditionalOnProperty(value = "spring.cloud.service-registry.auto-registration.enabled", matchIfMissing = true)
  public TitanAutoRegistration titanAutoRegistration(
      ApplicationContext context, TitanServiceRegistry registry, DiscoveryService discovery, TitanDiscoveryProperties properties) {
    return new TitanAutoRegistration(context, registry, discovery, properties);
  }

  /**
   * The application's own registration as a {@link Registration} bean, which Spring Cloud's
   * Actuator {@code service-registry} endpoint reads and sets the status of (and which
   * applications may inject to know their own instance). It shows the auto-registration's
   * current values: the web server's port once that has started.
   *
   * @param autoRegistration the auto-registration
   * @return the registration
   */
  @Bean
  @ConditionalOnMissingBean(Registration.class)
  @ConditionalOnBean(TitanAutoRegistration.class)
  public TitanRegistration titanRegistration(TitanAutoRegistration autoRegistration) {
    return TitanRegistration.live(autoRegistration::current);
  }
}
