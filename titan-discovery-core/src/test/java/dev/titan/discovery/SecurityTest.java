package dev.titan.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.titan.discovery.testkit.RedisServer;
import dev.titan.discovery.testkit.RedisTlsServer;
import io.lettuce.core.SslOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * TLS with a CA made by the test, a least-privilege ACL user, passwords kept out of logs and
 * exceptions, and node ids that could reach outside the prefix refused.
 */
@org.junit.jupiter.api.extension.ExtendWith(dev.titan.discovery.testkit.RedisServerExtension.class)
class SecurityTest {

  /**
   * The ACL rule documented in docs/production.md, for prefix {@code PREFIX} and channel {@code
   * CHANNEL}: only the keys under the prefix, only the events channel, only the commands the
   * library sends (EVALSHA/EVAL, HMGET and EXISTS for lookups, SUBSCRIBE/UNSUBSCRIBE) and those its
   * Lua scripts call (scripts run with the caller's permissions). Each one is needed: dropping any
   * of them makes a run of the scenario below fail or leaves denials in ACL LOG.
   */
  static List<String> aclRule(String password, String prefix, String channel) {
    return List.of("on", ">" + password, "resetkeys", "~" + prefix + ":*", "resetchannels", "&" + channel, "&" + channel + ":seq",
        "-@all",
        "+evalsha", "+eval", "+hmget", "+exists", "+subscribe", "+unsubscribe",
        "+time", "+type", "+get", "+set", "+del", "+incr", "+pttl", "+expire",
        "+hset", "+hget", "+hdel", "+hexists",
        "+sadd", "+srem", "+smembers", "+scard", "+sismember",
        "+zadd", "+zrem", "+zscore", "+zcard", "+zcount", "+zrangebyscore", "+zrange", "+pexpire", "+mget", "+sscan",
        "+publish");
  }

  // ------------------------------------------------------------------ TLS

  @Test
  void tlsWithATestCaWorksAndAnUntrustedServerIsRefused() {
    String missing = RedisTlsServer.unavailableReason();
    Assumptions.assumeTrue(missing == null, () -> "TLS test skipped: " + missing);
    try (RedisTlsServer tls = RedisTlsServer.start(); TestRedis t = new TestRedis(tls.server())) {
      SslOptions trust = SslOptions.builder().jdkSslProvider().trustManager(tls.caCertificate().toFile()).build();
      DiscoveryService a = t.started(Discovery.builder().redisUri(tls.tlsUri()).sslOptions(trust)
          .options(t.fastOptions().build()).nodeId("tls-a").address("10.0.0.1:1").services(List.of(ServiceInfo.of("svc"))));
      DiscoveryService watcher = t.started(Discovery.builder().redisUri(tls.tlsUri()).sslOptions(trust)
          .options(t.fastOptions().clientMode(true).build()));
      EventLog log = new EventLog();
      watcher.onEvent(log);
      a.updateAddress("10.0.0.1:2").join();
      await().atMost(Duration.ofSeconds(5)).until(() -> log.has(DiscoveryEvent.Type.NODE_UPDATED, "tls-a"));
      assertThat(watcher.findNodesByService("svc").join()).extracting(NodeInfo::nodeId).containsExactly("tls-a");
      assertThat(t.redis().hget(t.prefix + ":nodes:tls-a", "address")).isEqualTo("10.0.0.1:2");
      // the connections really are TLS: the server counts them on its TLS port
      assertThat(tls.server().command("CLIENT", "LIST")).contains("laddr=127.0.0.1:" + tls.tlsPort());

      // without the CA the certificate is not trusted: start fails, naming the address
      DiscoveryService untrusting = Discovery.builder().redisUri(tls.tlsUri())
          .options(t.fastOptions().connectTimeout(Duration.ofSeconds(2)).build()).nodeId("tls-b").address("10.0.0.1:3").build();
      t.track(untrusting);
      assertThatThrownBy(() -> untrusting.start().join())
          .isInstanceOf(CompletionException.class)
          .hasMessageContaining("rediss://localhost:" + tls.tlsPort());
    }
  }

  // ------------------------------------------------------------------ ACL

  @Test
  void aLeastPrivilegeAclUserCanDoEverything() {
    try (RedisServer server = RedisServer.start(); TestRedis t = new TestRedis(server)) {
      String password = "acl-Pa55word-" + System.nanoTime();
      List<String> args = new ArrayList<>(List.of("ACL", "SETUSER", "titan"));
      args.addAll(aclRule(password, t.prefix, t.channel));
      assertThat(server.command(args.toArray(new String[0]))).startsWith("+OK");
      server.command("ACL", "LOG", "RESET");
      String uri = "redis://titan:" + password + "@127.0.0.1:" + server.port();

      DiscoveryService a = t.started(Discovery.builder().redisUri(uri).options(t.fastOptions().build())
          .nodeId("acl-a").address("10.0.0.1:1").services(List.of(ServiceInfo.of("users", "1"))));
      DiscoveryService b = t.started(Discovery.builder().redisUri(uri).options(t.fastOptions().build())
          .nodeId("acl-b").address("10.0.0.2:1").services(List.of(ServiceInfo.of("orders"))));
      EventLog log = new EventLog();
      b.onEvent(log);
      // every public operation once
      a.updateAddress("10.0.0.1:2").join();
      a.registerService(ServiceInfo.of("extra")).join();
      a.unregisterService("extra").join();
      b.updateNodeServices("acl-a", List.of(ServiceInfo.of("users", "2"))).join();
      b.updateNodeAddress("acl-a", "10.0.0.1:3").join();
      b.updateNodeAddress("nobody", "10.0.0.1:3").join();
      assertThat(b.getActiveNodes().join()).hasSize(2);
      assertThat(b.getAllNodes().join()).hasSize(2);
      assertThat(b.findNodes().join()).hasSize(2);
      assertThat(b.findNodesByService("users").join()).hasSize(1);
      assertThat(b.findNodesByService("users", "2").join()).hasSize(1);
      assertThat(b.getNodeInfo("acl-a").join()).isPresent();
      assertThat(b.nodeExists("acl-a").join()).isTrue();
      assertThat(b.isNodeActive("acl-a").join()).isTrue();
      await().atMost(Duration.ofSeconds(5)).until(() -> log.has(DiscoveryEvent.Type.NODE_UPDATED, "acl-a"));
      // a TypeScript node that dies: adopted and removed by the sweeper
      t.writeTypeScriptNode("acl-ts", "10.0.0.9:1", "[{\"name\":\"users\",\"version\":\"9\"}]", 800);
      assertThat(b.findNodesByService("users").join()).extracting(NodeInfo::nodeId).contains("acl-ts"); // foreign-node path
      await().atMost(Duration.ofSeconds(4)).until(() -> log.has(DiscoveryEvent.Type.NODE_DEREGISTERED, "acl-ts"));
      // heartbeats after a script cache flush take the EVAL path
      server.command("SCRIPT", "FLUSH");
      long sent = a.status().heartbeatsSent();
      await().atMost(Duration.ofSeconds(3)).until(() -> a.status().heartbeatsSent() > sent + 2);
      b.deregisterNode("acl-a").join();
      a.stop().join();
      b.stop().join();
      String denied = server.command("ACL", "LOG");
      // Lettuce's own connection handshake (CLIENT SETINFO, CLIENT MAINT_NOTIFICATIONS) is sent on
      // every connect and ignored when refused: Redis 7.0 answers "unknown subcommand", Redis 6.2
      // (the embedded-redis binary) logs an ACL denial of "client". Lookups try SORT with GET
      // patterns once (refused by design under this rule: see docs/production.md) and then use the
      // query script. Everything else must be allowed.
      List<String> deniedObjects = new ArrayList<>();
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\$6\r\nobject\r\n\\$\\d+\r\n([^\r]*)\r\n").matcher(denied);
      while (m.find()) {
        deniedObjects.add(m.group(1));
      }
      assertThat(deniedObjects).as("ACL LOG after the run: %s", denied).allMatch(o -> o.equals("client") || o.equals("sort"));
      if (!denied.equals("*0\r\n")) {
        assertThat(deniedObjects).as("ACL LOG after the run: %s", denied).isNotEmpty();
      }
      assertThat(a.status().heartbeatsFailed()).isZero();

      // and the user can reach nothing else
      io.lettuce.core.RedisClient userClient = io.lettuce.core.RedisClient.create(uri);
      try (var user = userClient.connect()) {
        var cmd = user.sync();
        assertThat(cmd.exists(t.prefix + ":nodes:acl-b")).isNotNull(); // inside: allowed
        assertThatThrownBy(() -> cmd.get("other:key")).hasMessageContaining("NOPERM");
        assertThatThrownBy(() -> cmd.publish("other-channel", "x")).hasMessageContaining("NOPERM");
        assertThatThrownBy(() -> cmd.keys("*")).hasMessageContaining("NOPERM");
        assertThatThrownBy(cmd::flushall).hasMessageContaining("NOPERM");
        assertThatThrownBy(() -> cmd.eval("return redis.call('GET', 'other:key')", io.lettuce.core.ScriptOutputType.VALUE))
            .hasMessageContaining("access"); // a script cannot reach outside either
      } finally {
        userClient.shutdown(Duration.ZERO, Duration.ofSeconds(1));
      }
    }
  }

  // ------------------------------------------------------------------ secrets

  @Test
  void passwordsNeverAppearInLogsOrExceptions() {
    String secret = "Sup3r-Secret-" + System.nanoTime();
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(new TeeStream(original, captured), true, StandardCharsets.UTF_8));
    List<Throwable> errors = new ArrayList<>();
    try (RedisServer server = RedisServer.start(); TestRedis t = new TestRedis(server)) {
      t.redis().configSet("requirepass", secret); // the helper's connection stays authenticated
      // a wrong password
      DiscoveryService wrong = Discovery.builder().redisUri("redis://:" + secret + "-wrong@127.0.0.1:" + server.port())
          .options(t.fastOptions().connectTimeout(Duration.ofSeconds(1)).build()).nodeId("s1").address("10.0.0.1:1").build();
      t.track(wrong);
      errors.add(catching(() -> wrong.start().join()));
      // user and password in a URI that does not parse
      // (Lettuce's own message for the IPv6 one quotes the whole URI, password included)
      errors.add(catching(() -> Discovery.builder().redisUri("redis://user:" + secret + "@[::1").build()));
      errors.add(catching(() -> Discovery.builder().redisUri("redis://user:" + secret + "@host:99999").build()));
      errors.add(catching(() -> Discovery.builder().redisClusterUris(List.of("redis://user:" + secret + "@[::1"))
          .options(DiscoveryOptions.builder().redisPrefix("{t}:d").build()).build()));
      // nothing listens: the address is named, the password is not
      int closedPort = RedisServer.freePort();
      DiscoveryService nowhere = Discovery.builder().redisUri("redis://:" + secret + "@127.0.0.1:" + closedPort)
          .options(t.fastOptions().connectTimeout(Duration.ofSeconds(1)).build()).nodeId("s2").address("10.0.0.1:1").build();
      t.track(nowhere);
      Throwable refused = catching(() -> nowhere.start().join());
      assertThat(refused.getMessage()).contains("127.0.0.1:" + closedPort);
      errors.add(refused);
      // the right password, then the server dies: reconnect attempts and failed heartbeats are logged
      DiscoveryService ok = t.started(Discovery.builder().redisUri("redis://:" + secret + "@127.0.0.1:" + server.port())
          .options(t.fastOptions().build()).nodeId("s3").address("10.0.0.1:1"));
      server.kill();
      await().atMost(Duration.ofSeconds(5)).until(() -> ok.status().heartbeatsFailed() > 3);
      errors.add(catching(() -> ok.getActiveNodes().join()));
      ok.close();
    } finally {
      System.setErr(original);
    }
    String logs = captured.toString(StandardCharsets.UTF_8);
    assertThat(logs).as("captured log output").isNotBlank().doesNotContain(secret);
    for (int i = 0; i < errors.size(); i++) {
      Throwable e = errors.get(i);
      assertThat(e).as("error %d", i).isNotNull();
      java.io.StringWriter trace = new java.io.StringWriter();
      e.printStackTrace(new java.io.PrintWriter(trace));
      assertThat(trace.toString()).as("exception with its causes").doesNotContain(secret);
    }
  }

  private static Throwable catching(Runnable r) {
    try {
      r.run();
      return null;
    } catch (Throwable e) {
      return e;
    }
  }

  /** Writes to two streams. */
  private static final class TeeStream extends java.io.OutputStream {
    private final java.io.OutputStream a;
    private final java.io.OutputStream b;

    TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public synchronized void write(int x) throws java.io.IOException {
      a.write(x);
      b.write(x);
    }

    @Override
    public synchronized void write(byte[] buf, int off, int len) throws java.io.IOException {
      a.write(buf, off, len);
      b.write(buf, off, len);
    }
  }

  // ------------------------------------------------------------------ node ids

  @ParameterizedTest
  @ValueSource(strings = {"*", "a*", "node?", "[abc]", "{other}", "{titan}x", "a b", "a\nb", "a\rb", "a\u0000b",
      "../../etc", "a/b", "a\\b", "tab\there", "", "a\"b", "a'b", "x$y", "\u202Eevil", "a,b", "a;b"})
  void idsThatCouldReachOutsideThePrefixAreRefused(String id, RedisServer server) {
    assertThatThrownBy(() -> Discovery.builder().nodeId(id))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nodeId");
    try (TestRedis t = new TestRedis(server)) {
      DiscoveryService d = t.node("guard", "10.0.0.1:1");
      List<Runnable> calls = List.of(
          () -> d.registerNode(id, "10.0.0.1:1", List.of()),
          () -> d.deregisterNode(id),
          () -> d.updateNodeAddress(id, "10.0.0.1:2"),
          () -> d.updateNodeServices(id, List.of()),
          () -> d.getNodeInfo(id),
          () -> d.nodeExists(id),
          () -> d.isNodeActive(id));
      for (Runnable call : calls) {
        assertThatThrownBy(call::run).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nodeId");
      }
      assertThat(t.keys()).allMatch(k -> k.startsWith(t.prefix + ":"));
      assertThat(t.redis().keys("*")).noneMatch(k -> k.contains(id.isEmpty() ? "\u0000" : id));
      assertThat(d.getNodeId()).isEqualTo("guard");
    }
  }

  @Test
  void tooLongIdsAreRefusedAndTheLongestAllowedStaysInsideThePrefix() {
    String longest = "a".repeat(256);
    assertThat(Discovery.builder().nodeId(longest)).isNotNull();
    assertThatThrownBy(() -> Discovery.builder().nodeId(longest + "a"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nodeId").hasMessageContaining("257 chars");
  }
}
