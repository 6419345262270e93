package dev.titan.discovery.dashboard;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The request guards: the {@code Host} allow-list (no DNS rebinding), the same-origin and
 * Content-Type checks on actions, the body size limit, and the bearer token, generated when none
 * is given and compared in constant time (as SHA-256 digests, so that its length leaks neither).
 */
final class Guards {

  /** Largest request body accepted. */
  static final int MAX_BODY = 16 * 1024;

  private final byte[] tokenDigest;

  /**
   * Guards for one token.
   *
   * @param token the token actions need
   */
  Guards(String token) {
    this.tokenDigest = sha256(token);
  }

  /**
   * Whether a presented token is the server's, in constant time.
   *
   * @param presented the token the client sent
   * @return true when it matches
   */
  boolean tokenMatches(String presented) {
    return MessageDigest.isEqual(tokenDigest, sha256(presented));
  }

  /**
   * The {@code Host} values a loopback-bound server accepts.
   *
   * @param address the bound address
   * @param port the bound port
   * @return the accepted {@code host:port} values (lower case), or null to accept any Host when
   *     the address is not a loopback one
   */
  static @Nullable Set<String> allowedHosts(InetAddress address, int port) {
    return address.isLoopbackAddress()
        ? Set.of("127.0.0.1:" + port, "localhost:" + port, "[::1]:" + port)
        : null;
  }

  /**
   * Whether a request's {@code Host} header is accepted.
   *
   * @param allowed the accepted values, or null for any
   * @param host the header, or null when missing
   * @return true when accepted
   */
  static boolean hostAllowed(@Nullable Set<String> allowed, @Nullable String host) {
    return allowed == null || (host != null && allowed.contains(host.toLowerCase(Locale.ROOT)));
  }

  /**
   * Whether a request comes from the page itself: no {@code Origin}, or the one of its {@code
   * Host}.
   *
   * @param origin the Origin header, or null
   * @param host the Host header, or null
   * @return true unless cross-origin
   */
  static boolean sameOrigin(@Nullable String origin, @Nullable String host) {
    return origin == null || origin.equalsIgnoreCase("http://" + host);
  }

  /**
   * Whether a Content-Type is JSON.
   *
   * @param contentType the header, or null
   * @return true for {@code application/json}, with or without parameters
   */
  static boolean isJson(@Nullable String contentType) {
    return contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("application/json");
  }

  /**
   * The token of an {@code Authorization: Bearer} header.
   *
   * @param authorization the header, or null
   * @return the token, or null when there is none
   */
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

  /**
   * Reads a request body of at most {@link #MAX_BODY} bytes.
   *
   * @param in the body
   * @return its bytes, or null when it is larger
   * @throws IOException when the client went away
   */
  static byte @Nullable [] readBody(InputStream in) throws IOException {
    byte[] body = in.readNBytes(MAX_BODY + 1);
    return body.length > MAX_BODY ? null : body;
  }

  /**
   * A random 256-bit token, URL-safe Base64 without padding (43 characters).
   *
   * @return the token
   */
  static String generateToken() {
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
}
