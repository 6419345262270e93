package dev.titan.discovery.dashboard;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one HTTP context: sets the security headers, refuses an unexpected {@code Host} with 421,
 * routes by path and method to the endpoints and the static files, answers a failure with 500,
 * and closes every exchange but an event stream's (which closes itself).
 */
final class Router implements HttpHandler {

  /** Logs under the server's name, as failed requests always did. */
  private static final Logger LOG = LoggerFactory.getLogger(DashboardServer.class);

  private static final String EVENTS = "/api/events";

  private final @Nullable Set<String> allowedHosts;
  private final StaticFiles files;
  private final Responses responses;
  private final SnapshotHandler snapshot;
  private final EventsHandler events;
  private final StatusAction status;

  /**
   * A router over the endpoints.
   *
   * @param allowedHosts the accepted {@code Host} values, or null for any
   * @param files the static page
   * @param responses the response writer
   * @param snapshot {@code GET /api/snapshot}
   * @param events {@code GET /api/events}
   * @param status {@code POST /api/nodes/status}
   */
  Router(@Nullable Set<String> allowedHosts, StaticFiles files, Responses responses, SnapshotHandler snapshot,
      EventsHandler events, StatusAction status) {
    this.allowedHosts = allowedHosts;
    this.files = files;
    this.responses = responses;
    this.snapshot = snapshot;
    this.events = events;
    this.status = status;
  }

  @Override
  public void handle(HttpExchange ex) throws IOException {
    try {
      Responses.securityHeaders(ex);
      if (!Guards.hostAllowed(allowedHosts, ex.getRequestHeaders().getFirst("Host"))) {
        responses.sendJson(ex, 421, Responses.error("unexpected Host header"));
        return;
      }
      String path = ex.getRequestURI().getPath();
      String method = ex.getRequestMethod();
      switch (path) {
        case "/api/snapshot" -> {
          if (!method.equals("GET")) {
            Responses.methodNotAllowed(ex, "GET");
            return;
          }
          snapshot.handle(ex);
        }
        case EVENTS -> {
          if (!method.equals("GET")) {
            Responses.methodNotAllowed(ex, "GET");
            return;
          }
          events.handle(ex);
        }
        case "/api/nodes/status" -> {
          if (!method.equals("POST")) {
            Responses.methodNotAllowed(ex, "POST");
            return;
          }
          status.handle(ex);
        }
        default -> staticFile(ex, path, method);
      }
    } catch (RuntimeException e) {
      LOG.warn("Dashboard request {} {} failed", ex.getRequestMethod(), ex.getRequestURI().getPath(), e);
      try {
        responses.sendJson(ex, 500, Responses.error("internal error"));
      } catch (IOException | RuntimeException ignored) {
        // headers already sent
      }
    } finally {
      if (!EVENTS.equals(ex.getRequestURI().getPath())) {
        ex.close();
      }
    }
  }

  private void staticFile(HttpExchange ex, String path, String method) throws IOException {
    if (!method.equals("GET") && !method.equals("HEAD")) {
      Responses.methodNotAllowed(ex, "GET");
      return;
    }
    Optional<StaticFiles.File> file = files.get(path);
    if (file.isEmpty()) {
      responses.sendJson(ex, 404, Responses.error("not found"));
      return;
    }
    ex.getResponseHeaders().set("Cache-Control", "no-cache");
    Responses.send(ex, 200, file.get().contentType(), method.equals("HEAD") ? null : file.get().bytes());
  }
}
