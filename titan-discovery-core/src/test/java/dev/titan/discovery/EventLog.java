package dev.titan.discovery;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A listener that records every event it receives, with the time it arrived. */
final class EventLog implements DiscoveryListener {

  /** One received event and its arrival time (System.nanoTime()). */
  record Received(DiscoveryEvent event, long atNanos) {}

  private final List<Received> received = new CopyOnWriteArrayList<>();

  @Override
  public void onEvent(DiscoveryEvent event) {
    received.add(new Received(event, System.nanoTime()));
  }

  List<DiscoveryEvent> events() {
    List<DiscoveryEvent> out = new ArrayList<>();
    for (Received r : received) {
      out.add(r.event());
    }
    return out;
  }

  List<Received> received() {
    return List.copyOf(received);
  }

  long count(DiscoveryEvent.Type type, String nodeId) {
    return received.stream().filter(r -> r.event().type() == type && r.event().nodeId().equals(nodeId)).count();
  }

  boolean has(DiscoveryEvent.Type type, String nodeId) {
    return count(type, nodeId) > 0;
  }

  void clear() {
    received.clear();
  }
}
