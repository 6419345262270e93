package dev.titan.discovery;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A discovery node in a child JVM, for tests that kill it with SIGKILL. Arguments: redis URI,
 * prefix, channel, node id, TTL ms, interval ms. Prints READY once registered, then waits.
 */
public final class NodeProcessMain {

  private NodeProcessMain() {}

  public static void main(String[] args) throws Exception {
    DiscoveryOptions options = DiscoveryOptions.builder()
        .redisPrefix(args[1]).pubSubChannel(args[2]).pubSubEnabled(true)
        .heartbeatTtl(Duration.ofMillis(Long.parseLong(args[4])))
        .heartbeatInterval(Duration.ofMillis(Long.parseLong(args[5])))
        .retryDelay(Duration.ofMillis(50))
        .build();
    DiscoveryService d = Discovery.builder().redisUri(args[0]).options(options)
        .nodeId(args[3]).address("10.1.1.1:8080").services(List.of(ServiceInfo.of("doomed", "1"))).build();
    d.start().join();
    System.out.println("READY");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE); // wait to be killed
  }

  /** Starts this main in a child JVM with the test class path and waits for READY. */
  static Process spawn(String uri, String prefix, String channel, String nodeId, long ttlMillis, long intervalMillis) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
            NodeProcessMain.class.getName(), uri, prefix, channel, nodeId, Long.toString(ttlMillis), Long.toString(intervalMillis))
        .redirectErrorStream(true).start();
    java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()));
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    String line;
    StringBuilder seen = new StringBuilder();
    while (System.nanoTime() < deadline && (line = out.readLine()) != null) {
      if (line.equals("READY")) {
        return p;
      }
      seen.append(line).append('\n');
    }
    p.destroyForcibly();
    throw new IllegalStateException("child node did not start: " + seen);
  }
}
