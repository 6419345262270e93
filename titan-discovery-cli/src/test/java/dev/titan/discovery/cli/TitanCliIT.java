package dev.titan.discovery.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.titan.discovery.Discovery;
import dev.titan.discovery.DiscoveryOptions;
import dev.titan.discovery.DiscoveryService;
import dev.titan.discovery.NodeStatus;
import dev.titan.discovery.ServiceInfo;
import dev.titan.discovery.testkit.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Runs the built jar against a real redis-server with Java and TypeScript-written nodes. */
class TitanCliIT {

  private static final String P = "titan:discovery";
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static RedisServer server;
  private static RedisClient client;
  private static StatefulRedisConnection<String, String> connection;
  private static RedisCommands<String, String> redis;
  private final List<DiscoveryService> nodes = new ArrayList<>();

  @BeforeAll
  static void startRedis() {
    server = RedisServer.start();
    client = RedisClient.create(server.uri());
    connection = client.connect();
    redis = connection.sync();
  }

  @AfterAll
  static void stopRedis() {
    connection.close();
    client.shutdown();
    server.close();
  }

  @BeforeEach
  void empty() {
    redis.flushall();
  }

  @AfterEach
  void stopNodes() {
    nodes.forEach(DiscoveryService::close);
  }

  private DiscoveryService javaNode(String id, String address, Map<String, String> metadata, ServiceInfo... services) {
    DiscoveryService d = Discovery.builder()
        .redisUri(server.uri())
        .nodeId(id)
        .address(address)
        .services(List.of(services))
        .metadata(metadata)
        .options(DiscoveryOptions.builder().pubSubEnabled(true)
            .heartbeatInterval(Duration.ofSeconds(30)).heartbeatTtl(Duration.ofSeconds(60)).build())
        .build();
    nodes.add(d);
    d.start().join();
    return d;
  }

  /** The TypeScript implementation's exact keys: hash, heartbeat, index:nodes; none of ours. */
  private static void typeScriptNode(String id, String address, String servicesJson) {
    String ts = Long.toString(System.currentTimeMillis());
    redis.hset(P + ":nodes:" + id, Map.of("address", address, "services", servicesJson, "timestamp", ts));
    redis.expire(P + ":nodes:" + id, 60);
    redis.set(P + ":heartbeat:" + id, ts, io.lettuce.core.SetArgs.Builder.px(60_000));
    redis.sadd(P + ":index:nodes", id);
  }

  private static Titan.Result titan(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--redis");
    all.add(server.uri());
    return Titan.run(all.toArray(new String[0]));
  }

  private static JsonNode json(Titan.Result r) {
    assertThat(r.exit()).as(r.toString()).isZero();
    return JSON.readTree(r.out());
  }

  private static List<String> ids(JsonNode nodesDoc) {
    List<String> ids = new ArrayList<>();
    nodesDoc.get("nodes").forEach(n -> ids.add(n.get("id").stringValue()));
    return ids;
  }

  private void threeJavaNodesAndOneTypeScript() {
    javaNode("n1", "10.0.0.1:8080", Map.of("zone", "eu-1", "tier", "gold"), ServiceInfo.of("orders", "2.1.0"));
    javaNode("n2", "10.0.0.2:8080", Map.of("zone", "us-1"), ServiceInfo.of("orders", "1.4.0"));
    javaNode("n3", "10.0.0.3:8080", Map.of(), ServiceInfo.of("users", "1.0.0"));
    typeScriptNode("ts1", "10.0.0.9:3000", "[{\"name\":\"orders\",\"version\":\"2.2.0\"}]");
  }

  @Test
  void nodesListsJavaAndTypeScriptNodesWithFilters() throws Exception {
    threeJavaNodesAndOneTypeScript();

    Titan.Result table = titan("nodes");
    assertThat(table.exit()).as(table.toString()).isZero();
    List<String> lines = table.out().lines().toList();
    assertThat(lines.get(0)).startsWith("ID").contains("ADDRESS", "SERVICES", "STATUS", "ZONE", "HEARTBEAT", "TTL", "WRITER");
    assertThat(lines).hasSize(5);
    assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("n1 ").contains("10.0.0.1:8080", "orders@2.1.0", "UP", "eu-1", "Java"));
    assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("ts1").contains("orders@2.2.0", "TypeScript"));
    assertThat(table.out()).doesNotContain("\u001b[");

    JsonNode all = json(titan("nodes", "-o", "json"));
    assertThat(ids(all)).containsExactly("n1", "n2", "n3", "ts1");
    JsonNode n1 = all.get("nodes").get(0);
    assertThat(n1.get("writer").stringValue()).isEqualTo("Java");
    assertThat(n1.get("status").stringValue()).isEqualTo("UP");
    assertThat(n1.get("zone").stringValue()).isEqualTo("eu-1");
    assertThat(n1.get("ttlMs").asLong()).isPositive();
    assertThat(n1.get("services").get(0).get("name").stringValue()).isEqualTo("orders");
    assertThat(all.get("nodes").get(3).get("writer").stringValue()).isEqualTo("TypeScript");

    assertThat(ids(json(titan("nodes", "--service", "orders", "--version", "^2", "-o", "json")))).containsExactly("n1", "ts1");
    assertThat(ids(json(titan("nodes", "--service", "orders", "-o", "json")))).containsExactly("n1", "n2", "ts1");
    assertThat(ids(json(titan("nodes", "--zone", "eu-1", "-o", "json")))).containsExactly("n1");
    assertThat(ids(json(titan("nodes", "--meta", "tier=gold", "--service", "orders", "-o", "json")))).containsExactly("n1");

    nodes.get(1).setStatus(NodeStatus.DRAINING).join();
    assertThat(ids(json(titan("nodes", "--status", "DRAINING", "-o", "json")))).containsExactly("n2");
  }

  @Test
  void servicesMarksServicesWithoutAnUpInstance() throws Exception {
    threeJavaNodesAndOneTypeScript();
    nodes.get(2).setStatus(NodeStatus.OUT_OF_SERVICE).join();

    Titan.Result table = titan("services");
    assertThat(table.exit()).as(table.toString()).isZero();
    assertThat(table.out().lines()).anySatisfy(l -> assertThat(l).startsWith("!").contains("users", "1.0.0"));
    assertThat(table.out().lines()).anySatisfy(l -> assertThat(l).doesNotStartWith("!").contains("orders", "1.4.0,2.1.0,2.2.0"));
    assertThat(table.err()).contains("1 with no UP instance");

    JsonNode doc = json(titan("services", "-o", "json"));
    JsonNode orders = doc.get("services").get(0);
    assertThat(orders.get("name").stringValue()).isEqualTo("orders");
    assertThat(orders.get("instances").asInt()).isEqualTo(3);
    assertThat(orders.get("up").asInt()).isEqualTo(3);
    assertThat(orders.get("noUpInstance").asBoolean()).isFalse();
    JsonNode users = doc.get("services").get(1);
    assertThat(users.get("outOfService").asInt()).isEqualTo(1);
    assertThat(users.get("noUpInstance").asBoolean()).isTrue();
  }

  @Test
  void nodeShowsEverythingStoredAndUnknownExits3() throws Exception {
    threeJavaNodesAndOneTypeScript();

    JsonNode n1 = json(titan("node", "n1", "-o", "json"));
    assertThat(n1.get("writer").stringValue()).isEqualTo("Java");
    assertThat(n1.get("hash").get("fields").get("address").stringValue()).isEqualTo("10.0.0.1:8080");
    assertThat(n1.get("hash").get("ttlMs").asLong()).isPositive();
    assertThat(n1.get("heartbeat").get("ttlMs").asLong()).isPositive();
    assertThat(n1.get("index").get("nodes").asBoolean()).isTrue();
    assertThat(n1.get("index").get("deadline").isNull()).isFalse();
    assertThat(n1.get("index").get("services").toString()).contains("orders");
    assertThat(n1.get("index").get("foreign").asBoolean()).isFalse();

    Titan.Result ts = titan("node", "ts1");
    assertThat(ts.exit()).as(ts.toString()).isZero();
    assertThat(ts.out()).contains("written by TypeScript", "address = 10.0.0.9:3000", "index:nodes       yes");

    Titan.Result unknown = titan("node", "nope");
    assertThat(unknown.exit()).isEqualTo(3);
    assertThat(unknown.errLines()).hasSize(1);
    assertThat(unknown.err()).contains("'nope' is unknown");
  }

  @Test
  void watchPrintsEventsAndSaysWhenSomeWereMissed() throws Exception {
    redis.set(P + ":index:version", "100");
    String event = "{\"type\":\"NODE_REGISTERED\",\"nodeId\":\"w1\",\"address\":\"10.0.0.5:80\","
        + "\"services\":[{\"name\":\"orders\",\"version\":\"2.0.0\"}],\"timestamp\":1700000000000}";
    try (Titan.Running watch = Titan.start("watch", "--count", "1", "--redis", server.uri())) {
      watch.awaitErr("watching titan:discovery:events");
      redis.publish("titan:discovery:events:seq", "105 w1"); // 101..104 never came
      redis.publish("titan:discovery:events", event);
      assertThat(watch.awaitExit()).isZero();
      assertThat(watch.out).anySatisfy(l -> assertThat(l).contains("missed 4 change(s); resyncing"));
      assertThat(watch.out).anySatisfy(l -> assertThat(l).contains("NODE_REGISTERED", "w1", "10.0.0.5:80", "orders@2.0.0", "v105"));
    }

    redis.set(P + ":index:version", "200");
    try (Titan.Running watch = Titan.start("watch", "--count", "2", "-o", "json", "--redis", server.uri())) {
      watch.awaitErr("watching");
      redis.publish("titan:discovery:events:seq", "203 w1");
      redis.publish("titan:discovery:events", event);
      redis.publish("titan:discovery:events", event.replace("NODE_REGISTERED", "NODE_UPDATED")); // TypeScript: no version
      assertThat(watch.awaitExit()).isZero();
      List<JsonNode> lines = new ArrayList<>();
      synchronized (watch.out) {
        watch.out.forEach(l -> lines.add(JSON.readTree(l)));
      }
      assertThat(lines).hasSize(3);
      assertThat(lines.get(0).get("kind").stringValue()).isEqualTo("gap");
      assertThat(lines.get(0).get("missed").asLong()).isEqualTo(2);
      assertThat(lines.get(1).get("kind").stringValue()).isEqualTo("event");
      assertThat(lines.get(1).get("version").asLong()).isEqualTo(203);
      assertThat(lines.get(1).get("publisher").stringValue()).isEqualTo("Java");
      assertThat(lines.get(2).get("type").stringValue()).isEqualTo("NODE_UPDATED");
      assertThat(lines.get(2).get("version").isNull()).isTrue();
      assertThat(lines.get(2).get("publisher").stringValue()).isEqualTo("TypeScript");
    }
  }

  @Test
  void watchSeesRealEventsOfJavaNodes() throws Exception {
    try (Titan.Running watch = Titan.start("watch", "--count", "1", "-o", "json", "--redis", server.uri())) {
      watch.awaitErr("watching");
      javaNode("live1", "10.0.0.7:80", Map.of(), ServiceInfo.of("orders", "3.0.0"));
      assertThat(watch.awaitExit()).isZero();
      JsonNode e = JSON.readTree(watch.out.get(0));
      assertThat(e.get("type").stringValue()).isEqualTo("NODE_REGISTERED");
      assertThat(e.get("nodeId").stringValue()).isEqualTo("live1");
      assertThat(e.get("publisher").stringValue()).isEqualTo("Java");
    }
  }

  @Test
  void operatorActionsNeedYesWithoutATerminal() throws Exception {
    DiscoveryService n1 = javaNode("n1", "10.0.0.1:8080", Map.of(), ServiceInfo.of("orders", "2.1.0"));
    typeScriptNode("ts1", "10.0.0.9:3000", "[{\"name\":\"orders\",\"version\":\"2.2.0\"}]");
    typeScriptNode("ts2", "10.0.0.8:3000", "[]");

    Titan.Result refused = titan("status", "n1", "OUT_OF_SERVICE");
    assertThat(refused.exit()).isEqualTo(2);
    assertThat(refused.errLines()).hasSize(1);
    assertThat(refused.err()).contains("pass --yes");
    assertThat(redis.hget(P + ":nodes:n1", "status")).isNull();

    Titan.Result status = titan("status", "n1", "out_of_service", "--yes");
    assertThat(status.exit()).as(status.toString()).isZero();
    assertThat(status.out()).contains("n1: UP -> OUT_OF_SERVICE");
    assertThat(redis.hget(P + ":nodes:n1", "status")).isEqualTo("OUT_OF_SERVICE");
    await().atMost(Duration.ofSeconds(10)).until(() -> n1.getStatus() == NodeStatus.OUT_OF_SERVICE);

    JsonNode drain = json(titan("drain", "n1", "--yes", "-o", "json"));
    assertThat(drain.get("previousStatus").stringValue()).isEqualTo("OUT_OF_SERVICE");
    assertThat(drain.get("status").stringValue()).isEqualTo("DRAINING");
    assertThat(drain.get("deregistered").asBoolean()).isFalse();
    await().atMost(Duration.ofSeconds(10)).until(() -> n1.getStatus() == NodeStatus.DRAINING);

    assertThat(titan("drain", "ts1", "--grace", "200ms").exit()).isEqualTo(2);
    Titan.Result graced = titan("drain", "ts1", "--grace", "200ms", "--yes");
    assertThat(graced.exit()).as(graced.toString()).isZero();
    assertThat(graced.out()).contains("ts1: UP -> DRAINING", "ts1: deregistered");
    assertThat(redis.exists(P + ":nodes:ts1", P + ":heartbeat:ts1")).isZero();
    assertThat(redis.sismember(P + ":index:nodes", "ts1")).isFalse();

    assertThat(titan("deregister", "ts2").exit()).isEqualTo(2);
    assertThat(redis.exists(P + ":nodes:ts2")).isOne();
    JsonNode dereg = json(titan("deregister", "ts2", "-y", "-o", "json"));
    assertThat(dereg.get("deregistered").asBoolean()).isTrue();
    assertThat(redis.exists(P + ":nodes:ts2", P + ":heartbeat:ts2")).isZero();

    assertThat(titan("deregister", "nope", "--yes").exit()).isEqualTo(3);
    assertThat(titan("status", "nope", "UP", "--yes").exit()).isEqualTo(3);
    assertThat(titan("drain", "nope", "--yes").exit()).isEqualTo(3);
    assertThat(titan("status", "n1", "SLEEPING", "--yes").exit()).isEqualTo(2);
  }

  @Test
  void doctorFindsAndFixesInconsistenciesButNeverDeletesALiveNode() throws Exception {
    javaNode("n1", "10.0.0.1:8080", Map.of(), ServiceInfo.of("orders", "2.1.0"));
    redis.persist(P + ":nodes:n1"); // a live node whose hash lost its TTL
    redis.hset(P + ":nodes:dead1", Map.of("address", "10.0.0.66:80", "services", "[]", "timestamp", "1")); // no TTL, no heartbeat
    redis.sadd(P + ":index:services:orders", "ghost"); // an index entry without a node

    Titan.Result found = titan("doctor");
    assertThat(found.exit()).as(found.toString()).isEqualTo(1);
    assertThat(found.out()).contains("FAIL  keyspace", "2 node hash(es) without TTL", "(dead1, n1)",
        "1 service index entr(ies) without a node (orders)", "titan doctor --fix");
    assertThat(found.out()).contains("OK    redis", "OK    acl", "OK    clock", "sweeper");

    Titan.Result jsonRun = titan("doctor", "-o", "json");
    assertThat(jsonRun.exit()).as(jsonRun.toString()).isEqualTo(1);
    JsonNode doc = JSON.readTree(jsonRun.out());
    assertThat(doc.get("ok").asBoolean()).isFalse();
    assertThat(doc.get("checks").toString()).contains("\"name\":\"keyspace\",\"status\":\"FAIL\"");

    Titan.Result refused = titan("doctor", "--fix");
    assertThat(refused.exit()).isEqualTo(2);
    assertThat(refused.err()).contains("pass --yes");
    assertThat(redis.exists(P + ":nodes:dead1")).isOne();

    Titan.Result fixed = titan("doctor", "--fix", "--yes");
    assertThat(fixed.exit()).as(fixed.toString()).isZero();
    assertThat(fixed.out()).contains("fixed: deregister dead node dead1", "fixed: set a TTL", "after --fix:", "OK    keyspace");
    assertThat(redis.exists(P + ":nodes:dead1")).isZero();
    assertThat(redis.sismember(P + ":index:services:orders", "ghost")).isFalse();
    assertThat(redis.exists(P + ":nodes:n1", P + ":heartbeat:n1")).isEqualTo(2);
    assertThat(redis.ttl(P + ":nodes:n1")).isPositive();
    assertThat(nodes.get(0).isNodeActive("n1").join()).isTrue();

    assertThat(titan("doctor").exit()).isZero();
  }

  @Test
  void doctorAsTheLibrarysLeastPrivilegeUserSaysWhatItCannotTell() throws Exception {
    javaNode("n1", "10.0.0.1:8080", Map.of(), ServiceInfo.of("orders", "2.1.0"));
    // the rule of docs/production.md (ACL section): the library's commands, no SCAN, INFO, PING
    server.command("ACL", "SETUSER", "lib", "on", ">pw", "resetkeys", "~" + P + ":*", "resetchannels",
        "&" + P + ":events", "&" + P + ":events:seq", "-@all", "+evalsha", "+eval", "+hmget", "+exists", "+subscribe",
        "+unsubscribe", "+time", "+type", "+get", "+set", "+del", "+incr", "+pttl", "+expire", "+hset", "+hget", "+hdel",
        "+hexists", "+sadd", "+srem", "+smembers", "+scard", "+sismember", "+zadd", "+zrem", "+zscore", "+zcard",
        "+zcount", "+zrangebyscore", "+zrange", "+pexpire", "+mget", "+sscan", "+publish");
    String as = "redis://lib:pw@127.0.0.1:" + server.port();

    Titan.Result doctor = Titan.run("doctor", "--redis", as);
    assertThat(doctor.exit()).as(doctor.toString()).isZero();
    assertThat(doctor.out()).contains("OK    clock", "WARN  keyspace    cannot tell: NOPERM", "'scan'",
        "WARN  server      cannot tell: NOPERM", "'info'", "as a user that may also run SCAN, INFO and MEMORY");
    assertThat(doctor.out() + doctor.err()).doesNotContain("Exception", "\tat ");

    Titan.Result fix = Titan.run("doctor", "--fix", "--yes", "--redis", as);
    assertThat(fix.exit()).isEqualTo(1);
    assertThat(fix.err()).contains("cannot --fix", "'scan'").doesNotContain("\tat ");

    Titan.Result nodes = Titan.run("nodes", "--redis", as, "-o", "json");
    assertThat(nodes.exit()).as(nodes.toString()).isZero();
    assertThat(nodes.out()).contains("\"n1\"");
  }

  @Test
  void unreachableRedisIsOneLineWithoutStackTrace() throws Exception {
    int port = RedisServer.freePort();
    Titan.Result r = Titan.run("nodes", "--redis", "redis://127.0.0.1:" + port, "--timeout", "2s");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err()).contains("cannot reach Redis at redis://127.0.0.1:" + port, "--redis");
    assertThat(r.err()).doesNotContain("Exception", "\tat ");

    Titan.Result verbose = Titan.run("nodes", "--redis", "redis://127.0.0.1:" + port, "--verbose");
    assertThat(verbose.exit()).isEqualTo(1);
    assertThat(verbose.err()).contains("\tat ");
  }

  @Test
  void wrongPasswordIsOneLineThatSaysSo() throws Exception {
    try (RedisServer secured = RedisServer.start(List.of("--requirepass", "secret"))) {
      String where = "redis://127.0.0.1:" + secured.port();
      Titan.Result wrong = Titan.run("services", "--redis", "redis://:wrong@127.0.0.1:" + secured.port());
      assertThat(wrong.exit()).isEqualTo(1);
      assertThat(wrong.errLines()).hasSize(1);
      assertThat(wrong.err()).contains("authentication to Redis", "failed", "password").doesNotContain("wrong@", "\tat ");

      Titan.Result none = Titan.run("services", "--redis", where);
      assertThat(none.exit()).isEqualTo(1);
      assertThat(none.errLines()).hasSize(1);
      assertThat(none.err()).contains("authentication to Redis");

      Titan.Result right = Titan.run("services", "--redis", "redis://:secret@127.0.0.1:" + secured.port(), "-o", "json");
      assertThat(right.exit()).as(right.toString()).isZero();
    }
  }

  @Test
  void badInputIsAUsageErrorWithOneLine() throws Exception {
    Titan.Result range = titan("nodes", "--service", "orders", "--version", ">>>1");
    assertThat(range.exit()).isEqualTo(2);
    assertThat(range.errLines()).hasSize(1);
    assertThat(range.err()).contains("bad --version range '>>>1'", "npm range syntax");

    Titan.Result noService = titan("nodes", "--version", "^1");
    assertThat(noService.exit()).isEqualTo(2);
    assertThat(noService.err()).contains("--version needs --service");

    Titan.Result option = titan("nodes", "--bogus");
    assertThat(option.exit()).isEqualTo(2);
    assertThat(option.errLines()).hasSize(1);
    assertThat(option.err()).contains("--bogus", "titan nodes --help");

    Titan.Result timeout = titan("nodes", "--timeout", "soon");
    assertThat(timeout.exit()).isEqualTo(2);
    assertThat(timeout.err()).contains("not a duration");
  }

  @Test
  void everyCommandHasHelp() throws Exception {
    Titan.Result top = Titan.run("--help");
    assertThat(top.exit()).isZero();
    assertThat(top.out()).contains("nodes", "services", "node", "watch", "drain", "status", "deregister", "doctor", "dashboard", "Exit codes");
    for (String c : List.of("nodes", "services", "node", "watch", "drain", "status", "deregister", "doctor", "dashboard")) {
      Titan.Result r = Titan.run(c, "--help");
      assertThat(r.exit()).as(c).isZero();
      assertThat(r.out()).as(c).contains("Usage: titan " + c, "--redis", "--help");
    }
    assertThat(Titan.run("drain", "--help").out()).contains("keeps the DRAINING status");
  }

  @Test
  void dashboardServesTheLivePageAndRefusesActionsWithoutTheToken() throws Exception {
    javaNode("dash-1", "10.0.0.1:80", Map.of("zone", "eu-1"), ServiceInfo.of("orders", "2.0.0"));
    try (Titan.Running dash = Titan.start("dashboard", "--port", "0", "--redis", server.uri())) {
      String line = dash.awaitOut("Dashboard at ");
      String url = line.substring(line.indexOf("http"));
      String token = dash.awaitOut("Token for actions: ").substring("Token for actions: ".length()).trim();
      java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
      var page = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body()).contains("<html");
      var snapshot = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "api/snapshot")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(snapshot.statusCode()).isEqualTo(200);
      assertThat(snapshot.body()).contains("dash-1");
      String body = "{\"nodeId\":\"dash-1\",\"status\":\"DRAINING\",\"reason\":\"test\"}";
      var refused = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "api/nodes/status"))
              .header("Content-Type", "application/json").POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(refused.statusCode()).isEqualTo(401);
      assertThat(redis.hget(P + ":nodes:dash-1", "status")).isNull();
      var done = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "api/nodes/status"))
              .header("Content-Type", "application/json").header("Authorization", "Bearer " + token)
              .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(done.statusCode()).isEqualTo(200);
      assertThat(redis.hget(P + ":nodes:dash-1", "status")).isEqualTo("DRAINING");
      dash.process.destroy(); // SIGTERM: the shutdown hook closes the server
      assertThat(dash.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
  }
}
