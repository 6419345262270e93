package dev.titan.discovery.internal.node;

import dev.titan.discovery.internal.Validation;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.security.SecureRandom;
import java.util.Collections;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/** Default node id and address, as the spec describes them. */
public final class NodeIdentity {

  private static final SecureRandom RANDOM = new SecureRandom();

  private NodeIdentity() {}

  /**
   * A node id {@code titan-{pid}-{epochMillis}-{random}}, the random part six base-36 characters.
   *
   * @return a new id
   */
  public static String generateNodeId() {
    StringBuilder random = new StringBuilder();
    for (int i = 0; i < 6; i++) {
      random.append(Character.forDigit(RANDOM.nextInt(36), 36));
    }
    return "titan-" + ProcessHandle.current().pid() + "-" + System.currentTimeMillis() + "-" + random;
  }

  /**
   * The address from the environment: host from {@code TITAN_HOST} or {@code HOST}, else the
   * first non-loopback IPv4 address of an interface that is up, else {@code localhost}; port from
   * {@code TITAN_PORT} or {@code PORT}, else 3000.
   *
   * @param env the environment (usually {@code System::getenv})
   * @return {@code host:port}
   * @throws IllegalArgumentException when a variable does not give a valid address, naming the
   *     variable and its value
   */
  public static String detectAddress(Function<String, @Nullable String> env) {
    String hostVar = firstSet(env, "TITAN_HOST", "HOST");
    String host = hostVar == null ? firstIpv4() : env.apply(hostVar).trim();
    String portVar = firstSet(env, "TITAN_PORT", "PORT");
    String port = portVar == null ? "3000" : env.apply(portVar).trim();
    if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
      host = "[" + host + "]";
    }
    String address = host + ":" + port;
    try {
      return Validation.address(address);
    } catch (IllegalArgumentException e) {
      String from = portVar != null && !validPort(port) ? describe(portVar, port)
          : hostVar != null ? describe(hostVar, env.apply(hostVar))
          : portVar != null ? describe(portVar, port) : "the detected host";
      throw new IllegalArgumentException("Cannot use " + from + " as this node's address: " + e.getMessage()
          + "; fix the variable or give the address explicitly (Discovery.builder().address(\"host:port\"))", e);
    }
  }

  private static String describe(String variable, @Nullable String value) {
    return "environment variable " + variable + "='" + value + "'";
  }

  private static boolean validPort(String port) {
    try {
      int p = Integer.parseInt(port);
      return p >= 1 && p <= 65535 && port.equals(Integer.toString(p));
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /**
   * {@link #detectAddress(Function)} on the process environment.
   *
   * @return {@code host:port}
   */
  public static String detectAddress() {
    Map<String, String> env = System.getenv();
    return detectAddress(env::get);
  }

  /** The name of the first variable that is set and not blank, or null. */
  private static @Nullable String firstSet(Function<String, @Nullable String> env, String... names) {
    for (String n : names) {
      String v = env.apply(n);
      if (v != null && !v.isBlank()) {
        return n;
      }
    }
    return null;
  }

  private static String firstIpv4() {
    try {
      for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!nif.isUp() || nif.isLoopback() || nif.isVirtual()) {
          continue;
        }
        for (InetAddress a : Collections.list(nif.getInetAddresses())) {
          if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
            return a.getHostAddress();
          }
        }
      }
    } catch (SocketException e) {
      // fall through to localhost
    }
    return "localhost";
  }
}
