package dev.titan.discovery.spring;

import dev.titan.discovery.DiscoveryService;
import dev.titan.discovery.DiscoveryStatus;
import java.time.Duration;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Actuator health of Titan Discovery, from {@link DiscoveryService#status()} (no I/O).
 *
 * <p>{@code UP} when started, the Redis connection is open and (unless in client mode) the node
 * is registered with its last successful heartbeat younger than the heartbeat TTL, or is not
 * registered and not expected to be (auto-registration off); {@code DOWN} otherwise. Details: {@code redisReachable}, {@code registered}, {@code clientMode}, {@code
 * nodeId}, {@code address}, {@code lastHeartbeatAgeMs} (absent before the first heartbeat), {@code
 * heartbeatsSent}, {@code heartbeatsFailed}, {@code eventsReceived}.
 */
public class TitanDiscoveryHealthIndicator extends AbstractHealthIndicator {

  private final DiscoveryService discovery;
  private final boolean clientMode;
  private final boolean registrationExpected;
  private final Duration heartbeatTtl;

  /**
   * Creates the indicator for a node that is expected to register unless in client mode.
   *
   * @param discovery the discovery service
   * @param clientMode whether the service only discovers (no heartbeat expected)
   * @param heartbeatTtl a heartbeat older than this means the registration may have expired
   */
  public TitanDiscoveryHealthIndicator(DiscoveryService discovery, boolean clientMode, Duration heartbeatTtl) {
    this(discovery, clientMode, !clientMode, heartbeatTtl);
  }

  /**
   * Creates the indicator.
   *
   * @param discovery the discovery service
   * @param clientMode whether the service only discovers (no heartbeat expected)
   * @param registrationExpected whether the node is to be registered (by the auto-registration):
   *     if not, an unregistered node is healthy; a registered one needs fresh heartbeats either way
   * @param heartbeatTtl a heartbeat older than this means the registration may have expired
   */
  public TitanDiscoveryHealthIndicator(
      DiscoveryService discovery, boolean clientMode, boolean registrationExpected, Duration heartbeatTtl) {
    super("Titan discovery health check failed");
    this.discovery = discovery;
    this.clientMode = clientMode;
    this.registrationExpected = registrationExpected && !clientMode;
    this.heartbeatTtl = heartbeatTtl;
  }

  /**
   * Fills in the health.
   *
   * @param builder the builder
   */
  @Override
  protected void doHealthCheck(Health.Builder builder) {
    DiscoveryStatus s = discovery.status();
    long age = s.lastHeartbeatMillis() > 0 ? Math.max(0, System.currentTimeMillis() - s.lastHeartbeatMillis()) : -1;
    boolean heartbeatFresh = clientMode
        || (s.registered() ? age >= 0 && age < heartbeatTtl.toMillis() : !registrationExpected);
    boolean up = s.started() && s.connected() && heartbeatFresh;
    builder.status(up ? "UP" : "DOWN")
        .withDetail("redisReachable", s.connected())
        .withDetail("registered", s.registered())
        .withDetail("clientMode", clientMode)
        .withDetail("nodeId", discovery.getNodeId())
        .withDetail("address", discovery.getAddress());
    if (age >= 0) {
      builder.withDetail("lastHeartbeatAgeMs", age);
    }
    builder.withDetail("heartbeatsSent", s.heartbeatsSent())
        .withDetail("heartbeatsFailed", s.heartbeatsFailed())
        .withDetail("eventsReceived", s.eventsReceived());
  }
}
