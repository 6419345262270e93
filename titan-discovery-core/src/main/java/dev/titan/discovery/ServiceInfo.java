package dev.titan.discovery;

import dev.titan.discovery.internal.Validation;
import org.jspecify.annotations.Nullable;

/**
 * A service offered by a node: a name and an optional version.
 *
 * <p>On the wire a service is the JSON object {@code {"name":"user-service","version":"1.0.0"}};
 * a service without a version has no {@code version} key at all, exactly as the TypeScript
 * implementation writes it.
 *
 * @param name the service name; never blank, no control characters
 * @param version the version, or {@code null} for an unversioned service
 */
public record ServiceInfo(String name, @Nullable String version) {

  /**
   * Validates the components.
   *
   * @param name the service name
   * @param version the version, or {@code null}
   * @throws IllegalArgumentException if the name is blank, too long or contains control
   *     characters, or the version contains control characters
   */
  public ServiceInfo {
    Validation.serviceName(name);
    if (version != null) {
      Validation.serviceVersion(version);
    }
  }

  /**
   * An unversioned service.
   *
   * @param name the service name
   * @return the service
   * @throws IllegalArgumentException if the name is invalid
   */
  public static ServiceInfo of(String name) {
    return new ServiceInfo(name, null);
  }

  /**
   * A service with an optional version.
   *
   * @param name the service name
   * @param version the version, or {@code null}
   * @return the service
   * @throws IllegalArgumentException if the name or version is invalid
   */
  public static ServiceInfo of(String name, @Nullable String version) {
    return new ServiceInfo(name, version);
  }

  /**
   * Whether this service has the given name and, when {@code version} is not null, that
   * version.
   *
   * @param serviceName the name to match exactly
   * @param serviceVersion the version to match exactly, or {@code null} for any version
   * @return true when it matches
   */
  public boolean matches(String serviceName, @Nullable String serviceVersion) {
    return name.equals(serviceName) && (serviceVersion == null || serviceVersion.equals(version));
  }

  @Override
  public String toString() {
    return version == null ? name : name + "@" + version;
  }
}
