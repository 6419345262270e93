package dev.titan.discovery.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A real {@code redis-server} process on a free loopback port, for tests, demos and benchmarks.
 *
 * <p>The binary is {@code $TITAN_REDIS_SERVER} when set, else {@code redis-server} on the {@code
 * PATH}, else the one shipped in the {@code com.github.codemonstur:embedded-redis} jar. The server
 * keeps nothing on disk. It can be killed ({@code SIGKILL}) and restarted on the same port, to test
 * what survives.
 */
public final class RedisServer implements AutoCloseable {

  private static final Object BINARY_LOCK = new Object();
  private static @Nullable Path cachedBinary;

  private final Path binary;
  private final int port;
  private final List<String> extraArgs;
  private final Path dir;
  private @Nullable Process process;

  private RedisServer(Path binary, int port, List<String> extraArgs) throws IOException {
    this.binary = binary;
    this.port = port;
    this.extraArgs = List.copyOf(extraArgs);
    this.dir = Files.createTempDirectory("titan-redis-" + port + "-");
  }

  /**
   * Starts a server on a free port.
   *
   * @return the running server
   */
  public static RedisServer start() {
    return start(List.of());
  }

  /**
   * Starts a server on a free port with extra {@code redis-server} arguments, such as {@code
   * List.of("--requirepass", "secret")}.
   *
   * @param extraArgs extra arguments, appended after the defaults
   * @return the running server
   */
  public static RedisServer start(List<String> extraArgs) {
    return start(freePort(), extraArgs);
  }

  /**
   * Starts a server on the given port.
   *
   * @param port the port
   * @param extraArgs extra arguments
   * @return the running server
   */
  public static RedisServer start(int port, List<String> extraArgs) {
    return start(binary(), port, extraArgs);
  }

  /**
   * Starts a given redis-server binary on the given port.
   *
   * @param binary the redis-server executable
   * @param port the port
   * @param extraArgs extra arguments
   * @return the running server
   */
  public static RedisServer start(Path binary, int port, List<String> extraArgs) {
    try {
      RedisServer server = new RedisServer(binary, port, extraArgs);
      server.launch();
      return server;
    } catch (IOException e) {
      throw new IllegalStateException("cannot start redis-server: " + e.getMessage(), e);
    }
  }

  /**
   * The port the server listens on (the same across restarts).
   *
   * @return the port
   */
  public int port() {
    return port;
  }

  /**
   * A Lettuce-style URI of the server, such as {@code redis://127.0.0.1:40123}.
   *
   * @return the URI
   */
  public String uri() {
    return "redis://127.0.0.1:" + port;
  }

  /**
   * Whether the process runs.
   *
   * @return true while it is alive
   */
  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** Kills the process with {@code SIGKILL} and waits for it to be gone; the data is lost. */
  public synchronized void kill() {
    Process p = process;
    if (p != null) {
      p.destroyForcibly();
      try {
        p.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      process = null;
    }
  }

  /** Starts the process again on the same port, empty. */
  public synchronized void restart() {
    kill();
    try {
      launch();
    } catch (IOException e) {
      throw new IllegalStateException("cannot restart redis-server on port " + port, e);
    }
  }

  /**
   * Sends one command over a fresh connection and returns the raw RESP reply; for test set-up.
   *
   * @param args the command and its arguments
   * @return the reply, as received
   */
  public String command(String... args) {
    return Resp.command(port, args);
  }

  /** Stops the server and deletes its directory. */
  @Override
  public synchronized void close() {
    kill();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // best effort: it is a temp directory
    }
  }

  private void launch() throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(binary.toString());
    cmd.addAll(
        List.of(
            "--port", Integer.toString(port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--protected-mode", "no",
            "--dir", dir.toString(),
            "--logfile", dir.resolve("redis.log").toString()));
    cmd.addAll(extraArgs);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
    process = p;
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IOException("redis-server exited with " + p.exitValue() + ": " + log());
      }
      if (ping()) {
        return;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for redis-server");
      }
    }
    p.destroyForcibly();
    throw new IOException("redis-server did not answer on port " + port + " within 20 s: " + log());
  }

  private boolean ping() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      s.setSoTimeout(500);
      s.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      byte[] buf = new byte[64];
      int n = s.getInputStream().read(buf);
      String reply = n > 0 ? new String(buf, 0, n, StandardCharsets.US_ASCII) : "";
      // a server started with --requirepass answers, but refuses the unauthenticated PING
      return reply.startsWith("+PONG") || reply.startsWith("-NOAUTH");
    } catch (IOException e) {
      return false;
    }
  }

  private String log() {
    try {
      Path f = dir.resolve("redis.log");
      Path o = dir.resolve("stdout.log");
      return (Files.exists(f) ? Files.readString(f) : "") + (Files.exists(o) ? Files.readString(o) : "");
    } catch (IOException e) {
      return "(no log)";
    }
  }

  /**
   * A free TCP port on the loopback interface.
   *
   * @return the port
   */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free port", e);
    }
  }

  /**
   * The redis-server binary used: {@code $TITAN_REDIS_SERVER}, the one on the PATH, or the one
   * extracted from the embedded-redis jar.
   *
   * @return the path of the binary
   */
  public static Path binary() {
    synchronized (BINARY_LOCK) {
      if (cachedBinary == null) {
        cachedBinary = findBinary();
      }
      return cachedBinary;
    }
  }

  private static Path findBinary() {
    String env = System.getenv("TITAN_REDIS_SERVER");
    if (env != null && !env.isBlank() && Files.isExecutable(Path.of(env))) {
      return Path.of(env);
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String d : path.split(java.io.File.pathSeparator)) {
        Path candidate = Path.of(d, "redis-server");
        if (Files.isExecutable(candidate)) {
          return candidate;
        }
      }
    }
    return extractEmbedded();
  }

  /**
   * The redis-server binary shipped in the embedded-redis jar, extracted to a temporary file.
   *
   * @return the path of the extracted binary
   */
  public static Path embeddedBinary() {
    return extractEmbedded();
  }

  private static Path extractEmbedded() {
    String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    String resource;
    if (os.contains("linux")) {
      resource = arch.contains("aarch64") || arch.contains("arm64")
          ? "redis-server-6.2.7-linux-arm64" : "redis-server-6.2.6-v5-linux-amd64";
    } else if (os.contains("mac")) {
      resource = arch.contains("aarch64") || arch.contains("arm64")
          ? "redis-server-6.2.6-v5-darwin-arm64" : "redis-server-6.2.6-v5-darwin-amd64";
    } else {
      throw new IllegalStateException(
          "no redis-server on the PATH and no embedded binary for " + os + "/" + arch
              + "; install Redis or set TITAN_REDIS_SERVER");
    }
    try (InputStream in = RedisServer.class.getResourceAsStream("/" + resource)) {
      if (in == null) {
        throw new IllegalStateException("embedded-redis jar lacks " + resource);
      }
      Path dir = Files.createTempDirectory("titan-redis-bin-");
      Path target = dir.resolve("redis-server");
      Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
      if (!target.toFile().setExecutable(true)) {
        throw new IllegalStateException("cannot make " + target + " executable");
      }
      target.toFile().deleteOnExit();
      dir.toFile().deleteOnExit();
      return target;
    } catch (IOException e) {
      throw new IllegalStateException("cannot extract embedded redis-server: " + e.getMessage(), e);
    }
  }
}
