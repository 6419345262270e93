package dev.titan.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.titan.discovery.internal.Keys;
import dev.titan.discovery.internal.registry.RegistryReader;
import dev.titan.discovery.internal.registry.RegistryWriter;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Removing (or registering again) a node whose services are unknown costs O(its own entries),
 * however many service names the registry knows; the stale service-index entries it leaves are
 * removed by the next lookup of that service that meets them. No discovery service runs here, so
 * every SREM counted is the scripts' under test.
 */
class BoundedRemovalTest extends RedisTestBase {

  private static final int OTHER_NAMES = 2_000;

  private RegistryWriter writer() {
    return new RegistryWriter(t.async(), new Keys(t.prefix), 60_000, t.channel);
  }

  /** 2,000 other service names, each with an index set of one member. */
  private void manyOtherServices() {
    t.redis().eval("for i = 1, tonumber(ARGV[2]) do "
            + "redis.call('SADD', KEYS[1], 'name-' .. i); redis.call('SADD', ARGV[1] .. 'name-' .. i, 'other-' .. i) end",
        io.lettuce.core.ScriptOutputType.STATUS, new String[] {t.prefix + ":index:names"},
        t.prefix + ":index:services:", Integer.toString(OTHER_NAMES));
    assertThat(t.redis().scard(t.prefix + ":index:names")).isGreaterThanOrEqualTo(OTHER_NAMES);
  }

  /** Calls of SREM so far (scripts' calls included). */
  private long sremCalls() {
    for (String line : t.redis().info("commandstats").split("\r?\n")) {
      if (line.startsWith("cmdstat_srem:")) {
        for (String part : line.substring(line.indexOf(':') + 1).split(",")) {
          if (part.startsWith("calls=")) {
            return Long.parseLong(part.substring(6));
          }
        }
      }
    }
    return 0;
  }

  /** Its hash and its departing entry deleted by hand: nothing says what it offered. */
  private void forgetServices(String id) {
    t.redis().del(t.prefix + ":nodes:" + id);
    t.redis().hdel(t.prefix + ":index:departing", id);
  }

  @ParameterizedTest(name = "native reads {0}")
  @ValueSource(booleans = {true, false})
  void theSweepRemovesANodeOfUnknownServicesWithoutScanningEveryNameAndTheLookupCleansUp(boolean nativeReads) {
    RegistryWriter w = writer();
    w.register("victim", "10.0.0.1:80", List.of(ServiceInfo.of("svc-v"))).join();
    w.register("keeper", "10.0.0.2:80", List.of(ServiceInfo.of("svc-k"))).join();
    manyOtherServices();
    forgetServices("victim");
    t.redis().del(t.prefix + ":heartbeat:victim");
    t.redis().zadd(t.prefix + ":index:deadlines", 1, "victim"); // due now

    long before = sremCalls();
    assertThat(w.sweep("sweeper-under-test", 2_000).join()).containsExactly("victim");
    long srems = sremCalls() - before;
    assertThat(srems).as("SREM calls of one removal").isLessThan(10);
    assertThat(t.redis().sismember(t.prefix + ":index:nodes", "victim")).isFalse();
    assertThat(t.redis().zscore(t.prefix + ":index:deadlines", "victim")).isNull();

    // the stale entry is still there; the first lookup of that service meets it and removes it
    String svcIndex = t.prefix + ":index:services:svc-v";
    RegistryReader reader = new RegistryReader(t.async(), new Keys(t.prefix), w, nativeReads);
    assertThat(reader.byService("svc-v", null).join()).isEmpty();
    assertThat(t.redis().exists(svcIndex)).isZero();
    assertThat(t.redis().sismember(t.prefix + ":index:names", "svc-v")).isFalse();
    assertThat(t.redis().scard(t.prefix + ":index:names")).isEqualTo(OTHER_NAMES + 1); // svc-k and the others stay
    assertThat(reader.byService("svc-k", null).join()).extracting(NodeInfo::nodeId).containsExactly("keeper");
  }

  @ParameterizedTest(name = "native reads {0}")
  @ValueSource(booleans = {true, false})
  void aNodeRegisteredAgainWithUnknownOldServicesDoesNotScanEveryName(boolean nativeReads) {
    RegistryWriter w = writer();
    w.register("back", "10.0.0.1:80", List.of(ServiceInfo.of("old-svc"))).join();
    manyOtherServices();
    forgetServices("back");

    long before = sremCalls();
    w.register("back", "10.0.0.1:80", List.of(ServiceInfo.of("new-svc"))).join();
    assertThat(sremCalls() - before).as("SREM calls of one registration").isLessThan(10);

    RegistryReader reader = new RegistryReader(t.async(), new Keys(t.prefix), w, nativeReads);
    assertThat(reader.byService("new-svc", null).join()).extracting(NodeInfo::nodeId).containsExactly("back");
    assertThat(reader.byService("old-svc", null).join()).isEmpty(); // its stale entry does not make it an offer

    // once it is gone, the stale entry goes with the next lookup of that service
    w.deregister(List.of("back")).join();
    assertThat(reader.byService("old-svc", null).join()).isEmpty();
    assertThat(t.redis().exists(t.prefix + ":index:services:old-svc")).isZero();
    assertThat(t.redis().exists(t.prefix + ":index:services:new-svc")).isZero();
  }
}
