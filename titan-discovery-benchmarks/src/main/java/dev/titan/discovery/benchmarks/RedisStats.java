package dev.titan.discovery.benchmarks;

import io.lettuce.core.api.sync.RedisCommands;
import java.util.HashMap;
import java.util.Map;

/** Numbers from {@code INFO}: memory, network bytes and per-command CPU. */
final class RedisStats {

  private final RedisCommands<String, String> redis;

  RedisStats(RedisCommands<String, String> redis) {
    this.redis = redis;
  }

  long usedMemory() {
    // client query and output buffers are not registry data, and a loader's pipelined burst
    // leaves them large for a while: leave them out
    Map<String, String> memory = fields("memory");
    return Long.parseLong(memory.get("used_memory")) - Long.parseLong(memory.getOrDefault("mem_clients_normal", "0"));
  }

  /**
   * {@link #usedMemory()} once it stopped moving: three equal readings 200 ms apart (at most 10 s).
   * After a load, Redis still frees the old table of a keyspace dict it is rehashing and closed
   * clients' structures for a moment; a reading taken then counts them.
   *
   * @return bytes
   * @throws InterruptedException when interrupted
   */
  long settledUsedMemory() throws InterruptedException {
    long last = usedMemory();
    int same = 0;
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (same < 2 && System.nanoTime() < deadline) {
      Thread.sleep(200); // pacing of a measurement, not a test
      long now = usedMemory();
      same = now == last ? same + 1 : 0;
      last = now;
    }
    return last;
  }

  /**
   * CPU time the Redis process used so far (user + system, {@code INFO cpu}), in microseconds:
   * everything it did, reading and parsing requests and writing replies and published messages
   * included, which {@code commandstats} leaves out.
   */
  double cpuMicros() {
    Map<String, String> cpu = fields("cpu");
    return (Double.parseDouble(cpu.get("used_cpu_user")) + Double.parseDouble(cpu.get("used_cpu_sys"))) * 1e6;
  }

  long netInputBytes() {
    return Long.parseLong(fields("stats").get("total_net_input_bytes"));
  }

  long netOutputBytes() {
    return Long.parseLong(fields("stats").get("total_net_output_bytes"));
  }

  /**
   * One command's statistics since the last reset.
   *
   * @param command e.g. {@code evalsha}
   * @return {calls, usec}
   */
  long[] commandStats(String command) {
    String line = fields("commandstats").get("cmdstat_" + command);
    if (line == null) {
      return new long[] {0, 0};
    }
    long calls = 0;
    long usec = 0;
    for (String part : line.split(",")) {
      String[] kv = part.split("=");
      if (kv[0].equals("calls")) {
        calls = Long.parseLong(kv[1]);
      } else if (kv[0].equals("usec")) {
        usec = Long.parseLong(kv[1]);
      }
    }
    return new long[] {calls, usec};
  }

  void resetStats() {
    redis.configResetstat();
  }

  private Map<String, String> fields(String section) {
    Map<String, String> out = new HashMap<>();
    for (String line : redis.info(section).split("\r?\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && !line.startsWith("#")) {
        out.put(line.substring(0, colon), line.substring(colon + 1).trim());
      }
    }
    return out;
  }
}
