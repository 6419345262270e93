package dev.titan.discovery;

/**
 * A discovery operation failed: Redis could not be reached, or a registry write failed after all
 * its attempts. The message says what failed and names the Redis address, never credentials.
 */
public class DiscoveryException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed
   * @param cause the underlying error
   */
  public DiscoveryException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * Creates the exception.
   *
   * @param message what failed
   */
  public DiscoveryException(String message) {
    super(message);
  }
}
