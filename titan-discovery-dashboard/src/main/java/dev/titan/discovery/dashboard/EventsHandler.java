package dev.titan.discovery.dashboard;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code GET /api/events}: opens one page's Server-Sent Events stream, says hello (the current
 * sequence number and the view's health) and then serves the feed's frames on the exchange's
 * handler thread until the page goes away; refuses with 503 beyond {@link #MAX_STREAMS} streams.
 */
final class EventsHandler {

  /** Most SSE streams served at once; more are refused with 503. */
  static final int MAX_STREAMS = 64;

  private final LiveFeed feed;
  private final JsonMapper json;
  private final Responses responses;

  EventsHandler(LiveFeed feed, JsonMapper json, Responses responses) {
    this.feed = feed;
    this.json = json;
    this.responses = responses;
  }

  /**
   * Serves the stream; blocks until it ends, and closes the exchange.
   *
   * @param ex a GET exchange
   * @throws IOException when the client went away before the stream began
   */
  void handle(HttpExchange ex) throws IOException {
    if (feed.streamCount() >= MAX_STREAMS) {
      responses.sendJson(ex, 503, Responses.error("too many event streams"));
      ex.close();
      return;
    }
    ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    ex.getResponseHeaders().set("X-Accel-Buffering", "no");
    ex.sendResponseHeaders(200, 0);
    SseStream stream = new SseStream(ex);
    feed.add(stream);
    try {
      Map<String, Object> hello = new LinkedHashMap<>();
      hello.put("seq", feed.seq());
      hello.put("status", feed.status());
      stream.run("retry: 2000\n\n" + SseStream.frame("hello", json.writeValueAsString(hello)));
    } finally {
      feed.remove(stream);
    }
  }
}
