package dev.titan.discovery;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A port that accepts TCP connections and closes them at once, counting them: a Redis that is not
 * there yet. Tests await {@link #accepted} to know that a service is retrying, instead of sleeping.
 */
final class RefusingPort implements AutoCloseable {

  /** Connections accepted (and closed) so far. */
  final AtomicInteger accepted = new AtomicInteger();
  private final ServerSocket socket;

  RefusingPort() throws IOException {
    socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread th = new Thread(() -> {
      while (!socket.isClosed()) {
        try (Socket s = socket.accept()) {
          accepted.incrementAndGet();
        } catch (IOException e) {
          return;
        }
      }
    }, "refusing-port-" + socket.getLocalPort());
    th.setDaemon(true);
    th.start();
  }

  int port() {
    return socket.getLocalPort();
  }

  /** Frees the port (a real Redis can then be started on it). */
  @Override
  public void close() throws IOException {
    socket.close();
  }
}
