package dev.titan.discovery;

/**
 * A {@link ServiceSelector} has no instance to hand out: none of the service's instances matches
 * the query, none of them is {@link NodeStatus#UP}, or the selector has not loaded them yet. The
 * message names the service, the query and what was found.
 */
public class NoInstanceAvailableException extends DiscoveryException {

  private static final long serialVersionUID = 1L;

  private final String serviceName;
  private final transient ServiceQuery query;

  /**
   * Creates the exception.
   *
   * @param message what was found
   * @param query the selector's query
   */
  public NoInstanceAvailableException(String message, ServiceQuery query) {
    super(message);
    this.serviceName = query.serviceName();
    this.query = query;
  }

  /**
   * The service asked for.
   *
   * @return the service name
   */
  public String serviceName() {
    return serviceName;
  }

  /**
   * The selector's query.
   *
   * @return the query
   */
  public ServiceQuery query() {
    return query;
  }
}
