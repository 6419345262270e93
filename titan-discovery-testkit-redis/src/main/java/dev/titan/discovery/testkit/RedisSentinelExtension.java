package dev.titan.discovery.testkit;

/**
 * JUnit extension that starts one {@link RedisSentinelSetup} (a master, a replica and three
 * sentinels, all on free ports) per test class and stops it after the class. Tests receive it as
 * a {@link RedisSentinelSetup} parameter; {@link RedisSentinelSetup#uri()} is the {@code
 * redis-sentinel://} URI to connect with, {@link RedisSentinelSetup#killMaster()} starts a
 * failover.
 */
public final class RedisSentinelExtension extends ClassScopedExtension<RedisSentinelSetup> {

  /** Creates the extension; JUnit calls this. */
  public RedisSentinelExtension() {
    super(RedisSentinelSetup.class, RedisSentinelSetup::start);
  }
}
