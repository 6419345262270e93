package dev.titan.discovery.spring;

import dev.titan.discovery.DiscoveryException;
import dev.titan.discovery.DiscoveryService;
import dev.titan.discovery.ServiceInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.client.serviceregistry.ServiceRegistry;

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
 * written.
 */
public class TitanServiceRegistry implements ServiceRegistry<TitanRegistration> {

  /** Status of a registration whose service is offered. */
  public static final String STATUS_UP = "UP";
  /** Status of a registration whose service is withdrawn. */
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
   * {@code UP} offers the registration's service again; {@code OUT_OF_SERVICE} or {@code DOWN}
   * withdraws it while the node stays registered. Other services of the node are left alone.
   *
   * @param registration the registration
   * @param status the status
   */
  @Override
  public void setStatus(TitanRegistration registration, String status) {
    if (STATUS_UP.equalsIgnoreCase(status)) {
      register(registration);
    } else if (STATUS_OUT_OF_SERVICE.equalsIgnoreCase(status) || "DOWN".equalsIgnoreCase(status)) {
      deregister(registration);
    } else {
      throw new IllegalArgumentException("status must be UP, OUT_OF_SERVICE or DOWN, was '" + status + "'");
    }
  }

  /**
   * {@code UP} when the application's node is registered with the registration's service, else
   * {@code OUT_OF_SERVICE}.
   *
   * @param registration the registration
   * @return the status, a String
   */
  @Override
  @SuppressWarnings("unchecked")
  public <T> T getStatus(TitanRegistration registration) {
    boolean up = discovery.isRegistered()
        && registration.getInstanceId().equals(discovery.getNodeId())
        && discovery.getServices().stream().anyMatch(s -> s.name().equals(registration.getServiceId()));
    return (T) (up ? STATUS_UP : STATUS_OUT_OF_SERVICE);
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
