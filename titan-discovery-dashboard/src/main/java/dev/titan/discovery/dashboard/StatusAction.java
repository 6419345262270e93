package dev.titan.discovery.dashboard;

import com.sun.net.httpserver.HttpExchange;
import dev.titan.discovery.DiscoveryService;
import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.NodeStatus;
import dev.titan.discovery.RegistryView;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /api/nodes/status}: an operator's action (JSON {@code nodeId}, {@code status},
 * {@code reason}). Refused when read-only, cross-origin, not JSON, too large or without the
 * token; otherwise carried out with {@link DiscoveryService#setNodeStatus} and recorded in the
 * feed's event log.
 */
final class StatusAction {

  /** Logs under the server's name, as the operators' audit lines always did. */
  private static final Logger LOG = LoggerFactory.getLogger(DashboardServer.class);

  /** Longest operator reason kept; longer ones are cut. */
  static final int MAX_REASON = 500;
  /** How long an action waits for Redis. */
  static final Duration ACTION_TIMEOUT = Duration.ofSeconds(10);

  private final DiscoveryService discovery;
  private final RegistryView view;
  private final LiveFeed feed;
  private final Guards guards;
  private final boolean readOnly;
  private final JsonMapper json;
  private final Responses responses;

  StatusAction(DiscoveryService discovery, RegistryView view, LiveFeed feed, Guards guards, boolean readOnly,
      JsonMapper json, Responses responses) {
    this.discovery = discovery;
    this.view = view;
    this.feed = feed;
    this.guards = guards;
    this.readOnly = readOnly;
    this.json = json;
    this.responses = responses;
  }

  /**
   * Checks and carries out one action.
   *
   * @param ex a POST exchange
   * @throws IOException when the client went away
   */
  void handle(HttpExchange ex) throws IOException {
    if (readOnly) {
      responses.sendJson(ex, 403, Responses.error("the dashboard is read-only"));
      return;
    }
    if (!Guards.sameOrigin(ex.getRequestHeaders().getFirst("Origin"), ex.getRequestHeaders().getFirst("Host"))) {
      responses.sendJson(ex, 403, Responses.error("cross-origin request refused"));
      return;
    }
    if (!Guards.isJson(ex.getRequestHeaders().getFirst("Content-Type"))) {
      responses.sendJson(ex, 415, Responses.error("Content-Type must be application/json"));
      return;
    }
    byte[] body = Guards.readBody(ex.getRequestBody());
    if (body == null) {
      responses.sendJson(ex, 413, Responses.error("body too large"));
      return;
    }
    Map<?, ?> req;
    try {
      req = json.readValue(body, Map.class);
    } catch (JacksonException e) {
      responses.sendJson(ex, 400, Responses.error("body must be a JSON object"));
      return;
    }
    String presented = Guards.bearer(ex.getRequestHeaders().getFirst("Authorization"));
    if (presented == null && req.get("token") instanceof String t) {
      presented = t;
    }
    if (presented == null || !guards.tokenMatches(presented)) {
      ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"titan-dashboard\"");
      responses.sendJson(ex, 401, Responses.error("a valid token is needed"));
      return;
    }
    if (!(req.get("nodeId") instanceof String nodeId) || nodeId.isEmpty()) {
      responses.sendJson(ex, 400, Responses.error("nodeId is missing"));
      return;
    }
    NodeStatus status = req.get("status") instanceof String s ? parseStatus(s) : null;
    if (status == null) {
      responses.sendJson(ex, 400, Responses.error("status must be UP, DRAINING or OUT_OF_SERVICE"));
      return;
    }
    String reason = cleanReason(req.get("reason") instanceof String r ? r : "");
    Optional<NodeInfo> before = view.node(nodeId);
    if (before.isEmpty()) {
      responses.sendJson(ex, 404, Responses.error("no such node in the registry"));
      return;
    }
    String remote = ex.getRemoteAddress().getAddress().getHostAddress();
    try {
      discovery.setNodeStatus(nodeId, status).get(ACTION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      responses.sendJson(ex, 503, Responses.error("interrupted"));
      return;
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      LOG.warn("Dashboard: setting {} of {} failed", status, nodeId, e);
      responses.sendJson(ex, 502, Responses.error("the registry refused or did not answer: " + e.getClass().getSimpleName()));
      return;
    }
    String from = before.get().status().name();
    LOG.info("Dashboard: {} set {} from {} to {}; reason: {}", remote, nodeId, from, status, reason);
    feed.operatorAction(nodeId, from, status.name(), reason, remote);
    Map<String, Object> ok = new LinkedHashMap<>();
    ok.put("ok", true);
    ok.put("nodeId", nodeId);
    ok.put("status", status.name());
    responses.sendJson(ex, 200, ok);
  }

  /**
   * A status by its exact name.
   *
   * @param s the name, e.g. {@code DRAINING}
   * @return the status, or null when there is none of that name
   */
  static @Nullable NodeStatus parseStatus(String s) {
    for (NodeStatus st : NodeStatus.values()) {
      if (st.name().equals(s)) {
        return st;
      }
    }
    return null;
  }

  /**
   * Control characters become spaces, surrounding blanks go, and the text is cut at {@link #MAX_REASON}.
   *
   * @param reason the operator's text
   * @return the text to log
   */
  static String cleanReason(String reason) {
    StringBuilder b = new StringBuilder(Math.min(reason.length(), MAX_REASON));
    reason.codePoints().limit(MAX_REASON).forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? ' ' : c));
    return b.toString().strip();
  }
}
