package dev.titan.discovery.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on a free loopback port in front of another port (a Redis), to inject network
 * faults between a client and the server: it can {@linkplain #pass() pass} traffic, {@linkplain
 * #drop() drop} every connection (close them; new ones are accepted), {@linkplain #stall() stall}
 * (keep connections open but forward nothing, in both directions) and {@linkplain #slow(Duration)
 * slow} traffic down (delay every chunk).
 *
 * <p>Plain threads: one acceptor and two pumps per connection, all daemons. {@link #close()}
 * stops them all and closes every socket.
 */
public final class TcpProxy implements AutoCloseable {

  private static final AtomicInteger COUNT = new AtomicInteger();

  private final int targetPort;
  private final ServerSocket server;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final Object gate = new Object();
  private final AtomicLong accepted = new AtomicLong();
  private volatile boolean stalled;
  private volatile long delayMillis;
  private volatile boolean refusing;
  private volatile boolean closed;

  private TcpProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.server = new ServerSocket();
    server.setReuseAddress(true);
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    Thread acceptor = new Thread(this::acceptLoop, "tcp-proxy-accept-" + COUNT.incrementAndGet());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /**
   * Starts a proxy on a free loopback port that forwards to {@code 127.0.0.1:targetPort}.
   *
   * @param targetPort the port of the real server
   * @return the running proxy, passing traffic
   */
  public static TcpProxy start(int targetPort) {
    try {
      return new TcpProxy(targetPort);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start TCP proxy: " + e.getMessage(), e);
    }
  }

  /**
   * The port clients connect to.
   *
   * @return the proxy's port
   */
  public int port() {
    return server.getLocalPort();
  }

  /**
   * A Redis URI through the proxy, such as {@code redis://127.0.0.1:40123}.
   *
   * @return the URI
   */
  public String uri() {
    return "redis://127.0.0.1:" + port();
  }

  /**
   * Connections accepted so far.
   *
   * @return the count
   */
  public long accepted() {
    return accepted.get();
  }

  /** Forwards traffic again, at full speed, and accepts new connections. */
  public void pass() {
    synchronized (gate) {
      stalled = false;
      delayMillis = 0;
      refusing = false;
      gate.notifyAll();
    }
  }

  /**
   * Stops forwarding in both directions; connections stay open and bytes wait in the proxy (and
   * the kernel's buffers) until {@link #pass()}.
   */
  public void stall() {
    synchronized (gate) {
      stalled = true;
    }
  }

  /**
   * Delays every chunk of bytes by {@code delay} in both directions.
   *
   * @param delay the added latency per chunk
   */
  public void slow(Duration delay) {
    synchronized (gate) {
      delayMillis = delay.toMillis();
      gate.notifyAll();
    }
  }

  /** Closes every open connection at once (both sides see a reset or EOF); new ones are accepted. */
  public void drop() {
    for (Socket s : sockets) {
      closeQuietly(s);
    }
    sockets.clear();
  }

  /**
   * Closes every open connection and closes new ones at once until {@link #pass()}, like a peer
   * that went away.
   */
  public void dropAndRefuse() {
    refusing = true;
    drop();
  }

  /** Stops the proxy and closes every connection. */
  @Override
  public void close() {
    closed = true;
    closeQuietly(server);
    pass();
    drop();
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      accepted.incrementAndGet();
      if (refusing) {
        closeQuietly(client);
        continue;
      }
      Socket upstream = new Socket();
      try {
        upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 2000);
        client.setTcpNoDelay(true);
        upstream.setTcpNoDelay(true);
      } catch (IOException e) {
        closeQuietly(client);
        closeQuietly(upstream);
        continue;
      }
      sockets.add(client);
      sockets.add(upstream);
      pump(client, upstream, "up");
      pump(upstream, client, "down");
    }
  }

  private void pump(Socket from, Socket to, String direction) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[16384];
      try {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        while (true) {
          int n = in.read(buf);
          if (n < 0) {
            break;
          }
          awaitGate();
          if (from.isClosed() || to.isClosed()) {
            break;
          }
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException | InterruptedException e) {
        // connection closed or dropped
      } finally {
        closeQuietly(from);
        closeQuietly(to);
        sockets.remove(from);
        sockets.remove(to);
      }
    }, "tcp-proxy-" + direction + "-" + port());
    t.setDaemon(true);
    t.start();
  }

  private void awaitGate() throws InterruptedException {
    long delay;
    synchronized (gate) {
      while (stalled && !closed) {
        gate.wait(50);
      }
      delay = delayMillis;
    }
    if (delay > 0) {
      Thread.sleep(delay);
    }
  }

  private static void closeQuietly(java.io.Closeable c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
