package dev.titan.discovery.spring;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of the opt-in registry dashboard ({@code titan.discovery.dashboard.*}); it needs the
 * {@code titan-discovery-dashboard} module on the class path and pub/sub on.
 */
@ConfigurationProperties(prefix = "titan.discovery.dashboard")
public class TitanDashboardProperties {

  /** Serve the live registry dashboard (off by default). */
  private boolean enabled;
  /** Address to bind to; keep it on loopback unless a proxy with authentication is in front. */
  private String bindAddress = "127.0.0.1";
  /** Port to serve on; 0 picks a free one (logged at start). */
  private int port = 8090;
  /** Show the registry only: no drain, out-of-service or UP actions. */
  private boolean readOnly;
  /** The token actions need (at least 16 characters); a random one is generated and logged when absent. */
  private @Nullable String token;

  /** Creates the properties with their defaults. */
  public TitanDashboardProperties() {}

  /**
   * Whether the dashboard is served.
   *
   * @return true when enabled
   */
  public boolean isEnabled() {
    return enabled;
  }

  /**
   * Turns the dashboard on or off.
   *
   * @param enabled true to serve it
   */
  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  /**
   * The bind address.
   *
   * @return the address
   */
  public String getBindAddress() {
    return bindAddress;
  }

  /**
   * Sets the bind address.
   *
   * @param bindAddress the address
   */
  public void setBindAddress(String bindAddress) {
    this.bindAddress = bindAddress;
  }

  /**
   * The port.
   *
   * @return the port, 0 for a free one
   */
  public int getPort() {
    return port;
  }

  /**
   * Sets the port.
   *
   * @param port the port, 0 for a free one
   */
  public void setPort(int port) {
    this.port = port;
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
   * Sets whether actions are refused.
   *
   * @param readOnly true for read-only
   */
  public void setReadOnly(boolean readOnly) {
    this.readOnly = readOnly;
  }

  /**
   * The token actions need.
   *
   * @return the token, or null for a generated one
   */
  public @Nullable String getToken() {
    return token;
  }

  /**
   * Sets the token actions need.
   *
   * @param token the token (at least 16 characters), or null for a generated one
   */
  public void setToken(@Nullable String token) {
    this.token = token;
  }
}
