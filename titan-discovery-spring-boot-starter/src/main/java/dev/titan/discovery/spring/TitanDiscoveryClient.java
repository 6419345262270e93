package dev.titan.discovery.spring;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;

/**
 * Spring Cloud {@link DiscoveryClient} answering from the Titan registry in Redis: {@link
 * #getServices()} lists the services of active nodes, {@link #getInstances(String)} maps the
 * active nodes offering a service to {@link ServiceInstance}s (see {@link TitanServiceInstances}).
 *
 * <p>When Redis cannot answer in time, the failure is logged and an empty list is returned, as
 * other Spring Cloud discovery clients do.
 */
public class TitanDiscoveryClient implements DiscoveryClient {

  private static final Logger LOG = LoggerFactory.getLogger(TitanDiscoveryClient.class);

  private final TitanServiceInstances instances;
  private final Duration timeout;
  private final int order;

  /**
   * Creates the client.
   *
   * @param instances the registry view
   * @param timeout how long a lookup may block
   * @param order the order among discovery clients ({@code spring.cloud.discovery.client.titan.order})
   */
  public TitanDiscoveryClient(TitanServiceInstances instances, Duration timeout, int order) {
    this.instances = instances;
    this.timeout = timeout;
    this.order = order;
  }

  /**
   * A description for logs and the discovery composite.
   *
   * @return {@code "Titan Discovery Client"}
   */
  @Override
  public String description() {
    return "Titan Discovery Client";
  }

  /**
   * The active instances of a service.
   *
   * @param serviceId the service name
   * @return the instances; empty when none or when Redis did not answer
   */
  @Override
  public List<ServiceInstance> getInstances(String serviceId) {
    return await(instances.instances(serviceId), "instances of " + serviceId);
  }

  /**
   * The names of the services that active nodes offer.
   *
   * @return the names, sorted
   */
  @Override
  public List<String> getServices() {
    return await(instances.services(), "service names");
  }

  /** Checks that Redis answers; throws when it does not. */
  @Override
  public void probe() {
    instances.services().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).join();
  }

  /**
   * The order among discovery clients.
   *
   * @return the order
   */
  @Override
  public int getOrder() {
    return order;
  }

  private <T> List<T> await(CompletableFuture<List<T>> f, String what) {
    try {
      return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return List.of();
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      LOG.warn("Titan discovery lookup of {} failed: {}", what, cause.toString());
      return List.of();
    }
  }
}
