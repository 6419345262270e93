package dev.titan.discovery.spring;

import dev.titan.discovery.DiscoveryException;
import dev.titan.discovery.DiscoveryService;
import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.NodeStatus;
import dev.titan.discovery.ServiceInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.client.serviceregistry.ServiceRegistry;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.ResponseStatus;

/**
 * Spring Cloud {@link ServiceRegistry} on the application's {@link DiscoveryService}.
 *
 * <p>The discovery service is this application's node in the registry. It starts with the
 * context but registers nothing by itself: {@link #register} gives the node the registration's
 * id and address, adds the registration's service to the services the node already offers (the
 * application may add its own with {@link DiscoveryService#registerService}; one of the same
 * name is replaced) and registers it (its heartbeat runs from then on); {@link #deregister}
 * withdraws only the registration's service, so that no caller finds it any more, while the node
 * and its other services stay until the context stops (NODE_DEREGISTERED). A registration with
 * another node id than the application's is removed outright. In client mode nothing is
 * written. {@link #setStatus} and {@link #getStatus} are the node's {@link NodeStatus} ({@code
 * UP}, {@code DRAINING}, {@code OUT_OF_SERVICE}); a status change leaves the services alone.
 */
public class TitanServiceRegistry implements ServiceRegistry<TitanRegistration> {

  /** Status of a node that takes calls. */
  public static final String STATUS_UP = "UP";
  /** Status of a node that is shutting down and takes no new calls. */
  public static final String STATUS_DRAINING = "DRAINING";
  /** Status of a node taken out of rotation. */
  public static final String STATUS_OUT_OF_SERVICE = "OUT_OF_SERVICE";

  private static final Logger LOG = LoggerFactory.getLogger(TitanServiceRegistry.class);

  private final DiscoveryService discovery;
  private final TitanRegistryEvents events;
  private final boolean clientMode;
  private final Duration timeout;

  /**
   * Creates the registry.
   *
   * @param discovery the application's discovery service
   * @param events told of our own changes, which Redis does not echo back to us
   * @param clientMode whether to write nothing
   * @param timeout how long one registry call may block
   */
  TitanServiceRegistry(DiscoveryService discovery, TitanRegistryEvents events, boolean clientMode, Duration timeout) {
    this.discovery = discovery;
    this.events = events;
    this.clientMode = clientMode;
    this.timeout = timeout;
  }

  /**
   * Registers the application's node with the registration's id and address, offering the
   * registration's service next to the services it already offers.
   *
   * @param registration the registration
   * @throws DiscoveryException when Redis did not take it
   */
  @Override
  public void register(TitanRegistration registration) {
    if (clientMode) {
      LOG.info("Titan discovery is in client mode: {} is not registered", registration);
      return;
    }
    List<ServiceInfo> services = merge(discovery.getServices(), registration.getServices());
    await(discovery.registerNode(registration.getInstanceId(), registration.getAddress(), services),
        "Registration of " + registration);
    events.ownChange();
    LOG.info("Registered {}", registration);
  }

  /**
   * Withdraws the registration's service from the application's own node (its other services
   * stay), or removes another node.
   *
   * @param registration the registration
   */
  @Override
  public void deregister(TitanRegistration registration) {
    withdraw(registration, false);
  }

  /**
   * Withdraws every service of the application's node (it is about to leave), or removes another
   * node.
   *
   * @param registration the registration
   */
  void withdrawAll(TitanRegistration registration) {
    withdraw(registration, true);
  }

  private void withdraw(TitanRegistration registration, boolean all) {
    if (clientMode) {
      return;
    }
    try {
      if (registration.getInstanceId().equals(discovery.getNodeId())) {
        await(all ? discovery.updateServices(List.of()) : discovery.unregisterService(registration.getServiceId()),
            "Deregistration of " + registration);
      } else {
        await(discovery.deregisterNode(registration.getInstanceId()), "Deregistration of " + registration);
      }
      LOG.info("Deregistered {}", registration);
    } catch (DiscoveryException | IllegalStateException e) {
      LOG.warn("{}; the node leaves the registry when it stops or its TTL ends", e.getMessage());
    }
    events.ownChange();
  }

  /** Nothing to do: the discovery service is closed with the application context. */
  @Override
  public void close() {}

  /**
   * Sets the status of the registration's node ({@link DiscoveryService#setStatus} for the
   * application's own node, {@link DiscoveryService#setNodeStatus} for another): {@code UP},
   * {@code DRAINING} or {@code OUT_OF_SERVICE}, case-insensitive; {@code DOWN} is taken as {@code
   * OUT_OF_SERVICE}. The node's services stay as they are: a node that is not UP is still
   * registered and found by status-aware lookups, but the discovery clients no longer hand it out.
   * This is what the Actuator {@code service-registry} endpoint calls.
   *
   * @param registration the registration
   * @param status the status
   * @throws IllegalArgumentException naming the value when it is none of these
   * @throws DiscoveryException when Redis did not take it
   */
  @Override
  public void setStatus(TitanRegistration registration, String status) {
    NodeStatus s = parseStatus(status);
    if (registration.getInstanceId().equals(discovery.getNodeId())) {
      await(discovery.setStatus(s), "Status " + s + " of " + registration);
    } else if (!clientMode) {
      await(discovery.setNodeStatus(registration.getInstanceId(), s), "Status " + s + " of " + registration);
    } else {
      throw new IllegalStateException("Titan discovery is in client mode: the status of " + registration + " is not written");
    }
    events.ownChange();
    LOG.info("Status of {} set to {}", registration, s);
  }

  /**
   * The status of the registration's node: for the application's own node its current status
   * ({@link DiscoveryService#getStatus()}, also before it is registered: the status it will be
   * registered with); for another node the status read from the registry, or null when there is
   * no such node.
   *
   * @param registration the registration
   * @return the status name ({@code UP}, {@code DRAINING} or {@code OUT_OF_SERVICE}), a String
   */
  @Override
  @SuppressWarnings("unchecked")
  public <T> T getStatus(TitanRegistration registration) {
    if (registration.getInstanceId().equals(discovery.getNodeId())) {
      return (T) discovery.getStatus().name();
    }
    CompletableFuture<Optional<NodeInfo>> node = discovery.getNodeInfo(registration.getInstanceId());
    try {
      Optional<NodeInfo> n = node.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return (T) n.map(i -> i.status().name()).orElse(null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DiscoveryException("Status lookup of " + registration + " was interrupted");
    } catch (ExecutionException | TimeoutException e) {
      throw new DiscoveryException("Status lookup of " + registration + " failed: " + e, e);
    }
  }

  /**
   * The node status a Spring Cloud status string names.
   *
   * @param status {@code UP}, {@code DRAINING}, {@code OUT_OF_SERVICE} or {@code DOWN} (= out of
   *     service), case-insensitive
   * @return the status
   * @throws IllegalArgumentException naming the value otherwise
   */
  static NodeStatus parseStatus(String status) {
    String s = status == null ? "" : status.trim().toUpperCase(java.util.Locale.ROOT);
    switch (s) {
      case "UP":
        return NodeStatus.UP;
      case "DRAINING":
        return NodeStatus.DRAINING;
      case "OUT_OF_SERVICE":
      case "DOWN":
        return NodeStatus.OUT_OF_SERVICE;
      default:
        throw new InvalidStatusException("status must be UP, DRAINING, OUT_OF_SERVICE or DOWN, was '" + status + "'");
    }
  }

  /**
   * An unknown status: an {@link IllegalArgumentException} that Spring MVC and WebFlux answer with
   * 400 Bad Request (the Actuator endpoint lets it through to them); the annotation is simply
   * absent where spring-web is not.
   */
  @ResponseStatus(HttpStatus.BAD_REQUEST)
  static final class InvalidStatusException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    InvalidStatusException(String message) {
      super(message);
    }
  }

  /**
   * Marks the application's node DRAINING (published at once, so callers stop choosing it) and
   * then withdraws its services (for readers that do not know about status: the TypeScript
   * implementation, earlier versions); the node stays registered, heartbeating, until the
   * discovery service stops. Failures are logged.
   *
   * @param registration the application's registration
   */
  void drain(TitanRegistration registration) {
    if (clientMode || !registration.getInstanceId().equals(discovery.getNodeId())) {
      withdrawAll(registration);
      return;
    }
    try {
      await(discovery.setStatus(NodeStatus.DRAINING), "Draining of " + registration);
      events.ownChange();
      LOG.info("Draining {}", registration);
    } catch (DiscoveryException | IllegalStateException e) {
      LOG.warn("{}; withdrawing its services", e.getMessage());
    }
    withdrawAll(registration);
  }

  /** The current services with the added ones, each replacing a current one of the same name. */
  static List<ServiceInfo> merge(List<ServiceInfo> current, List<ServiceInfo> added) {
    Set<String> names = added.stream().map(ServiceInfo::name).collect(Collectors.toSet());
    List<ServiceInfo> out = new ArrayList<>();
    boolean placed = false;
    for (ServiceInfo s : current) {
      if (!names.contains(s.name())) {
        out.add(s);
      } else if (!placed) {
        out.addAll(added); // where the replaced one was
        placed = true;
      }
    }
    if (!placed) {
      out.addAll(added);
    }
    return out;
  }

  private void await(CompletableFuture<Void> f, String what) {
    try {
      f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DiscoveryException(what + " was interrupted");
    } catch (ExecutionException e) {
      Throwable c = e.getCause() != null ? e.getCause() : e;
      throw new DiscoveryException(what + " failed: " + c.getMessage(), c);
    } catch (TimeoutException e) {
      throw new DiscoveryException(what + " did not complete within " + timeout.toMillis() + " ms");
    }
  }
}
