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
 * <p>Names and versions are validated where they enter: {@link #of} and every write (registering,
 * updating services) refuse a blank name, more than 256 characters and control characters. The
 * constructor itself only refuses a null name, because what is read from Redis or the channel is
 * never refused: the TypeScript implementation accepts any string, and its nodes must still be
 * listed and found by their other services.
 *
 * @param name the service name (never null; not blank and without control characters when written
 *     by us)
 * @param version the version, or {@code null} for an unversioned service
 */
public record ServiceInfo(String name, @Nullable String version) {

  /**
   * Takes the components as they are (see the class comment for where they are validated).
   *
   * @param name the service name
   * @param version the version, or {@code null}
   * @throws NullPointerException if the name is null
   */
  public ServiceInfo {
    java.util.Objects.requireNonNull(name, "service name");
  }

  /**
   * An unversioned service.
   *
   * @param name the service name
   * @return the service
   * @throws IllegalArgumentException if the name is invalid
   */
  public static ServiceInfo of(String name) {
    return of(name, null);
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
    Validation.serviceName(name);
    if (version != null) {
      Validation.serviceVersion(version);
    }
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
