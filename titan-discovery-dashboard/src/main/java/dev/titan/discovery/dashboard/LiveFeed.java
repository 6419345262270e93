package dev.titan.discovery.dashboard;

import dev.titan.discovery.DiscoveryEvent;
import dev.titan.discovery.DiscoveryListener;
import dev.titan.discovery.DiscoveryService;
import dev.titan.discovery.DiscoveryStatus;
import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.RegistryView;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns the view's listener events into coalesced batches for the page.
 *
 * <p>The listener only records which node changed (O(1), on the discovery service's event
 * thread). Every {@link #FLUSH_MILLIS} the flusher takes the changed ids and reads each one's
 * current state from the view: a node that changed ten times in that window is sent once, as it
 * is now, and a node that is gone is sent as removed. Batches carry whole node states, never
 * deltas, so applying a later batch over an earlier snapshot is always right; the snapshot and
 * the batches share one sequence number, taken under one lock, so that the page can drop
 * batches its snapshot already contains.
 */
final class LiveFeed implements DiscoveryListener {

  /** How often changed nodes are sent: well under the 1 s a change may take to show. */
  static final long FLUSH_MILLIS = 100;
  /** Registry events logged per batch; beyond that one summary line says how many were left out. */
  static final int LOG_PER_BATCH = 40;
  /** Entries the in-memory event log keeps (the page shows the newest). */
  static final int LOG_SIZE = 500;

  private final RegistryView view;
  private final DiscoveryService discovery;
  private final JsonMapper json;

  private final Object lock = new Object();
  private LinkedHashSet<String> dirty = new LinkedHashSet<>(); // guarded by lock
  private List<Map<String, Object>> pendingLog = new ArrayList<>(); // guarded by lock
  private int droppedLog; // guarded by lock
  private long seq; // guarded by lock
  private long logId; // guarded by lock
  private final ArrayDeque<Map<String, Object>> log = new ArrayDeque<>(); // guarded by lock

  private final Set<SseStream> streams = ConcurrentHashMap.newKeySet();
  private final NodeJson nodeJson;

  LiveFeed(RegistryView view, DiscoveryService discovery, JsonMapper json) {
    this.view = view;
    this.discovery = discovery;
    this.json = json;
    this.nodeJson = new NodeJson(json);
  }

  @Override
  public void onEvent(DiscoveryEvent event) {
    synchronized (lock) {
      dirty.add(event.nodeId());
      if (pendingLog.size() < LOG_PER_BATCH) {
        pendingLog.add(NodeJson.event(event));
      } else {
        droppedLog++;
      }
    }
  }

  /**
   * Records an operator's action and sends it with the next batch.
   *
   * @param nodeId the node
   * @param from its status before, or null when unknown
   * @param to the status set
   * @param reason the operator's reason
   * @param remote who asked (the client's address)
   */
  void operatorAction(String nodeId, String from, String to, String reason, String remote) {
    Map<String, Object> e = NodeJson.operatorAction(nodeId, from, to, reason, remote);
    synchronized (lock) {
      pendingLog.add(e); // never dropped
      dirty.add(nodeId);
    }
  }

  /** Sends what changed since the last flush; runs on the one flusher thread. */
  void flush() {
    List<NodeInfo> upserts = new ArrayList<>();
    List<String> removed = new ArrayList<>();
    List<Map<String, Object>> logged;
    long batchSeq;
    long version;
    synchronized (lock) {
      if (dirty.isEmpty() && pendingLog.isEmpty()) {
        return;
      }
      for (String id : dirty) {
        Optional<NodeInfo> n = view.node(id);
        if (n.isPresent()) {
          upserts.add(n.get());
        } else {
          removed.add(id);
        }
      }
      dirty = new LinkedHashSet<>();
      logged = pendingLog;
      if (droppedLog > 0) {
        logged.add(NodeJson.summary(droppedLog));
        droppedLog = 0;
      }
      pendingLog = new ArrayList<>();
      for (Map<String, Object> e : logged) {
        e.put("id", ++logId);
        log.addLast(e);
        if (log.size() > LOG_SIZE) {
          log.removeFirst();
        }
      }
      batchSeq = ++seq;
      version = view.version();
    }
    for (String id : removed) {
      nodeJson.forget(id);
    }
    StringBuilder batch = new StringBuilder(256 + upserts.size() * 256);
    batch.append("{\"seq\":").append(batchSeq).append(",\"version\":").append(version).append(",\"upserts\":");
    nodeJson.appendNodes(batch, upserts);
    batch.append(",\"removed\":").append(json.writeValueAsString(removed));
    batch.append(",\"log\":").append(json.writeValueAsString(logged)).append('}');
    broadcast("batch", batch.toString());
  }

  /** Sends the registry's change counter and the view's health; runs every second. */
  void sendStatus() {
    broadcast("status", json.writeValueAsString(status()));
  }

  /**
   * Everything the page needs for its first render, consistent with the batch sequence.
   *
   * @param readOnly whether the server refuses mutations
   * @return the JSON text
   */
  String snapshot(boolean readOnly) {
    List<NodeInfo> nodes;
    List<Map<String, Object>> recent;
    long snapSeq;
    long version;
    synchronized (lock) {
      nodes = view.nodes();
      recent = new ArrayList<>(log);
      snapSeq = seq;
      version = view.version();
    }
    StringBuilder snap = new StringBuilder(1024 + nodes.size() * 256);
    snap.append("{\"seq\":").append(snapSeq).append(",\"version\":").append(version)
        .append(",\"readOnly\":").append(readOnly)
        .append(",\"status\":").append(json.writeValueAsString(status()))
        .append(",\"log\":").append(json.writeValueAsString(recent))
        .append(",\"nodes\":");
    nodeJson.appendNodes(snap, nodes);
    return snap.append('}').toString();
  }

  /**
   * The current sequence number (for a stream's hello).
   *
   * @return the sequence of the last batch sent
   */
  long seq() {
    synchronized (lock) {
      return seq;
    }
  }

  Map<String, Object> status() {
    DiscoveryStatus s = discovery.status();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", view.version());
    m.put("inStep", view.isSynchronized());
    m.put("connected", s.connected());
    m.put("started", s.started());
    m.put("size", view.size());
    m.put("fullReads", view.fullReads());
    m.put("lastFullReadMillis", view.lastFullReadMillis());
    m.put("serverTime", System.currentTimeMillis());
    m.put("streams", streams.size());
    return m;
  }

  void add(SseStream stream) {
    streams.add(stream);
  }

  void remove(SseStream stream) {
    streams.remove(stream);
  }

  int streamCount() {
    return streams.size();
  }

  void closeStreams() {
    for (SseStream s : streams) {
      s.close();
    }
    streams.clear();
  }

  private void broadcast(String event, String data) {
    String frame = SseStream.frame(event, data);
    for (SseStream s : streams) {
      if (!s.offer(frame)) {
        streams.remove(s); // too slow: dropped, it reconnects and starts from a fresh snapshot
      }
    }
  }
}
