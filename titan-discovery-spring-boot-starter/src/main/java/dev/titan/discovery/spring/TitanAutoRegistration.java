package dev.titan.discovery.spring;

import dev.titan.discovery.DiscoveryException;
import dev.titan.discovery.DiscoveryService;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.SmartApplicationListener;
import org.springframework.util.ClassUtils;

/**
 * Registers the application itself: a web application as soon as its web server is up (its
 * actual port, so {@code server.port=0} works), any other application on {@link
 * ApplicationReadyEvent}. The registration adds the application's service to the services the
 * node already offers (those the application registered itself stay). When the context stops,
 * before the web server's graceful shutdown, it marks the node {@code DRAINING} (published at
 * once, so callers stop choosing this instance while it still answers requests in flight) and
 * then withdraws the node's services (for readers that know no status); the node itself is
 * deregistered after the web server has stopped, when the discovery service stops.
 *
 * <p>Service name {@code titan.discovery.service-name}, else {@code spring.application.name};
 * version {@code titan.discovery.service-version}; host {@code titan.discovery.host}, else the
 * detected host; port {@code titan.discovery.port}, else the web server's port, else {@code
 * server.port}, else the detected port. Turned off by {@code
 * spring.cloud.service-registry.auto-registration.enabled=false}.
 */
public class TitanAutoRegistration implements SmartApplicationListener, SmartLifecycle {

  /** Stops before the web server's graceful shutdown ({@code Integer.MAX_VALUE - 1024}). */
  public static final int PHASE = Integer.MAX_VALUE - 512;

  private static final Logger LOG = LoggerFactory.getLogger(TitanAutoRegistration.class);
  private static final boolean WEB_SERVER_PRESENT = ClassUtils.isPresent(
      "org.springframework.boot.web.server.context.WebServerInitializedEvent", TitanAutoRegistration.class.getClassLoader());

  private final ApplicationContext context;
  private final TitanServiceRegistry registry;
  private final DiscoveryService discovery;
  private final TitanDiscoveryProperties properties;
  private final AtomicReference<@Nullable TitanRegistration> registered = new AtomicReference<>();
  private volatile @Nullable TitanRegistration last;
  private volatile boolean running;

  /**
   * Creates the auto-registration.
   *
   * @param context the application context
   * @param registry the registry
   * @param discovery the application's discovery service (its node id and detected address)
   * @param properties the settings
   */
  public TitanAutoRegistration(
      ApplicationContext context, TitanServiceRegistry registry, DiscoveryService discovery, TitanDiscoveryProperties properties) {
    this.context = context;
    this.registry = registry;
    this.discovery = discovery;
    this.properties = properties;
  }

  /**
   * Whether this listener handles the event type.
   *
   * @param eventType the event type
   * @return true for web server and ready events
   */
  @Override
  public boolean supportsEventType(Class<? extends ApplicationEvent> eventType) {
    return ApplicationReadyEvent.class.isAssignableFrom(eventType)
        || (WEB_SERVER_PRESENT && WebServerEvents.isWebServerEvent(eventType));
  }

  /**
   * Registers on the web server's start (main server only) or on application ready.
   *
   * @param event the event
   */
  @Override
  public void onApplicationEvent(ApplicationEvent event) {
    if (event instanceof ApplicationReadyEvent ready) {
      if (ready.getApplicationContext() == context && registered.get() == null) {
        Integer port = WEB_SERVER_PRESENT ? WebServerEvents.mainServerPort(context) : null;
        register(port);
      }
      return;
    }
    if (WEB_SERVER_PRESENT) {
      Integer port = WebServerEvents.portOf(event, context);
      if (port != null) {
        register(port);
      }
    }
  }

  /**
   * The current registration.
   *
   * @return the registration, or null before it registered or after it deregistered
   */
  public @Nullable TitanRegistration getRegistration() {
    return registered.get();
  }

  /**
   * The application's registration as it is now: the one registered last, else the one that
   * would be registered (its port may still change when the web server starts).
   *
   * @return the registration
   */
  TitanRegistration current() {
    TitanRegistration r = last;
    return r != null ? r : registration(null);
  }

  private void register(@Nullable Integer serverPort) {
    TitanRegistration r = registration(serverPort);
    try {
      registry.register(r);
      registered.set(r);
      last = r;
    } catch (DiscoveryException e) {
      LOG.error("{}; this instance is not discoverable until it is registered", e.getMessage());
    }
  }

  TitanRegistration registration(@Nullable Integer serverPort) {
    String name = properties.getServiceName();
    if (name == null || name.isBlank()) {
      name = context.getEnvironment().getProperty("spring.application.name", "application");
    }
    TitanServiceInstances.HostPort detected = TitanServiceInstances.HostPort.parse(discovery.getAddress());
    String host = properties.getHost() != null ? properties.getHost() : detected != null ? detected.host() : "localhost";
    int port;
    if (properties.getPort() != null) {
      port = properties.getPort();
    } else if (serverPort != null && serverPort > 0) {
      port = serverPort;
    } else {
      Integer configured = context.getEnvironment().getProperty("server.port", Integer.class);
      port = configured != null && configured > 0 ? configured : detected != null ? detected.port() : 3000;
    }
    return new TitanRegistration(discovery.getNodeId(), name, host, port, properties.getServiceVersion());
  }

  /** Marks the lifecycle running; registration itself happens on the events above. */
  @Override
  public void start() {
    running = true;
  }

  /**
   * Marks the node DRAINING and withdraws its services, before the web server's graceful
   * shutdown.
   */
  @Override
  public void stop() {
    running = false;
    TitanRegistration r = registered.getAndSet(null);
    if (r != null) {
      registry.drain(r);
    }
  }

  /**
   * Whether started and not stopped.
   *
   * @return true while running
   */
  @Override
  public boolean isRunning() {
    return running;
  }

  /**
   * The lifecycle phase, {@link #PHASE}.
   *
   * @return the phase
   */
  @Override
  public int getPhase() {
    return PHASE;
  }

  /** Touches the web server classes only when they are on the class path. */
  private static final class WebServerEvents {
    private WebServerEvents() {}

    static boolean isWebServerEvent(Class<? extends ApplicationEvent> type) {
      return WebServerInitializedEvent.class.isAssignableFrom(type);
    }

    static @Nullable Integer portOf(ApplicationEvent event, ApplicationContext context) {
      if (!(event instanceof WebServerInitializedEvent e)) {
        return null;
      }
      WebServerApplicationContext source = e.getApplicationContext();
      if (source != context && source.getServerNamespace() != null) {
        return null; // the management server or another child context
      }
      return e.getWebServer().getPort();
    }

    static @Nullable Integer mainServerPort(ApplicationContext context) {
      if (context instanceof WebServerApplicationContext w && w.getWebServer() != null) {
        int port = w.getWebServer().getPort();
        return port > 0 ? port : null;
      }
      return null;
    }
  }
}
