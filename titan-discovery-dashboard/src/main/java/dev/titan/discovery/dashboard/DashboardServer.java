package dev.titan.discovery.dashboard;

import com.sun.net.httpserver.HttpServer;
import dev.titan.discovery.DiscoveryService;
import dev.titan.discovery.NodeStatus;
import dev.titan.discovery.RegistryView;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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

  /** Longest operator reason kept; longer ones are cut (see {@link StatusAction#MAX_REASON}). */
  static final int MAX_REASON = StatusAction.MAX_REASON;
  /** How long {@link #start()} waits for the view's first full read. */
  static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

  private final DiscoveryService discovery;
  private final String bindAddress;
  private final int requestedPort;
  private final boolean readOnly;
  private final String token;
  private final Guards guards;
  private final JsonMapper json = JsonMapper.builder().build();
  private final StaticFiles files = StaticFiles.load();

  private final Object lifecycle = new Object();
  private @Nullable HttpServer server; // guarded by lifecycle
  private @Nullable ExecutorService handlers; // guarded by lifecycle
  private @Nullable ScheduledExecutorService ticker; // guarded by lifecycle
  private @Nullable LiveFeed feed; // guarded by lifecycle
  private @Nullable RegistryView view; // guarded by lifecycle
  private volatile int port = -1;
  private boolean closed; // guarded by lifecycle

  private DashboardServer(Builder b) {
    this.discovery = b.discovery;
    this.bindAddress = b.bindAddress;
    this.requestedPort = b.port;
    this.readOnly = b.readOnly;
    this.token = b.token != null ? b.token : Guards.generateToken();
    this.guards = new Guards(token);
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
      Responses responses = new Responses(json);
      Router router = new Router(Guards.allowedHosts(address, s.getAddress().getPort()), files, responses,
          new SnapshotHandler(f, readOnly),
          new EventsHandler(f, json, responses),
          new StatusAction(discovery, v, f, guards, readOnly, json, responses));
      s.setExecutor(pool);
      s.createContext("/", router);
      v.addListener(f);
      tick.scheduleWithFixedDelay(guarded(f::flush), LiveFeed.FLUSH_MILLIS, LiveFeed.FLUSH_MILLIS, TimeUnit.MILLISECONDS);
      tick.scheduleAtFixedRate(guarded(f::sendStatus), 1, 1, TimeUnit.SECONDS);
      s.start();
      port = s.getAddress().getPort();
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

  // ------------------------------------------------------------------ checks, for the unit tests

  boolean tokenMatches(String presented) {
    return guards.tokenMatches(presented);
  }

  static @Nullable String bearer(@Nullable String authorization) {
    return Guards.bearer(authorization);
  }

  static @Nullable NodeStatus parseStatus(String s) {
    return StatusAction.parseStatus(s);
  }

  /** Control characters become spaces, surrounding blanks go, and the text is cut at {@link #MAX_REASON}. */
  static String cleanReason(String reason) {
    return StatusAction.cleanReason(reason);
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
