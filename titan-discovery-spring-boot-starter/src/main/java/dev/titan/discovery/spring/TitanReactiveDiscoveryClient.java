package dev.titan.discovery.spring;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.ReactiveDiscoveryClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Spring Cloud {@link ReactiveDiscoveryClient} answering from the Titan registry without blocking:
 * the same answers as {@link TitanDiscoveryClient}, from the same cache. A failed lookup is logged
 * and completes empty.
 */
public class TitanReactiveDiscoveryClient implements ReactiveDiscoveryClient {

  private static final Logger LOG = LoggerFactory.getLogger(TitanReactiveDiscoveryClient.class);

  private final TitanServiceInstances instances;
  private final int order;

  /**
   * Creates the client.
   *
   * @param instances the registry view
   * @param order the order among discovery clients
   */
  public TitanReactiveDiscoveryClient(TitanServiceInstances instances, int order) {
    this.instances = instances;
    this.order = order;
  }

  /**
   * A description for logs and the discovery composite.
   *
   * @return {@code "Titan Reactive Discovery Client"}
   */
  @Override
  public String description() {
    return "Titan Reactive Discovery Client";
  }

  /**
   * The active instances of a service.
   *
   * @param serviceId the service name
   * @return the instances; empty when none or when Redis did not answer
   */
  @Override
  public Flux<ServiceInstance> getInstances(String serviceId) {
    return Mono.defer(() -> Mono.fromFuture(instances.instances(serviceId)))
        .flatMapMany(Flux::fromIterable)
        .onErrorResume(e -> {
          LOG.warn("Titan discovery lookup of instances of {} failed: {}", serviceId, e.toString());
          return Flux.empty();
        });
  }

  /**
   * The names of the services that active nodes offer.
   *
   * @return the names, sorted
   */
  @Override
  public Flux<String> getServices() {
    return Mono.defer(() -> Mono.fromFuture(instances.services()))
        .flatMapMany(Flux::fromIterable)
        .onErrorResume(e -> {
          LOG.warn("Titan discovery lookup of service names failed: {}", e.toString());
          return Flux.empty();
        });
  }

  /**
   * Checks that Redis answers.
   *
   * @return completes when it does, errors when it does not
   */
  @Override
  public Mono<Void> reactiveProbe() {
    return Mono.defer(() -> Mono.fromFuture(instances.services())).then();
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
}
