package dev.titan.discovery.testkit;

/**
 * JUnit extension that starts one {@link RedisServer} per test class on a free port and stops it
 * after the class. Test methods, constructors and lifecycle methods receive it as a {@link
 * RedisServer} parameter.
 *
 * <pre>{@code
 * @ExtendWith(RedisServerExtension.class)
 * class MyTest {
 *   @Test void works(RedisServer redis) { ... redis.uri() ... }
 * }
 * }</pre>
 */
public final class RedisServerExtension extends ClassScopedExtension<RedisServer> {

  /** Creates the extension; JUnit calls this. */
  public RedisServerExtension() {
    super(RedisServer.class, RedisServer::start);
  }
}
