/**
 * Spring Boot 4 auto-configuration and Spring Cloud integration of Titan Discovery: the
 * application's {@link dev.titan.discovery.DiscoveryService}, a Spring Cloud {@code
 * DiscoveryClient}, {@code ReactiveDiscoveryClient} and {@code ServiceRegistry}, the
 * auto-registration of the application, LoadBalancer cache eviction on registry events, an
 * Actuator health indicator and Micrometer meters.
 */
@NullMarked
package dev.titan.discovery.spring;

import org.jspecify.annotations.NullMarked;
