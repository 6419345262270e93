package dev.titan.discovery.demo;

import dev.titan.discovery.Discovery;
import dev.titan.discovery.DiscoveryEvent;
import dev.titan.discovery.DiscoveryOptions;
import dev.titan.discovery.DiscoveryService;
import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.ServiceInfo;
import dev.titan.discovery.testkit.RedisServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The demo: three provider nodes and one client-mode gateway on one Redis. Shows registration,
 * lookups by name and version, events, a node killed without deregistering (a child JVM,
 * SIGKILL) expiring, and a clean shutdown. Uses {@code REDIS_URL} when set, else starts a
 * redis-server of its own on a free port.
 */
public final class DemoMain {

  private static final String PREFIX = "titan-demo:discovery";
  private static final String CHANNEL = "titan-demo:discovery:events";
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

  private DemoMain() {}

  /**
   * Runs the demo, or (with {@code crash-node URI}) one node that waits to be killed.
   *
   * @param args none, or {@code crash-node <redis-uri>}
   * @throws Exception when the demo fails
   */
  public static void main(String[] args) throws Exception {
    if (args.length == 2 && args[0].equals("crash-node")) {
      crashNode(args[1]);
      return;
    }
    String url = System.getenv("REDIS_URL");
    RedisServer embedded = null;
    if (url == null || url.isBlank()) {
      embedded = RedisServer.start();
      url = embedded.uri();
      say("Started redis-server (" + RedisServer.binary() + ") on " + url);
    } else {
      say("Using REDIS_URL (" + url.replaceAll("://[^@/]*@", "://***@") + ")");
    }
    try {
      run(url);
    } finally {
      if (embedded != null) {
        embedded.close();
        say("Stopped the embedded redis-server");
      }
    }
  }

  private static DiscoveryOptions options(boolean clientMode) {
    return DiscoveryOptions.builder()
        .heartbeatInterval(Duration.ofSeconds(1))
        .heartbeatTtl(Duration.ofSeconds(3))
        .pubSubEnabled(true)
        .pubSubChannel(CHANNEL)
        .redisPrefix(PREFIX)
        .clientMode(clientMode)
        .build();
  }

  private static DiscoveryService provider(String url, String id, String address, ServiceInfo... services) {
    return Discovery.builder().redisUri(url).options(options(false))
        .nodeId(id).address(address).services(List.of(services)).build();
  }

  private static void run(String url) throws Exception {
    DiscoveryService gateway = Discovery.builder().redisUri(url).options(options(true)).build();
    CountDownLatch crashedGone = new CountDownLatch(1);
    CountDownLatch crashedJoined = new CountDownLatch(1);
    gateway.onEvent(e -> {
      say("  event  " + e.type() + " " + e.nodeId() + " " + e.address() + " " + e.services());
      if (e.nodeId().equals("crashy-1")) {
        (e.type() == DiscoveryEvent.Type.NODE_DEREGISTERED ? crashedGone : crashedJoined).countDown();
      }
    });
    gateway.start().join();
    say("Gateway started in client mode as " + gateway.getNodeId() + " (it registers nothing)");

    List<DiscoveryService> providers = new ArrayList<>();
    providers.add(provider(url, "orders-1", "10.0.0.11:8080", ServiceInfo.of("orders", "1.0.0")));
    providers.add(provider(url, "orders-2", "10.0.0.12:8080", ServiceInfo.of("orders", "2.0.0")));
    providers.add(provider(url, "users-1", "[fd00::13]:8080", ServiceInfo.of("users", "1.4.2"), ServiceInfo.of("auth")));
    say("Starting three provider nodes...");
    for (DiscoveryService p : providers) {
      p.start().join();
    }
    awaitEvents();

    say("Lookups from the gateway:");
    say("  findNodesByService(\"orders\")          -> " + ids(gateway.findNodesByService("orders").join()));
    say("  findNodesByService(\"orders\", \"2.0.0\") -> " + ids(gateway.findNodesByService("orders", "2.0.0").join()));
    say("  findNodesByService(\"auth\")            -> " + ids(gateway.findNodesByService("auth").join()));
    say("  getActiveNodes()                      -> " + ids(gateway.getActiveNodes().join()));
    say("  isNodeActive(\"users-1\")               -> " + gateway.isNodeActive("users-1").join());

    say("users-1 adds a service \"billing\" at run time:");
    providers.get(2).registerService(ServiceInfo.of("billing", "0.9")).join();
    awaitEvents();
    say("  findNodesByService(\"billing\")         -> " + ids(gateway.findNodesByService("billing").join()));

    say("Starting node crashy-1 in a child JVM, then killing it with SIGKILL (no deregistration)...");
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp", System.getProperty("java.class.path"), DemoMain.class.getName(), "crash-node", url)
        .redirectErrorStream(true).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()));
    String line;
    while ((line = out.readLine()) != null && !line.equals("READY")) {
      // wait until the child is registered
    }
    crashedJoined.await(10, TimeUnit.SECONDS);
    say("  getActiveNodes() -> " + ids(gateway.getActiveNodes().join()));
    long killedAt = System.nanoTime();
    child.destroyForcibly().waitFor();
    say("  killed; its heartbeat TTL is 3 s. Nobody queries: the sweeper notices...");
    if (crashedGone.await(10, TimeUnit.SECONDS)) {
      say(String.format("  crashy-1 expired and was announced %d ms after the kill", (System.nanoTime() - killedAt) / 1_000_000));
    } else {
      say("  crashy-1 was not announced as gone within 10 s (unexpected)");
    }
    say("  getActiveNodes() -> " + ids(gateway.getActiveNodes().join()));

    say("Stopping the providers gracefully (each deregisters and announces it)...");
    for (DiscoveryService p : providers) {
      p.close();
    }
    awaitEvents();
    say("  getActiveNodes() -> " + ids(gateway.getActiveNodes().join()));
    gateway.close();
    say("Done: every node stopped cleanly.");
  }

  private static void crashNode(String url) throws Exception {
    DiscoveryService d = provider(url, "crashy-1", "10.0.0.99:8080", ServiceInfo.of("orders", "1.0.0"));
    d.start().join();
    System.out.println("READY");
    System.out.flush();
    new CountDownLatch(1).await(); // until SIGKILL
  }

  private static void awaitEvents() throws InterruptedException {
    TimeUnit.MILLISECONDS.sleep(300); // give the gateway's listener time to print, for a readable log
  }

  private static String ids(List<NodeInfo> nodes) {
    return nodes.stream().map(n -> n.nodeId() + "@" + n.address()).sorted().collect(Collectors.joining(", ", "[", "]"));
  }

  private static void say(String s) {
    System.out.println(LocalTime.now().format(CLOCK) + "  " + s);
  }
}
