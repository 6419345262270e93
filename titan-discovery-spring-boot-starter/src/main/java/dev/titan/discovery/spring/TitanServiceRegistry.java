package dev.titan.discovery.spring;

import dev.titan.discovery.DiscoveryException;
import dev.titan.discovery.DiscoveryService;
import java.time.Duration;
import java.util.List;
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
 * id, address and service and registers it (its heartbeat runs from then on); {@link
 * #deregister} withdraws the service, so that no caller finds it any more, while the node itself
 * leaves the registry (NODE_DEREGISTERED) when the context stops. A registration with another
 * node id than the application's is removed outright. In client mode nothing is written.
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
   * Registers the application's node with the registration's id, address and service.
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
    await(discovery.registerNode(registration.getInstanceId(), registration.getAddress(), registration.getServices()),
        "Registration of " + registration);
    events.ownChange();
    LOG.info("Registered {}", registration);
  }

  /**
   * Withdraws the registration's service (the application's own node), or removes another node.
   *
   * @param registration the registration
   */
  @Override
  public void deregister(TitanRegistration registration) {
    if (clientMode) {
      return;
    }
    try {
      if (registration.getInstanceId().equals(discovery.getNodeId())) {
        await(discovery.updateServices(List.of()), "Deregistration of " + registration);
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
   * withdraws it while the node stays registered.
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
