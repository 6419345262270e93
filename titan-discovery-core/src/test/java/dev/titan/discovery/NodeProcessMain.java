package dev.titan.discovery;

import java.time.Duration;
import java.nio.file.Path;
import java.util.List;

/**
 * A registered node in its own JVM, for tests that kill it with SIGKILL. Arguments: redis URI,
 * prefix, channel, node id, heartbeat interval ms, heartbeat TTL ms. Prints {@code REGISTERED}
 * once registered, then heartbeats until killed (or until stdin closes, so it never outlives the
 * test JVM).
 */
public final class NodeProcessMain {

  private NodeProcessMain() {}

  /**
   * Runs the node.
   *
   * @param args see the class comment
   * @throws Exception on failure to start
   */
  public static void main(String[] args) throws Exception {
    DiscoveryService d = Discovery.builder()
        .redisUri(args[0])
        .options(DiscoveryOptions.builder()
            .redisPrefix(args[1])
            .pubSubEnabled(true)
            .pubSubChannel(args[2])
            .heartbeatInterval(Duration.ofMillis(Long.parseLong(args[4])))
            .heartbeatTtl(Duration.ofMillis(Long.parseLong(args[5])))
            .retryDelay(Duration.ofMillis(50))
            .build())
        .nodeId(args[3])
        .address("10.7.7.7:7000")
        .services(List.of(ServiceInfo.of("child", "1")))
        .build();
    d.start().join();
    System.out.println("REGISTERED");
    System.out.flush();
    // block until the parent goes away (stdin EOF) or we are killed
    while (System.in.read() >= 0) {
      // ignore input
    }
    d.close();
  }

  /**
   * Starts the node in a child JVM with this JVM's class path and waits until it is registered.
   *
   * @param args the arguments of {@link #main(String[])}
   * @return the child process
   * @throws Exception when it does not register within 30 s
   */
  static Process spawn(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx64m", "-XX:TieredStopAtLevel=1",
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
        "-cp", System.getProperty("java.class.path"),
        NodeProcessMain.class.getName()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()));
    java.util.concurrent.CompletableFuture<String> line = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return out.readLine();
      } catch (java.io.IOException e) {
        return null;
      }
    });
    String first = line.get(30, java.util.concurrent.TimeUnit.SECONDS);
    if (!"REGISTERED".equals(first)) {
      p.destroyForcibly();
      throw new IllegalStateException("child node did not register: " + first);
    }
    return p;
  }

}
