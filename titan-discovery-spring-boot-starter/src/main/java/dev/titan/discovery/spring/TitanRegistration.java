package dev.titan.discovery.spring;

import dev.titan.discovery.ServiceInfo;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.serviceregistry.Registration;

/**
 * What {@link TitanServiceRegistry} registers: this application as one node of the registry,
 * offering one service. Immutable.
 *
 * <p>Instance id = the node id, service id = the service name, address {@code host:port}
 * (an IPv6 host in brackets), the optional version in the metadata as {@code version}.
 */
public final class TitanRegistration implements Registration {

  private final String instanceId;
  private final String serviceId;
  private final String host;
  private final int port;
  private final @Nullable String version;

  /**
   * Creates a registration.
   *
   * @param instanceId the node id
   * @param serviceId the service name
   * @param host the host (an IPv6 address is put in brackets)
   * @param port the port
   * @param version the service version, or null
   */
  public TitanRegistration(String instanceId, String serviceId, String host, int port, @Nullable String version) {
    this.instanceId = Objects.requireNonNull(instanceId, "instanceId");
    this.serviceId = Objects.requireNonNull(serviceId, "serviceId");
    Objects.requireNonNull(host, "host");
    this.host = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    this.port = port;
    this.version = version;
  }

  /**
   * The node id.
   *
   * @return the id
   */
  @Override
  public String getInstanceId() {
    return instanceId;
  }

  /**
   * The service name.
   *
   * @return the name
   */
  @Override
  public String getServiceId() {
    return serviceId;
  }

  /**
   * The host.
   *
   * @return the host, IPv6 in brackets
   */
  @Override
  public String getHost() {
    return host;
  }

  /**
   * The port.
   *
   * @return the port
   */
  @Override
  public int getPort() {
    return port;
  }

  /**
   * Always false: the registry records no scheme.
   *
   * @return false
   */
  @Override
  public boolean isSecure() {
    return false;
  }

  /**
   * {@code http://host:port}.
   *
   * @return the URI
   */
  @Override
  public URI getUri() {
    return ServiceInstance.createUri(this);
  }

  /**
   * {@code nodeId} and, when set, {@code version}.
   *
   * @return an unmodifiable map
   */
  @Override
  public Map<String, String> getMetadata() {
    Map<String, String> m = new LinkedHashMap<>();
    if (version != null) {
      m.put("version", version);
    }
    m.put("nodeId", instanceId);
    return Map.copyOf(m);
  }

  /**
   * The service version.
   *
   * @return the version, or null
   */
  public @Nullable String getVersion() {
    return version;
  }

  /**
   * The address written to the registry.
   *
   * @return {@code host:port}
   */
  public String getAddress() {
    return host + ":" + port;
  }

  /**
   * The services written to the registry.
   *
   * @return one service: name and version
   */
  public List<ServiceInfo> getServices() {
    return List.of(ServiceInfo.of(serviceId, version));
  }

  @Override
  public String toString() {
    return "TitanRegistration{" + serviceId + (version == null ? "" : "@" + version) + " " + instanceId + " at " + getAddress() + "}";
  }
}
