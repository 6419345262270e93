package dev.titan.discovery;

import dev.titan.discovery.testkit.RedisServer;
import dev.titan.discovery.testkit.RedisServerExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Base of tests that share one redis-server per class: each test gets a fresh {@link TestRedis}
 * (its own key prefix and channel) in {@link #t}, closed after the test.
 */
@ExtendWith(RedisServerExtension.class)
abstract class RedisTestBase {

  /** This test's helper: prefix, channel, services, raw Redis access. */
  protected TestRedis t;

  @BeforeEach
  void openTestRedis(RedisServer server) {
    t = new TestRedis(server);
  }

  @AfterEach
  void closeTestRedis() {
    t.close();
  }
}
