package dev.titan.discovery.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.titan.discovery.testkit.RedisServer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * LoneBeat on a real redis-server, tiny (100 nodes, no idle gap, 4 samples): each call's commands
 * are attributed to it, a script's inner commands under it, and the renewals split by whether
 * they moved the deadline. No timing is asserted.
 */
class LoneBeatTest {

  @Test
  void everyCallIsAttributedWithItsCommands() throws Exception {
    try (RedisServer server = RedisServer.start()) {
      String md = LoneBeat.run(server.uri(), List.of(100), List.of(0), 4);

      assertThat(md).contains("## N = 100, Redis idle 0 ms before each call");
      // every kind with its 4 samples, and the renewals split 2 / 2 (the deadline moves every other beat)
      assertThat(md).containsPattern("\\| renew \\| 4 \\|")
          .containsPattern("\\| renew, deadline moved \\| 2 \\|")
          .containsPattern("\\| renew, deadline not moved \\| 2 \\|")
          .containsPattern("\\| reference \\| 4 \\|")
          .containsPattern("\\| keep-alive \\| 4 \\|")
          .containsPattern("\\| check \\| 4 \\|");
      // what each call sent: our renewal's script and what it ran inside, the reference's script and publish
      assertThat(md).containsPattern("\\| · EVALSHA \\| 4 \\|")
          .containsPattern("\\| · · inside: EXPIRE \\| 4 \\|")
          .containsPattern("\\| · · inside: ZADD \\| 2 \\|")
          .containsPattern("\\| · EVAL \\| 4 \\|")
          .containsPattern("\\| · PUBLISH \\| 4 \\|")
          .containsPattern("\\| · · inside: HMSET \\| 4 \\|")
          .containsPattern("\\| · ZRANGE \\| 4 \\|")
          .doesNotContain("SLOWLOG", "CONFIG");
    }
  }
}
