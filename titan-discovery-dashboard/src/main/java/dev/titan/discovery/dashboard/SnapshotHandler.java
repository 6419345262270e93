package dev.titan.discovery.dashboard;

import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * {@code GET /api/snapshot}: every node, the recent event log and the view's health, for the
 * page's first render; gzipped (fastest level) when the client accepts it, since 10,000 nodes are
 * about 2 MB of JSON.
 */
final class SnapshotHandler {

  /** Bodies up to this size are sent uncompressed. */
  static final int GZIP_THRESHOLD = 8192;

  private final LiveFeed feed;
  private final boolean readOnly;

  SnapshotHandler(LiveFeed feed, boolean readOnly) {
    this.feed = feed;
    this.readOnly = readOnly;
  }

  /**
   * Sends the snapshot with a {@code Server-Timing} header.
   *
   * @param ex a GET exchange
   * @throws IOException when the client went away
   */
  void handle(HttpExchange ex) throws IOException {
    Responses.send(ex, 200, Responses.JSON, body(ex));
  }

  private byte[] body(HttpExchange ex) throws IOException {
    long t0 = System.nanoTime();
    byte[] body = feed.snapshot(readOnly).getBytes(StandardCharsets.UTF_8);
    String accept = ex.getRequestHeaders().getFirst("Accept-Encoding");
    if (accept != null && accept.toLowerCase(Locale.ROOT).contains("gzip") && body.length > GZIP_THRESHOLD) {
      ByteArrayOutputStream gz = new ByteArrayOutputStream(body.length / 8);
      try (GZIPOutputStream out = new GZIPOutputStream(gz, 64 * 1024) {
        {
          def.setLevel(Deflater.BEST_SPEED);
        }
      }) {
        out.write(body);
      }
      body = gz.toByteArray();
      ex.getResponseHeaders().set("Content-Encoding", "gzip");
    }
    ex.getResponseHeaders().set("Vary", "Accept-Encoding");
    ex.getResponseHeaders().set("Server-Timing", String.format(Locale.ROOT, "snapshot;dur=%.1f", (System.nanoTime() - t0) / 1e6));
    return body;
  }
}
