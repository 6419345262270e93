package dev.titan.discovery.spring;

import dev.titan.discovery.DiscoveryService;
import dev.titan.discovery.dashboard.DashboardServer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Serves the registry dashboard once the discovery service has started (a phase after it) and
 * stops it before the discovery service stops.
 */
public final class TitanDashboardLifecycle implements SmartLifecycle {

  private static final Logger LOG = LoggerFactory.getLogger(TitanDashboardLifecycle.class);

  private final DiscoveryService discovery;
  private final TitanDashboardProperties properties;
  private volatile @Nullable DashboardServer server;

  TitanDashboardLifecycle(DiscoveryService discovery, TitanDashboardProperties properties) {
    this.discovery = discovery;
    this.properties = properties;
  }

  /** Starts serving; logs the URL (and the generated token, when none was configured). */
  @Override
  public void start() {
    DashboardServer s = DashboardServer.builder(discovery)
        .bindAddress(properties.getBindAddress())
        .port(properties.getPort())
        .readOnly(properties.isReadOnly())
        .token(properties.getToken())
        .build()
        .start();
    server = s;
    if (s.isReadOnly()) {
      LOG.info("Titan registry dashboard (read-only) at {}", s.url());
    } else if (properties.getToken() == null) {
      LOG.info("Titan registry dashboard at {}; token for actions: {} (set titan.discovery.dashboard.token to choose it)",
          s.url(), s.token());
    } else {
      LOG.info("Titan registry dashboard at {}; actions need titan.discovery.dashboard.token", s.url());
    }
  }

  /** Stops serving. */
  @Override
  public void stop() {
    DashboardServer s = server;
    server = null;
    if (s != null) {
      s.close();
    }
  }

  /**
   * Whether the dashboard is being served.
   *
   * @return true while serving
   */
  @Override
  public boolean isRunning() {
    return server != null;
  }

  /**
   * One phase after the discovery service: started after it, stopped before it.
   *
   * @return the phase
   */
  @Override
  public int getPhase() {
    return TitanDiscoveryLifecycle.PHASE + 1;
  }

  /**
   * The running server, for the application and tests.
   *
   * @return the server, or null when not serving
   */
  public @Nullable DashboardServer server() {
    return server;
  }
}
