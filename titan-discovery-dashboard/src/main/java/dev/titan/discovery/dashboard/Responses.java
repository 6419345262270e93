package dev.titan.discovery.dashboard;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes the dashboard's HTTP responses: the security headers every response carries, JSON
 * bodies and errors, and the raw send with its Content-Type and length.
 */
final class Responses {

  /** The Content-Security-Policy of every response: same-origin only, no inline script or style. */
  static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
      + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  /** The Content-Type of JSON responses. */
  static final String JSON = "application/json; charset=utf-8";

  private final JsonMapper json;

  Responses(JsonMapper json) {
    this.json = json;
  }

  /**
   * Sends a body encoded as JSON.
   *
   * @param ex the exchange
   * @param code the status code
   * @param body what to encode
   * @throws IOException when the client went away
   */
  void sendJson(HttpExchange ex, int code, Object body) throws IOException {
    send(ex, code, JSON, json.writeValueAsBytes(body));
  }

  /**
   * Sets the headers every response carries: CSP, nosniff, no framing, no referrer, no caching
   * (the static files override the last).
   *
   * @param ex the exchange
   */
  static void securityHeaders(HttpExchange ex) {
    var h = ex.getResponseHeaders();
    h.set("Content-Security-Policy", CSP);
    h.set("X-Content-Type-Options", "nosniff");
    h.set("X-Frame-Options", "DENY");
    h.set("Referrer-Policy", "no-referrer");
    h.set("Cache-Control", "no-store");
  }

  /**
   * Sends 405 with the allowed method.
   *
   * @param ex the exchange
   * @param allowed the method the path accepts
   * @throws IOException when the client went away
   */
  static void methodNotAllowed(HttpExchange ex, String allowed) throws IOException {
    ex.getResponseHeaders().set("Allow", allowed);
    send(ex, 405, JSON, "{\"error\":\"method not allowed\"}".getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Sends a response and closes its body.
   *
   * @param ex the exchange
   * @param code the status code
   * @param contentType the Content-Type
   * @param body the body, or null for none (a HEAD request)
   * @throws IOException when the client went away
   */
  static void send(HttpExchange ex, int code, String contentType, byte @Nullable [] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", contentType);
    if (body == null) {
      ex.sendResponseHeaders(code, -1);
      return;
    }
    ex.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  /**
   * An error body.
   *
   * @param message what went wrong
   * @return {@code {"error": message}}
   */
  static Map<String, Object> error(String message) {
    return Map.of("error", message);
  }
}
