package dev.titan.discovery.spring;

import dev.titan.discovery.DiscoveryEvent;
import dev.titan.discovery.DiscoveryListener;
import dev.titan.discovery.DiscoveryService;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.cloud.client.discovery.event.HeartbeatEvent;
import org.springframework.context.ApplicationEventPublisher;

/**
 * Reacts to registry changes: on every event from Redis (and on our own registration changes,
 * which Redis does not echo to us) it drops the lookup cache, runs the hooks (LoadBalancer cache
 * eviction) and publishes a Spring Cloud {@link HeartbeatEvent} whose value counts the changes.
 */
final class TitanRegistryEvents implements DiscoveryListener, DisposableBean {

  private static final Logger LOG = LoggerFactory.getLogger(TitanRegistryEvents.class);

  private final DiscoveryService discovery;
  private final TitanServiceInstances instances;
  private final ApplicationEventPublisher publisher;
  private final List<Runnable> hooks = new CopyOnWriteArrayList<>();
  private final AtomicLong changes = new AtomicLong();

  TitanRegistryEvents(DiscoveryService discovery, TitanServiceInstances instances, ApplicationEventPublisher publisher) {
    this.discovery = discovery;
    this.instances = instances;
    this.publisher = publisher;
    discovery.onEvent(this);
  }

  void addHook(Runnable hook) {
    hooks.add(hook);
  }

  long changes() {
    return changes.get();
  }

  @Override
  public void onEvent(DiscoveryEvent event) {
    LOG.debug("Registry event {} of node {} at {}", event.type(), event.nodeId(), event.address());
    changed();
  }

  void ownChange() {
    changed();
  }

  private void changed() {
    instances.invalidate();
    for (Runnable hook : hooks) {
      try {
        hook.run();
      } catch (RuntimeException e) {
        LOG.warn("Registry change hook failed: {}", e.toString());
      }
    }
    publisher.publishEvent(new HeartbeatEvent(instances, changes.incrementAndGet()));
  }

  @Override
  public void destroy() {
    discovery.offEvent(this);
  }
}
