package dev.titan.discovery.internal;

import java.util.List;
import java.util.Objects;

/** Argument checks shared by the public API. Every message names the argument and the value. */
public final class Validation {

  /** Longest node id accepted. */
  public static final int MAX_NODE_ID_LENGTH = 256;
  /** Longest service name or version accepted. */
  public static final int MAX_SERVICE_TEXT_LENGTH = 256;

  private Validation() {}

  /**
   * A node id becomes part of Redis keys, so it is limited to letters, digits and {@code . _ - :
   * @}: no whitespace, no glob characters, no braces (which would change a key's cluster slot).
   *
   * @param nodeId the id
   * @return the id
   */
  public static String nodeId(String nodeId) {
    Objects.requireNonNull(nodeId, "nodeId");
    if (nodeId.isEmpty() || nodeId.length() > MAX_NODE_ID_LENGTH) {
      throw new IllegalArgumentException(
          "nodeId must have 1 to " + MAX_NODE_ID_LENGTH + " characters, was '" + shorten(nodeId) + "'");
    }
    for (int i = 0; i < nodeId.length(); i++) {
      char c = nodeId.charAt(i);
      boolean ok = Character.isLetterOrDigit(c) || c == '.' || c == '_' || c == '-' || c == ':' || c == '@';
      if (!ok) {
        throw new IllegalArgumentException(
            "nodeId may only contain letters, digits and . _ - : @, was '"
                + shorten(nodeId)
                + "' (bad character "
                + describe(c)
                + " at index "
                + i
                + ")");
      }
    }
    return nodeId;
  }

  /**
   * An address is {@code host:port}: a host name, an IPv4 address or a bracketed IPv6 address,
   * and a port from 1 to 65535.
   *
   * @param address the address
   * @return the address
   */
  public static String address(String address) {
    Objects.requireNonNull(address, "address");
    int colon = address.lastIndexOf(':');
    if (colon <= 0 || colon == address.length() - 1) {
      throw badAddress(address, "expected host:port");
    }
    String host = address.substring(0, colon);
    String port = address.substring(colon + 1);
    int p;
    try {
      p = Integer.parseInt(port);
    } catch (NumberFormatException e) {
      throw badAddress(address, "port '" + port + "' is not a number");
    }
    if (p < 1 || p > 65535 || !port.equals(Integer.toString(p))) {
      throw badAddress(address, "port must be 1 to 65535");
    }
    if (host.startsWith("[")) {
      if (!host.endsWith("]") || host.length() < 4) {
        throw badAddress(address, "IPv6 host must be written [addr]");
      }
      String v6 = host.substring(1, host.length() - 1);
      int zone = v6.indexOf('%');
      if (zone >= 0) { // scope id such as %eth0
        String scope = v6.substring(zone + 1);
        if (scope.isEmpty() || !scope.chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c) || c == '.' || c == '-' || c == '_'))) {
          throw badAddress(address, "bad IPv6 scope '" + scope + "'");
        }
        v6 = v6.substring(0, zone);
      }
      for (int i = 0; i < v6.length(); i++) {
        char c = v6.charAt(i);
        boolean ok = Character.digit(c, 16) >= 0 || c == ':' || c == '.';
        if (!ok) {
          throw badAddress(address, "bad character " + describe(c) + " in IPv6 host");
        }
      }
      if (v6.indexOf(':') < 0) {
        throw badAddress(address, "IPv6 host has no ':'");
      }
      return address;
    }
    if (host.indexOf(':') >= 0) {
      throw badAddress(address, "an IPv6 host must be in brackets, as [::1]:80");
    }
    if (host.length() > 253) {
      throw badAddress(address, "host longer than 253 characters");
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      boolean ok = (c < 128 && Character.isLetterOrDigit(c)) || c == '.' || c == '-' || c == '_';
      if (!ok) {
        throw badAddress(address, "bad character " + describe(c) + " in host");
      }
    }
    return address;
  }

  /**
   * A service name: not blank, at most 256 characters, no control characters. Quotes,
   * backslashes and non-ASCII characters are fine.
   *
   * @param name the name
   * @return the name
   */
  public static String serviceName(String name) {
    Objects.requireNonNull(name, "service name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("service name must not be blank, was '" + name + "'");
    }
    return text("service name", name);
  }

  /**
   * A service version: at most 256 characters, no control characters.
   *
   * @param version the version
   * @return the version
   */
  public static String serviceVersion(String version) {
    return text("service version", version);
  }

  /**
   * A service about to be written: a valid name and version (see {@link #serviceName} and {@link
   * #serviceVersion}).
   *
   * @param service the service
   * @return the service
   */
  public static dev.titan.discovery.ServiceInfo service(dev.titan.discovery.ServiceInfo service) {
    Objects.requireNonNull(service, "service");
    serviceName(service.name());
    if (service.version() != null) {
      serviceVersion(service.version());
    }
    return service;
  }

  /**
   * A list of services about to be written: no nulls, each one valid ({@link #service}).
   *
   * @param services the services
   * @return an unmodifiable copy
   */
  public static List<dev.titan.discovery.ServiceInfo> services(
      List<dev.titan.discovery.ServiceInfo> services) {
    Objects.requireNonNull(services, "services");
    for (int i = 0; i < services.size(); i++) {
      if (services.get(i) == null) {
        throw new IllegalArgumentException("services must not contain null, found one at index " + i);
      }
      service(services.get(i));
    }
    return List.copyOf(services);
  }

  /** Most metadata entries per node. */
  public static final int MAX_METADATA_ENTRIES = 32;
  /** Longest metadata key. */
  public static final int MAX_METADATA_KEY_LENGTH = 64;
  /** Longest metadata value. */
  public static final int MAX_METADATA_VALUE_LENGTH = 512;
  /** Largest weight. */
  public static final int MAX_WEIGHT = 1_000_000;

  /**
   * Node metadata: at most {@link #MAX_METADATA_ENTRIES} entries, each passing {@link
   * #metadataEntry}.
   *
   * @param metadata the metadata
   * @return an unmodifiable copy in key order
   */
  public static java.util.Map<String, String> metadata(java.util.Map<String, String> metadata) {
    Objects.requireNonNull(metadata, "metadata");
    if (metadata.size() > MAX_METADATA_ENTRIES) {
      throw new IllegalArgumentException(
          "metadata must have at most " + MAX_METADATA_ENTRIES + " entries, had " + metadata.size());
    }
    java.util.TreeMap<String, String> copy = new java.util.TreeMap<>();
    for (java.util.Map.Entry<String, String> e : metadata.entrySet()) {
      metadataEntry(e.getKey(), e.getValue());
      copy.put(e.getKey(), e.getValue());
    }
    return java.util.Collections.unmodifiableMap(copy);
  }

  /**
   * One metadata entry: the key 1 to {@link #MAX_METADATA_KEY_LENGTH} letters, digits and {@code
   * . _ - / :}; the value at most {@link #MAX_METADATA_VALUE_LENGTH} characters without control
   * characters; {@code weight} a whole number from 1 to {@link #MAX_WEIGHT}; {@code zone} not
   * blank.
   *
   * @param key the key
   * @param value the value
   */
  public static void metadataEntry(String key, String value) {
    Objects.requireNonNull(key, "metadata key");
    Objects.requireNonNull(value, () -> "metadata value of '" + key + "'");
    if (key.isEmpty() || key.length() > MAX_METADATA_KEY_LENGTH) {
      throw new IllegalArgumentException("metadata key must have 1 to " + MAX_METADATA_KEY_LENGTH
          + " characters, was '" + shorten(key) + "'");
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (!(c < 128 && (Character.isLetterOrDigit(c) || c == '.' || c == '_' || c == '-' || c == '/' || c == ':'))) {
        throw new IllegalArgumentException("metadata key may hold letters, digits and . _ - / : only, was '"
            + shorten(key) + "' (" + describe(c) + " at index " + i + ")");
      }
    }
    if (value.length() > MAX_METADATA_VALUE_LENGTH) {
      throw new IllegalArgumentException("metadata value of '" + key + "' must have at most "
          + MAX_METADATA_VALUE_LENGTH + " characters, was '" + shorten(value) + "'");
    }
    text("metadata value of '" + key + "'", value);
    if (key.equals("weight")) {
      int w;
      try {
        w = Integer.parseInt(value);
      } catch (NumberFormatException e) {
        w = 0;
      }
      if (w < 1 || w > MAX_WEIGHT || !value.equals(Integer.toString(w))) {
        throw new IllegalArgumentException(
            "metadata 'weight' must be a whole number from 1 to " + MAX_WEIGHT + ", was '" + shorten(value) + "'");
      }
    }
    if (key.equals("zone") && value.isBlank()) {
      throw new IllegalArgumentException("metadata 'zone' must not be blank, was '" + value + "'");
    }
  }

  private static String text(String what, String value) {
    if (value.length() > MAX_SERVICE_TEXT_LENGTH) {
      throw new IllegalArgumentException(
          what + " must have at most " + MAX_SERVICE_TEXT_LENGTH + " characters, was '" + shorten(value) + "'");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isISOControl(c)) {
        throw new IllegalArgumentException(
            what + " must not contain control characters, was '" + shorten(value) + "' (" + describe(c) + " at index " + i + ")");
      }
    }
    return value;
  }

  private static IllegalArgumentException badAddress(String address, String why) {
    return new IllegalArgumentException("address must be host:port, was '" + shorten(address) + "': " + why);
  }

  private static String describe(char c) {
    if (Character.isISOControl(c) || Character.isWhitespace(c)) {
      return String.format("U+%04X", (int) c);
    }
    return "'" + c + "'";
  }

  /** Keeps error messages readable and free of control characters. */
  private static String shorten(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && i < 80; i++) {
      char c = s.charAt(i);
      b.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : c);
    }
    if (s.length() > 80) {
      b.append("...(").append(s.length()).append(" chars)");
    }
    return b.toString();
  }
}
