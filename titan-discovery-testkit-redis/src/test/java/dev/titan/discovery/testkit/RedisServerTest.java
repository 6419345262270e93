package dev.titan.discovery.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RedisServerTest {

  @Test
  void startsKillsAndRestartsOnTheSamePort() {
    try (RedisServer server = RedisServer.start()) {
      assertThat(server.command("SET", "k", "v")).startsWith("+OK");
      server.restart();
      assertThat(server.isRunning()).isTrue();
      assertThat(server.command("EXISTS", "k")).startsWith(":0"); // restarted empty
      server.kill();
      assertThat(server.isRunning()).isFalse();
    }
  }

  @Test
  void theBinaryShippedInTheEmbeddedRedisJarWorks() {
    // what a machine without redis-server on the PATH gets
    try (RedisServer server = RedisServer.start(RedisServer.embeddedBinary(), RedisServer.freePort(), List.of())) {
      assertThat(server.command("PING")).startsWith("+PONG");
      assertThat(server.command("EVAL", "return redis.call('TIME')[1] ~= nil and 1 or 0", "0")).startsWith(":1");
    }
  }
}
