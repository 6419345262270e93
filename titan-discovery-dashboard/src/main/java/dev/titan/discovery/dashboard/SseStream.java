package dev.titan.discovery.dashboard;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One page's Server-Sent Events stream: frames are queued by the broadcaster and written by the
 * exchange's own handler thread, so a slow page never holds up the others. A page that falls
 * {@link #CAPACITY} frames behind is disconnected; its {@code EventSource} reconnects and the page
 * starts again from a snapshot.
 */
final class SseStream {

  /** Frames queued at most per stream (at 10 batches a second, many seconds of backlog). */
  static final int CAPACITY = 256;
  /** A comment line sent when nothing else was, so that proxies and the browser keep the stream. */
  static final long KEEPALIVE_SECONDS = 15;

  private static final String CLOSE = "";

  private final HttpExchange exchange;
  private final BlockingQueue<String> queue = new LinkedBlockingQueue<>(CAPACITY);
  private volatile boolean closed;

  SseStream(HttpExchange exchange) {
    this.exchange = exchange;
  }

  /**
   * Formats one SSE frame; {@code data} is single-line JSON.
   *
   * @param event the event name
   * @param data the data
   * @return the frame
   */
  static String frame(String event, String data) {
    return "event: " + event + "\ndata: " + data + "\n\n";
  }

  boolean offer(String frame) {
    if (closed) {
      return false;
    }
    if (!queue.offer(frame)) {
      close();
      return false;
    }
    return true;
  }

  void close() {
    closed = true;
    queue.clear();
    queue.offer(CLOSE);
  }

  /**
   * Writes queued frames until the stream is closed or the page goes away; blocks the calling
   * (handler) thread.
   *
   * @param first frames written at once (the retry hint and the hello)
   */
  void run(String first) {
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(first.getBytes(StandardCharsets.UTF_8));
      out.flush();
      while (!closed) {
        String frame = queue.poll(KEEPALIVE_SECONDS, TimeUnit.SECONDS);
        if (frame == null) {
          frame = ": keepalive\n\n";
        } else if (frame.equals(CLOSE)) {
          break;
        }
        StringBuilder more = new StringBuilder(frame);
        String next;
        while ((next = queue.poll()) != null) {
          if (next.equals(CLOSE)) {
            closed = true;
            break;
          }
          more.append(next);
        }
        out.write(more.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
    } catch (IOException e) {
      // the page went away
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      closed = true;
      exchange.close();
    }
  }
}
