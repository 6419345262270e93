package dev.titan.discovery;

/**
 * A snapshot of a discovery service's health and counters, for health checks and metrics.
 *
 * @param started whether {@link DiscoveryService#start()} completed and {@code stop()} was not called
 * @param connected whether the Redis command connection is open
 * @param registered whether this node is registered ({@link DiscoveryService#isRegistered()})
 * @param lastHeartbeatMillis wall-clock time of the last successful registry write of this node,
 *     epoch milliseconds, or 0 when none
 * @param heartbeatsSent successful heartbeats and registrations
 * @param heartbeatsFailed failed heartbeat or registration attempts (each retry counts)
 * @param eventsReceived pub/sub messages received on the events channel (malformed ones included)
 */
public record DiscoveryStatus(
    boolean started,
    boolean connected,
    boolean registered,
    long lastHeartbeatMillis,
    long heartbeatsSent,
    long heartbeatsFailed,
    long eventsReceived) {}
