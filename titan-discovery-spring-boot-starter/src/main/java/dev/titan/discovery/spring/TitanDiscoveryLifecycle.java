package dev.titan.discovery.spring;

import dev.titan.discovery.DiscoveryService;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the {@link DiscoveryService} with the application context and stops it (deregistering
 * the node) when the context stops. Its phase puts it before the web server on start, so that the
 * auto-registration can register as soon as the server is up, and after it on stop.
 */
final class TitanDiscoveryLifecycle implements SmartLifecycle {

  /** Before the web server's start/stop phase ({@code Integer.MAX_VALUE - 2048}). */
  static final int PHASE = Integer.MAX_VALUE - 4096;

  private static final Logger LOG = LoggerFactory.getLogger(TitanDiscoveryLifecycle.class);

  private final DiscoveryService discovery;
  private final String redisSource;
  private volatile boolean running;

  TitanDiscoveryLifecycle(DiscoveryService discovery, String redisSource) {
    this.discovery = discovery;
    this.redisSource = redisSource;
  }

  @Override
  public void start() {
    try {
      discovery.start().join();
    } catch (CompletionException e) {
      Throwable c = e.getCause() != null ? e.getCause() : e;
      throw new IllegalStateException("Titan discovery could not start (Redis from " + redisSource + "): " + c.getMessage(), c);
    }
    running = true;
  }

  @Override
  public void stop() {
    running = false;
    try {
      discovery.stop().get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.warn("Titan discovery did not stop cleanly: {}", e.toString());
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return PHASE;
  }
}
