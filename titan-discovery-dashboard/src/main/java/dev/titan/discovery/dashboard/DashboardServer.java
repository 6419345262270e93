package dev.titan.discovery.dashboard;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.titan.discovery.DiscoveryService;
import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.NodeStatus;
import dev.titan.discovery.RegistryView;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The live registry dashboard: one page served by the JDK's HTTP server, kept current by
 * Server-Sent Events from a discovery service's push-updated {@link RegistryView}.
 *
 * <pre>{@code
 * try (DashboardServer dashboard = DashboardServer.builder(discovery)   // started, pub/sub on
 *     .port(8080)                                                      // 0: a free port
 *     .build()
 *     .start()) {
 *   System.out.println(dashboard.url() + "  token: " + dashboard.token());
 *   ...
 * }
 * }</pre>
 *
 * <p>Endpoints: {@code GET /} the page and its static files; {@code GET /api/snapshot} every
 * node, the recent event log and the view's health, for the first render; {@code GET
 * /api/events} the SSE stream ({@code batch} events with the nodes changed in the last {@value
 * LiveFeed#FLUSH_MILLIS} ms, coalesced per node; a {@code status} event every second with the
 * registry's change counter and the view's health); {@code POST /api/nodes/status} an operator's
 * action (JSON {@code nodeId}, {@code status}, {@code reason}), which needs the token as {@code
 * Authorization: Bearer <token>} (or a {@code token} member of the JSON body) and is refused with
 * 403 when the server is read-only.
 *
 * <p>Security: binds to {@code 127.0.0.1} unless told otherwise, and then accepts only requests
 * whose {@code Host} names the loopback address (no DNS rebinding); reads need no token, actions
 * do (compared in constant time; no cookies, so no CSRF); every response carries a strict
 * Content-Security-Policy and {@code X-Content-Type-Options: nosniff}, and the page builds its DOM
 * with {@code textContent} only: node ids, addresses, services and metadata are shown as text.
 *
 * <p>The discovery service is the caller's: the server uses it and never stops it.
 */
public final class DashboardServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(DashboardServer.class);

  /** Longest operator reason kept; longer ones are cut. */
  static final int MAX_REASON = 500;
  /** Largest request body accepted. */
  static final int MAX_BODY = 16 * 1024;
  /** Most SSE streams served at once; more are refused with 503. */
  static final int MAX_STREAMS = 64;
  /** How long {@link #start()} waits for the view's first full read. */
  static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
  /** How long an action waits for Redis. */
  static final Duration ACTION_TIMEOUT = Duration.ofSeconds(10);

  static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
      + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private final DiscoveryService discovery;
  private final String bindAddress;
  private final int requestedPort;
  private final boolean readOnly;
  private final String token;
  private final byte[] tokenDigest;
  private final JsonMapper json = JsonMapper.builder().build();
  private final StaticFiles files = StaticFiles.load();

  private final Object lifecycle = new Object();
  private @Nullable HttpServer server; // guarded by lifecycle
  private @Nullable ExecutorService handlers; // guarded by lifecycle
  private @Nullable ScheduledExecutorService ticker; // guarded by lifecycle
  private @Nullable LiveFeed feed; // guarded by lifecycle
  private @Nullable RegistryView view; // guarded by lifecycle
  private @Nullable Set<String> allowedHosts; // null: any Host (not bound to loopback)
  private volatile int port = -1;
  private boolean closed; // guarded by lifecycle

  private DashboardServer(Builder b) {
    this.discovery = b.discovery;
    this.bindAddress = b.bindAddress;
    this.requestedPort = b.port;
    this.readOnly = b.readOnly;
    this.token = b.token != null ? b.token : generateToken();
    this.tokenDigest = sha256(token);
  }

  /**
   * Starts building a dashboard for a discovery service.
   *
   * @param discovery a started discovery service with pub/sub enabled; its {@link
   *     DiscoveryService#view()} is the dashboard's source and its {@link
   *     DiscoveryService#setNodeStatus} carries out the operators' actions
   * @return a builder with the defaults: {@code 127.0.0.1}, port 8080, actions allowed, a
   *     generated token
   */
  public static Builder builder(DiscoveryService discovery) {
    return new Builder(discovery);
  }

  /**
   * Attaches to the discovery service's view (waiting for its first full read), binds the
   * address and starts serving. Calling it again on a running server does nothing.
   *
   * @return this server, running
   * @throws IllegalStateException when the discovery service is not started or has pub/sub
   *     disabled, when the view does not fill within 30 s, or after {@link #close()}
   * @throws UncheckedIOException when the address cannot be bound
   */
  public DashboardServer start() {
    synchronized (lifecycle) {
      if (closed) {
        throw new IllegalStateException("the dashboard is closed");
      }
      if (server != null) {
        return this;
      }
      RegistryView v;
      try {
        v = discovery.view();
      } catch (IllegalStateException e) {
        throw new IllegalStateException("the dashboard needs a started discovery service with pub/sub enabled: "
            + e.getMessage(), e);
      }
      try {
        v.ready().get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the registry view", e);
      } catch (ExecutionException | TimeoutException e) {
        throw new IllegalStateException("the registry view did not fill within " + READY_TIMEOUT.toSeconds() + " s", e);
      }
      InetAddress address;
      try {
        address = InetAddress.getByName(bindAddress);
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException("bindAddress: unknown host '" + bindAddress + "'", e);
      }
      HttpServer s;
      try {
        s = HttpServer.create(new InetSocketAddress(address, requestedPort), 64);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot bind the dashboard to " + bindAddress + ":" + requestedPort, e);
      }
      LiveFeed f = new LiveFeed(v, discovery, json);
      AtomicInteger threads = new AtomicInteger();
      ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "titan-dashboard-http-" + threads.incrementAndGet());
        t.setDaemon(true);
        return t;
      });
      ScheduledExecutorService tick = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "titan-dashboard-feed");
        t.setDaemon(true);
        return t;
      });
      s.setExecutor(pool);
      s.createContext("/", this::handle);
      v.addListener(f);
      tick.scheduleWithFixedDelay(guarded(f::flush), LiveFeed.FLUSH_MILLIS, LiveFeed.FLUSH_MILLIS, TimeUnit.MILLISECONDS);
      tick.scheduleAtFixedRate(guarded(f::sendStatus), 1, 1, TimeUnit.SECONDS);
      s.start();
      port = s.getAddress().getPort();
      allowedHosts = address.isLoopbackAddress()
          ? Set.of("127.0.0.1:" + port, "localhost:" + port, "[::1]:" + port)
          : null;
      server = s;
      handlers = pool;
      ticker = tick;
      feed = f;
      view = v;
      LOG.info("Dashboard at {} ({})", url(), readOnly ? "read-only" : "actions need the token");
      return this;
    }
  }

  /**
   * The port the server listens on (the free port chosen when built with port 0).
   *
   * @return the port
   * @throws IllegalStateException before {@link #start()}
   */
  public int port() {
    int p = port;
    if (p < 0) {
      throw new IllegalStateException("the dashboard is not started");
    }
    return p;
  }

  /**
   * The page's address, {@code http://host:port/}; IPv6 hosts in brackets, the wildcard address
   * shown as {@code 127.0.0.1}.
   *
   * @return the URL
   * @throws IllegalStateException before {@link #start()}
   */
  public String url() {
    String host = bindAddress;
    if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
      host = "127.0.0.1";
    } else if (host.contains(":") && !host.startsWith("[")) {
      host = "[" + host + "]";
    }
    return "http://" + host + ":" + port() + "/";
  }

  /**
   * The bearer token that actions need: the one given to the builder, else a random 256-bit one
   * generated at build time (print it for the operator; the page asks for it once).
   *
   * @return the token
   */
  public String token() {
    return token;
  }

  /**
   * Whether actions are refused.
   *
   * @return true when read-only
   */
  public boolean isReadOnly() {
    return readOnly;
  }

  /**
   * Stops serving: closes the event streams, the listener on the view and the HTTP server.
   * Idempotent. The discovery service is left running.
   */
  @Override
  public void close() {
    HttpServer s;
    ExecutorService pool;
    ScheduledExecutorService tick;
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
      s = server;
      pool = handlers;
      tick = ticker;
      RegistryView v = view;
      LiveFeed f = feed;
      if (v != null && f != null) {
        v.removeListener(f);
      }
      if (tick != null) {
        tick.shutdownNow();
      }
      if (f != null) {
        f.closeStreams();
      }
    }
    if (s != null) {
      s.stop(0);
    }
    if (pool != null) {
      pool.shutdownNow();
    }
  }

  // ------------------------------------------------------------------ requests

  private void handle(HttpExchange ex) throws IOException {
    try {
      securityHeaders(ex);
      Set<String> hosts = allowedHosts;
      String host = ex.getRequestHeaders().getFirst("Host");
      if (hosts != null && (host == null || !hosts.contains(host.toLowerCase(Locale.ROOT)))) {
        sendJson(ex, 421, error("unexpected Host header"));
        return;
      }
      String path = ex.getRequestURI().getPath();
      String method = ex.getRequestMethod();
      switch (path) {
        case "/api/snapshot" -> {
          if (!method.equals("GET")) {
            methodNotAllowed(ex, "GET");
            return;
          }
          send(ex, 200, "application/json; charset=utf-8", snapshotBytes(ex));
        }
        case "/api/events" -> {
          if (!method.equals("GET")) {
            methodNotAllowed(ex, "GET");
            return;
          }
          events(ex);
        }
        case "/api/nodes/status" -> {
          if (!method.equals("POST")) {
            methodNotAllowed(ex, "POST");
            return;
          }
          setStatus(ex);
        }
        default -> {
          if (!method.equals("GET") && !method.equals("HEAD")) {
            methodNotAllowed(ex, "GET");
            return;
          }
          Optional<StaticFiles.File> file = files.get(path);
          if (file.isEmpty()) {
            sendJson(ex, 404, error("not found"));
            return;
          }
          ex.getResponseHeaders().set("Cache-Control", "no-cache");
          send(ex, 200, file.get().contentType(), method.equals("HEAD") ? null : file.get().bytes());
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("Dashboard request {} {} failed", ex.getRequestMethod(), ex.getRequestURI().getPath(), e);
      try {
        sendJson(ex, 500, error("internal error"));
      } catch (IOException | RuntimeException ignored) {
        // headers already sent
      }
    } finally {
      if (!"/api/events".equals(ex.getRequestURI().getPath())) {
        ex.close();
      }
    }
  }

  /** The snapshot, gzipped (fastest level) when the client accepts it: 10,000 nodes are about 2 MB of JSON. */
  private byte[] snapshotBytes(HttpExchange ex) throws IOException {
    long t0 = System.nanoTime();
    byte[] body = liveFeed().snapshot(readOnly).getBytes(StandardCharsets.UTF_8);
    String accept = ex.getRequestHeaders().getFirst("Accept-Encoding");
    if (accept != null && accept.toLowerCase(Locale.ROOT).contains("gzip") && body.length > 8192) {
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

  private void events(HttpExchange ex) throws IOException {
    LiveFeed f = liveFeed();
    if (f.streamCount() >= MAX_STREAMS) {
      sendJson(ex, 503, error("too many event streams"));
      ex.close();
      return;
    }
    ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    ex.getResponseHeaders().set("X-Accel-Buffering", "no");
    ex.sendResponseHeaders(200, 0);
    SseStream stream = new SseStream(ex);
    f.add(stream);
    try {
      Map<String, Object> hello = new LinkedHashMap<>();
      hello.put("seq", f.seq());
      hello.put("status", f.status());
      stream.run("retry: 2000\n\n" + SseStream.frame("hello", json.writeValueAsString(hello)));
    } finally {
      f.remove(stream);
    }
  }

  private void setStatus(HttpExchange ex) throws IOException {
    if (readOnly) {
      sendJson(ex, 403, error("the dashboard is read-only"));
      return;
    }
    String origin = ex.getRequestHeaders().getFirst("Origin");
    String host = ex.getRequestHeaders().getFirst("Host");
    if (origin != null && !origin.equalsIgnoreCase("http://" + host)) {
      sendJson(ex, 403, error("cross-origin request refused"));
      return;
    }
    String type = ex.getRequestHeaders().getFirst("Content-Type");
    if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
      sendJson(ex, 415, error("Content-Type must be application/json"));
      return;
    }
    byte[] body = readBody(ex.getRequestBody());
    if (body == null) {
      sendJson(ex, 413, error("body too large"));
      return;
    }
    Map<?, ?> req;
    try {
      req = json.readValue(body, Map.class);
    } catch (JacksonException e) {
      sendJson(ex, 400, error("body must be a JSON object"));
      return;
    }
    String presented = bearer(ex.getRequestHeaders().getFirst("Authorization"));
    if (presented == null && req.get("token") instanceof String t) {
      presented = t;
    }
    if (presented == null || !tokenMatches(presented)) {
      ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"titan-dashboard\"");
      sendJson(ex, 401, error("a valid token is needed"));
      return;
    }
    if (!(req.get("nodeId") instanceof String nodeId) || nodeId.isEmpty()) {
      sendJson(ex, 400, error("nodeId is missing"));
      return;
    }
    NodeStatus status = req.get("status") instanceof String s ? parseStatus(s) : null;
    if (status == null) {
      sendJson(ex, 400, error("status must be UP, DRAINING or OUT_OF_SERVICE"));
      return;
    }
    String reason = cleanReason(req.get("reason") instanceof String r ? r : "");
    Optional<NodeInfo> before = liveView().node(nodeId);
    if (before.isEmpty()) {
      sendJson(ex, 404, error("no such node in the registry"));
      return;
    }
    String remote = ex.getRemoteAddress().getAddress().getHostAddress();
    try {
      discovery.setNodeStatus(nodeId, status).get(ACTION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      sendJson(ex, 503, error("interrupted"));
      return;
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      LOG.warn("Dashboard: setting {} of {} failed", status, nodeId, e);
      sendJson(ex, 502, error("the registry refused or did not answer: " + e.getClass().getSimpleName()));
      return;
    }
    String from = before.get().status().name();
    LOG.info("Dashboard: {} set {} from {} to {}; reason: {}", remote, nodeId, from, status, reason);
    liveFeed().operatorAction(nodeId, from, status.name(), reason, remote);
    Map<String, Object> ok = new LinkedHashMap<>();
    ok.put("ok", true);
    ok.put("nodeId", nodeId);
    ok.put("status", status.name());
    sendJson(ex, 200, ok);
  }

  private LiveFeed liveFeed() {
    synchronized (lifecycle) {
      return Objects.requireNonNull(feed, "feed");
    }
  }

  private RegistryView liveView() {
    synchronized (lifecycle) {
      return Objects.requireNonNull(view, "view");
    }
  }

  boolean tokenMatches(String presented) {
    return MessageDigest.isEqual(tokenDigest, sha256(presented));
  }

  static @Nullable String bearer(@Nullable String authorization) {
    if (authorization == null) {
      return null;
    }
    String a = authorization.trim();
    if (a.length() > 7 && a.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return a.substring(7).trim();
    }
    return null;
  }

  static @Nullable NodeStatus parseStatus(String s) {
    for (NodeStatus st : NodeStatus.values()) {
      if (st.name().equals(s)) {
        return st;
      }
    }
    return null;
  }

  /** Control characters become spaces, surrounding blanks go, and the text is cut at {@link #MAX_REASON}. */
  static String cleanReason(String reason) {
    StringBuilder b = new StringBuilder(Math.min(reason.length(), MAX_REASON));
    reason.codePoints().limit(MAX_REASON).forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? ' ' : c));
    return b.toString().strip();
  }

  private static byte @Nullable [] readBody(InputStream in) throws IOException {
    byte[] body = in.readNBytes(MAX_BODY + 1);
    return body.length > MAX_BODY ? null : body;
  }

  private static void securityHeaders(HttpExchange ex) {
    var h = ex.getResponseHeaders();
    h.set("Content-Security-Policy", CSP);
    h.set("X-Content-Type-Options", "nosniff");
    h.set("X-Frame-Options", "DENY");
    h.set("Referrer-Policy", "no-referrer");
    h.set("Cache-Control", "no-store");
  }

  private static void methodNotAllowed(HttpExchange ex, String allowed) throws IOException {
    ex.getResponseHeaders().set("Allow", allowed);
    send(ex, 405, "application/json; charset=utf-8",
        "{\"error\":\"method not allowed\"}".getBytes(StandardCharsets.UTF_8));
  }

  private void sendJson(HttpExchange ex, int code, Object body) throws IOException {
    send(ex, code, "application/json; charset=utf-8", json.writeValueAsBytes(body));
  }

  private static void send(HttpExchange ex, int code, String contentType, byte @Nullable [] body) throws IOException {
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

  private static Map<String, Object> error(String message) {
    return Map.of("error", message);
  }

  private static Runnable guarded(Runnable r) {
    return () -> {
      try {
        r.run();
      } catch (RuntimeException e) {
        LOG.warn("Dashboard feed failed", e); // keep the schedule alive
      }
    };
  }

  private static String generateToken() {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Builds a {@link DashboardServer}; see {@link DashboardServer#builder}. */
  public static final class Builder {
    private final DiscoveryService discovery;
    private String bindAddress = "127.0.0.1";
    private int port = 8080;
    private boolean readOnly;
    private @Nullable String token;

    private Builder(DiscoveryService discovery) {
      this.discovery = Objects.requireNonNull(discovery, "discovery");
    }

    /**
     * The address to listen on; {@code 127.0.0.1} by default. Anything else exposes the page
     * (reads need no token) to whoever can reach that address: put it behind a proxy with
     * authentication and TLS, or use {@link #readOnly(boolean)}.
     *
     * @param bindAddress an IP address or host name
     * @return this builder
     */
    public Builder bindAddress(String bindAddress) {
      Objects.requireNonNull(bindAddress, "bindAddress");
      if (bindAddress.isBlank()) {
        throw new IllegalArgumentException("bindAddress: must not be blank");
      }
      this.bindAddress = bindAddress.strip();
      return this;
    }

    /**
     * The port to listen on; 8080 by default, 0 for a free one ({@link DashboardServer#port()}
     * tells which).
     *
     * @param port 0 to 65535
     * @return this builder
     */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port: must be 0 to 65535, was " + port);
      }
      this.port = port;
      return this;
    }

    /**
     * Whether to refuse every action (drain, out-of-service, up) with 403 and hide the buttons;
     * false by default.
     *
     * @param readOnly true for a read-only dashboard
     * @return this builder
     */
    public Builder readOnly(boolean readOnly) {
      this.readOnly = readOnly;
      return this;
    }

    /**
     * The bearer token actions need; by default a random 256-bit token is generated.
     *
     * @param token at least 16 characters, no whitespace or control characters, or null to generate one
     * @return this builder
     */
    public Builder token(@Nullable String token) {
      if (token != null) {
        if (token.length() < 16) {
          throw new IllegalArgumentException("token: must have at least 16 characters");
        }
        for (int i = 0; i < token.length(); i++) {
          char c = token.charAt(i);
          if (c <= ' ' || c == 0x7f) {
            throw new IllegalArgumentException("token: must not contain whitespace or control characters");
          }
        }
      }
      this.token = token;
      return this;
    }

    /**
     * Builds the server (nothing is bound until {@link DashboardServer#start()}).
     *
     * @return the server
     */
    public DashboardServer build() {
      return new DashboardServer(this);
    }
  }
}
