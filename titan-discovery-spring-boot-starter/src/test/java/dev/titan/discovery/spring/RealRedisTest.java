package dev.titan.discovery.spring;

import dev.titan.discovery.testkit.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * Base of starter tests on one real redis-server per class (a free port): the server, a raw
 * Lettuce connection to inspect Redis, and what a test opened, closed after it in reverse order.
 */
abstract class RealRedisTest {

  static RedisServer redis;
  static RedisClient raw;
  static StatefulRedisConnection<String, String> rawConnection;
  final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeAll
  static void startRedis() {
    redis = RedisServer.start();
    raw = RedisClient.create(redis.uri());
    rawConnection = raw.connect();
  }

  @AfterAll
  static void stopRedis() {
    if (rawConnection != null) {
      rawConnection.close();
      raw.shutdown();
    }
    if (redis != null) {
      redis.close();
    }
  }

  @AfterEach
  void closeAll() throws Exception {
    Collections.reverse(closeables);
    for (AutoCloseable c : closeables) {
      c.close();
    }
    closeables.clear();
  }
}
