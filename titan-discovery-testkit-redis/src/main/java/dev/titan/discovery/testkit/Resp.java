package dev.titan.discovery.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** Raw RESP commands over a fresh plain connection, for set-up and probes of test servers. */
final class Resp {

  private Resp() {}

  /** Sends one command and returns the raw reply as received (one read), or throws. */
  static String command(int port, String... args) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      StringBuilder b = new StringBuilder("*").append(args.length).append("\r\n");
      for (String a : args) {
        byte[] bytes = a.getBytes(StandardCharsets.UTF_8);
        b.append('$').append(bytes.length).append("\r\n").append(a).append("\r\n");
      }
      out.write(b.toString().getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[65536];
      int n = in.read(buf);
      return n <= 0 ? "" : new String(buf, 0, n, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("server on port " + port + " did not answer: " + e, e);
    }
  }

  /** Whether something answers PING with PONG on the port. */
  static boolean ping(int port) {
    try {
      return command(port, "PING").startsWith("+PONG");
    } catch (IllegalStateException e) {
      return false;
    }
  }

  /** Waits (polling every 50 ms) until the condition holds or the timeout passes. */
  static boolean await(java.time.Duration timeout, java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (condition.getAsBoolean()) {
          return true;
        }
      } catch (RuntimeException e) {
        // not yet
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }
}
