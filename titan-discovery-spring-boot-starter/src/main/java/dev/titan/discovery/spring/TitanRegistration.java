package dev.titan.discovery.spring;

import dev.titan.discovery.ServiceInfo;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.serviceregistry.Registration;

/**
 * What {@link TitanServiceRegistry} registers: this application as one node of the registry,
 * offering one service. Immutable, except the application's own {@code Registration} bean (the
 * one Spring Cloud's {@code service-registry} Actuator endpoint acts on), which always shows the
 * auto-registration's current values: its port is the web server's once that has started.
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
  private final @Nullable Supplier<TitanRegistration> live;

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
    this.live = null;
  }

  private TitanRegistration(TitanRegistration initial, Supplier<TitanRegistration> live) {
    this.instanceId = initial.instanceId;
    this.serviceId = initial.serviceId;
    this.host = initial.host;
    this.port = initial.port;
    this.version = initial.version;
    this.live = live;
  }

  /**
   * A registration that always shows what {@code current} supplies (for the Registration bean,
   * created before the web server's port is known).
   *
   * @param current supplies the current registration
   * @return the live registration
   */
  static TitanRegistration live(Supplier<TitanRegistration> current) {
    return new TitanRegistration(current.get(), current);
  }

  private TitanRegistration now() {
    Supplier<TitanRegistration> l = live;
    return l == null ? this : l.get();
  }

  /**
   * The node id.
   *
   * @return the id
   */
  @Override
  public String getInstanceId() {
    return now().instanceId;
  }

  /**
   * The service name.
   *
   * @return the name
   */
  @Override
  public String getServiceId() {
    return now().serviceId;
  }

  /**
   * The host.
   *
   * @return the host, IPv6 in brackets
   */
  @Override
  public String getHost() {
    return now().host;
  }

  /**
   * The port.
   *
   * @return the port
   */
  @Override
  public int getPort() {
    return now().port;
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
    TitanRegistration r = now();
    Map<String, String> m = new LinkedHashMap<>();
    if (r.version != null) {
      m.put("version", r.version);
    }
    m.put("nodeId", r.instanceId);
    return Map.copyOf(m);
  }

  /**
   * The service version.
   *
   * @return the version, or null
   */
  public @Nullable String getVersion() {
    return now().version;
  }

  /**
   * The address written to the registry.
   *
   * @return {@code host:port}
   */
  public String getAddress() {
    TitanRegistration r = now();
    return r.host + ":" + r.port;
  }

  /**
   * The services written to the registry.
   *
   * @return one service: name and version
   */
  public List<ServiceInfo> getServices() {
    TitanRegistration r = now();
    return List.of(ServiceInfo.of(r.serviceId, r.version));
  }

  @Override
  public String toString() {
    TitanRegistration r = now();
    return "TitanRegistration{" + r.serviceId + (r.version == null ? "" : "@" + r.version) + " " + r.instanceId + " at " + r.getAddress() + "}";
  }
}
