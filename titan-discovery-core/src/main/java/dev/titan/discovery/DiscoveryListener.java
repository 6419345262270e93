package dev.titan.discovery;

/**
 * Receives registry events from other nodes.
 *
 * <p>Listeners are called on one dedicated thread per {@link DiscoveryService}, never on a Redis
 * I/O thread, in the order the events were published. A listener that throws is logged and does
 * not stop the others.
 */
@FunctionalInterface
public interface DiscoveryListener {

  /**
   * Called once per event.
   *
   * @param event the event
   */
  void onEvent(DiscoveryEvent event);
}
