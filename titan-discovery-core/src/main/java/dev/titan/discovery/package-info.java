/**
 * Titan Discovery: service discovery for JVM services with Redis as the coordination backend.
 *
 * <p>Start with {@link dev.titan.discovery.Discovery#builder()}, which builds a {@link
 * dev.titan.discovery.DiscoveryService}. Values are immutable records; options are built with
 * {@link dev.titan.discovery.DiscoveryOptions#builder()}. Everything under {@code
 * dev.titan.discovery.internal} is implementation and may change without notice.
 */
@NullMarked
package dev.titan.discovery;

import org.jspecify.annotations.NullMarked;
