package dev.titan.discovery.testkit;

/**
 * JUnit extension that starts one {@link RedisClusterSetup} (three masters on free ports, every
 * slot assigned) per test class and stops it after the class. Tests receive it as a {@link
 * RedisClusterSetup} parameter; {@link RedisClusterSetup#uris()} are the seed URIs.
 */
public final class RedisClusterExtension extends ClassScopedExtension<RedisClusterSetup> {

  /** Creates the extension; JUnit calls this. */
  public RedisClusterExtension() {
    super(RedisClusterSetup.class, RedisClusterSetup::start);
  }
}
