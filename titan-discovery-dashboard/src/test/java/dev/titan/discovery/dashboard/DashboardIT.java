package dev.titan.discovery.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.titan.discovery.Discovery;
import dev.titan.discovery.DiscoveryOptions;
import dev.titan.discovery.DiscoveryService;
import dev.titan.discovery.NodeStatus;
import dev.titan.discovery.ServiceInfo;
import dev.titan.discovery.internal.Keys;
import dev.titan.discovery.internal.registry.RegistryWriter;
import dev.titan.discovery.testkit.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The dashboard as an operator uses it: a real headless Chromium against a real redis-server
 * (free port) with real discovery nodes. Nothing is reloaded between the steps of a test: every
 * change has to arrive through the event stream.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardIT {

  static final String TOKEN = "it-token-0123456789abcdef";
  static final Duration UI = Duration.ofSeconds(15);

  static RedisServer redis;
  static DiscoveryService ops;
  static DashboardServer dashboard;
  static Browser browser;
  static RedisClient lettuce;
  static StatefulRedisConnection<String, String> conn;
  static final List<DiscoveryService> nodes = new ArrayList<>();
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void setUp() {
    redis = RedisServer.start();
    lettuce = RedisClient.create(redis.uri());
    conn = lettuce.connect();
    ops = Discovery.builder()
        .redisUri(redis.uri())
        .options(DiscoveryOptions.builder().pubSubEnabled(true).clientMode(true).build())
        .build();
    ops.start().join();
    dashboard = DashboardServer.builder(ops).port(0).token(TOKEN).build().start();
    browser = new Browser();
  }

  @AfterAll
  static void tearDown() {
    if (browser != null) {
      browser.close();
    }
    if (dashboard != null) {
      dashboard.close();
    }
    nodes.forEach(DiscoveryService::close);
    if (ops != null) {
      ops.close();
    }
    if (conn != null) {
      conn.close();
      lettuce.shutdown();
    }
    if (redis != null) {
      redis.close();
    }
  }

  static DiscoveryService node(String id, String service, String version, Map<String, String> metadata) {
    DiscoveryService d = Discovery.builder()
        .redisUri(redis.uri())
        .options(DiscoveryOptions.builder().pubSubEnabled(true).build())
        .nodeId(id)
        .address("10.1.0." + (nodes.size() + 1) + ":8080")
        .services(List.of(ServiceInfo.of(service, version)))
        .metadata(metadata)
        .build();
    d.start().join();
    nodes.add(d);
    return d;
  }

  static void open() {
    browser.driver.get(dashboard.url());
    browser.waiting(UI).until(d -> "true".equals(browser.js("return document.documentElement.dataset.ready || ''")));
    browser.js("window.__noReload = 'still-here'");
  }

  static void assertNotReloaded() {
    assertThat(browser.js("return window.__noReload")).as("the page was not reloaded").isEqualTo("still-here");
  }

  static void selectService(String name) {
    browser.waiting(UI).until(d -> (Boolean) browser.js(
        "const li = [...document.querySelectorAll('#services li')].find(e => e.dataset.service === arguments[0]);"
            + "if (li) { li.click(); return true; } return false;", name));
  }

  static By row(String nodeId) {
    return By.cssSelector("#rows .row[data-node-id=\"" + nodeId.replace("\\", "\\\\").replace("\"", "\\\"") + "\"]");
  }

  static String rowText(String nodeId, String cell) {
    return browser.driver.findElement(row(nodeId)).findElement(By.cssSelector(".c-" + cell)).getText();
  }

  static void awaitCell(String nodeId, String cell, String text) {
    browser.waiting(UI).until(d -> {
      List<WebElement> r = d.findElements(row(nodeId));
      return !r.isEmpty() && r.get(0).findElement(By.cssSelector(".c-" + cell)).getText().equals(text);
    });
  }

  @Test
  @Order(1)
  void aNodeJoinsChangesAndLeavesWithoutAReload() {
    node("orders-1", "orders", "1.4.2", Map.of("zone", "eu-west-1a", "weight", "3", "build", "4711"));
    open();
    selectService("orders");
    awaitCell("orders-1", "status", "UP");
    assertThat(rowText("orders-1", "zone")).isEqualTo("eu-west-1a");
    assertThat(rowText("orders-1", "weight")).isEqualTo("3");
    assertThat(rowText("orders-1", "ver")).isEqualTo("1.4.2");
    assertThat(rowText("orders-1", "meta")).isEqualTo("build=4711");
    assertThat(rowText("orders-1", "age")).matches("\\d+s");

    DiscoveryService second = node("orders-2", "orders", "1.5.0", Map.of("zone", "eu-west-1b"));
    awaitCell("orders-2", "status", "UP");
    assertThat(browser.driver.findElement(By.cssSelector("#services li[data-service=orders] .count.UP")).getText())
        .isEqualTo("2");

    second.setStatus(NodeStatus.OUT_OF_SERVICE).join();
    awaitCell("orders-2", "status", "OUT_OF_SERVICE");
    browser.waiting(UI).until(ExpectedConditions.textToBe(
        By.cssSelector("#services li[data-service=orders] .count.OUT_OF_SERVICE"), "1"));

    second.close();
    nodes.remove(second);
    browser.waiting(UI).until(ExpectedConditions.numberOfElementsToBe(row("orders-2"), 0));
    browser.waiting(UI).until(ExpectedConditions.textToBe(By.id("total-nodes"), "1"));
    assertThat(browser.driver.findElement(By.id("log")).getText()).contains("left", "orders-2");
    assertNotReloaded();
  }

  @Test
  @Order(2)
  void theSearchBoxFiltersServices() {
    node("payments-1", "payments", "2.0.0", Map.of());
    node("users-1", "users", "3.1.0", Map.of());
    browser.waiting(UI).until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#services li"), 3));

    WebElement search = browser.driver.findElement(By.id("search"));
    search.sendKeys("PAY");
    browser.waiting(UI).until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#services li"), 1));
    assertThat(browser.driver.findElement(By.cssSelector("#services li")).getAttribute("data-service"))
        .isEqualTo("payments");

    search.clear();
    search.sendKeys("x-no-such-service");
    browser.waiting(UI).until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#services li"), 0));

    browser.js("const s = document.getElementById('search'); s.value = ''; s.dispatchEvent(new Event('input'));");
    browser.waiting(UI).until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#services li"), 3));
    assertNotReloaded();
  }

  @Test
  @Order(3)
  void anOperatorDrainsANodeWithAReasonAndTheToken() throws Exception {
    selectService("orders");
    awaitCell("orders-1", "status", "UP");
    browser.driver.findElement(row("orders-1")).findElement(By.cssSelector("button[data-action=DRAINING]")).click();

    WebElement dialog = browser.driver.findElement(By.id("confirm"));
    browser.waiting(UI).until(ExpectedConditions.visibilityOf(dialog));
    assertThat(browser.driver.findElement(By.id("confirm-text")).getText()).contains("orders-1");
    browser.driver.findElement(By.id("reason")).sendKeys("rolling deploy #42 <b>not bold</b>");
    // a wrong token first: refused, the dialog stays and says so
    browser.driver.findElement(By.id("token")).sendKeys("wrong-token-0123456789");
    browser.driver.findElement(By.id("confirm-ok")).click();
    browser.waiting(UI).until(ExpectedConditions.textToBe(By.id("confirm-error"), "The token was refused."));
    assertThat(conn.sync().hget("titan:discovery:nodes:orders-1", "status")).isNull();

    WebElement token = browser.driver.findElement(By.id("token"));
    token.clear();
    token.sendKeys(TOKEN);
    browser.driver.findElement(By.id("confirm-ok")).click();
    browser.waiting(UI).until(ExpectedConditions.invisibilityOf(dialog));

    await().atMost(UI).until(() -> "DRAINING".equals(conn.sync().hget("titan:discovery:nodes:orders-1", "status")));
    awaitCell("orders-1", "status", "DRAINING");
    browser.waiting(UI).until(ExpectedConditions.textToBePresentInElementLocated(
        By.cssSelector("#log li.OPERATOR"), "“rolling deploy #42 <b>not bold</b>”"));
    assertThat(browser.driver.findElement(By.cssSelector("#log li.OPERATOR")).getText())
        .contains("orders-1", "UP → DRAINING");
    assertThat(browser.driver.findElements(By.cssSelector("#log b"))).isEmpty();
    browser.screenshot(Path.of("target", "dashboard.png"));

    // the token is kept for the tab: the next action does not ask again
    browser.driver.findElement(row("orders-1")).findElement(By.cssSelector("button[data-action=UP]")).click();
    browser.waiting(UI).until(ExpectedConditions.visibilityOf(dialog));
    assertThat(browser.driver.findElement(By.id("token-box")).isDisplayed()).isFalse();
    browser.driver.findElement(By.id("confirm-ok")).click();
    assertThat(browser.driver.findElement(By.id("confirm-error")).getText()).contains("reason");
    browser.driver.findElement(By.id("reason")).sendKeys("deploy done");
    browser.driver.findElement(By.id("confirm-ok")).click();
    browser.waiting(UI).until(ExpectedConditions.invisibilityOf(dialog));
    await().atMost(UI).until(() -> "UP".equals(statusInRedis("orders-1")));
    awaitCell("orders-1", "status", "UP");
    assertNotReloaded();
  }

  static String statusInRedis(String id) {
    String s = conn.sync().hget("titan:discovery:nodes:" + id, "status");
    return s == null ? "UP" : s;
  }

  @Test
  @Order(4)
  void untrustedNamesAndMetadataAreShownAsText() {
    String evilId = "<img src=x onerror=alert(1)>";
    String evilService = "<script>alert(2)</script>";
    String evilMeta = "<img src=x onerror=\"document.title='pwned'\">";
    RegistryWriter writer = new RegistryWriter(conn.async(), new Keys("titan:discovery"), 600_000, "titan:discovery:events");
    writer.register(evilId, "<svg onload=alert(3)>:80", List.of(new ServiceInfo(evilService, "\"><script>alert(4)</script>")),
        NodeStatus.UP, false, Map.of("zone", "<b>zone</b>", "note", evilMeta)).join();

    selectService(evilService);
    awaitCell(evilId, "id", evilId);
    assertThat(rowText(evilId, "addr")).isEqualTo("<svg onload=alert(3)>:80");
    assertThat(rowText(evilId, "zone")).isEqualTo("<b>zone</b>");
    assertThat(rowText(evilId, "meta")).isEqualTo("note=" + evilMeta);
    assertThat(rowText(evilId, "ver")).isEqualTo("\"><script>alert(4)</script>");
    assertThat(browser.driver.findElement(By.id("service-title")).getText()).isEqualTo(evilService);

    assertThatThrownBy(() -> browser.driver.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);
    assertThat(browser.driver.findElements(By.cssSelector("img, svg, b"))).as("no injected element").isEmpty();
    assertThat(browser.js("return document.scripts.length")).isEqualTo(1L);
    assertThat(browser.driver.getTitle()).isEqualTo("Titan Discovery · registry");
    assertNotReloaded();
    writer.deregister(List.of(evilId)).join();
    browser.waiting(UI).until(ExpectedConditions.numberOfElementsToBe(row(evilId), 0));
  }

  @Test
  @Order(5)
  void actionsWithoutTheTokenAreRefused() throws Exception {
    String body = "{\"nodeId\":\"payments-1\",\"status\":\"DRAINING\",\"reason\":\"x\"}";
    assertThat(post(dashboard, body, null).statusCode()).isEqualTo(401);
    assertThat(post(dashboard, body, "Bearer not-the-token-at-all").statusCode()).isEqualTo(401);
    assertThat(post(dashboard, body, "Basic " + TOKEN).statusCode()).isEqualTo(401);
    assertThat(post(dashboard, body, "Bearer " + TOKEN.substring(0, TOKEN.length() - 1)).statusCode()).isEqualTo(401);
    HttpResponse<String> crossSite = http.send(HttpRequest.newBuilder(URI.create(dashboard.url() + "api/nodes/status"))
        .header("Content-Type", "application/json").header("Authorization", "Bearer " + TOKEN)
        .header("Origin", "http://evil.example").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(crossSite.statusCode()).isEqualTo(403);
    HttpResponse<String> form = http.send(HttpRequest.newBuilder(URI.create(dashboard.url() + "api/nodes/status"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("nodeId=payments-1&status=DRAINING&token=" + TOKEN)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(form.statusCode()).isEqualTo(415);
    assertThat(statusInRedis("payments-1")).isEqualTo("UP");

    assertThat(post(dashboard, "{\"nodeId\":\"nobody\",\"status\":\"DRAINING\"}", "Bearer " + TOKEN).statusCode())
        .isEqualTo(404);
    assertThat(post(dashboard, "{\"nodeId\":\"payments-1\",\"status\":\"GONE\"}", "Bearer " + TOKEN).statusCode())
        .isEqualTo(400);
    // the token as a member of the JSON body is accepted too
    assertThat(post(dashboard, "{\"nodeId\":\"payments-1\",\"status\":\"OUT_OF_SERVICE\",\"reason\":\"api\",\"token\":\""
        + TOKEN + "\"}", null).statusCode()).isEqualTo(200);
    assertThat(statusInRedis("payments-1")).isEqualTo("OUT_OF_SERVICE");

    try (DashboardServer readOnly = DashboardServer.builder(ops).port(0).token(TOKEN).readOnly(true).build().start()) {
      assertThat(post(readOnly, body, "Bearer " + TOKEN).statusCode()).isEqualTo(403);
      assertThat(statusInRedis("payments-1")).isEqualTo("OUT_OF_SERVICE");
    }

    HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(dashboard.url())).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(
        csp -> assertThat(csp).startsWith("default-src 'self'").contains("script-src 'self'", "frame-ancestors 'none'"));
    assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    assertThat(rawStatusLine(dashboard.port(), "evil.example:" + dashboard.port())).contains(" 421 ");
    assertThat(rawStatusLine(dashboard.port(), "127.0.0.1:" + dashboard.port())).contains(" 200 ");
  }

  @Test
  @Order(6)
  void aReadOnlyDashboardShowsNoActions() {
    try (DashboardServer readOnly = DashboardServer.builder(ops).port(0).readOnly(true).build().start()) {
      browser.driver.get(readOnly.url());
      browser.waiting(UI).until(d -> "true".equals(browser.js("return document.documentElement.dataset.ready || ''")));
      selectService("payments");
      browser.waiting(UI).until(ExpectedConditions.presenceOfElementLocated(row("payments-1")));
      List<WebElement> buttons = browser.driver.findElements(By.cssSelector("#rows button"));
      assertThat(buttons).isNotEmpty().noneMatch(WebElement::isDisplayed);
      assertThat(readOnly.token()).hasSizeGreaterThanOrEqualTo(40);
      assertThat(readOnly.token()).isNotEqualTo(dashboard.token());
    }
  }

  @Test
  @Order(7)
  void columnHeadsAgesAndAddressesFitTheirColumns() {
    // at the test's 1280 px wide viewport: WEIGHT, an age of "1m 25s" and an address of 14
    // characters used to end in an ellipsis
    open();
    selectService("payments");
    browser.waiting(UI).until(ExpectedConditions.presenceOfElementLocated(row("payments-1")));
    assertThat(browser.js("return [...document.querySelectorAll('.row.head > span')]"
        + ".filter(s => s.scrollWidth > s.clientWidth).map(s => s.textContent)")).asList().isEmpty();
    for (String longest : List.of("59m 59s", "47h 59m")) { // the widest texts age() writes
      assertThat(fits("payments-1", "age", longest)).as("an age of %s fits", longest).isTrue();
    }
    // and the address column did not pay for it (it was 80 px and cut "10.0.10.7:8080"), nor did
    // the widest status badge
    assertThat(fits("payments-1", "addr", "10.0.10.7:8080")).as("the address fits").isTrue();
    assertThat(browser.js("const c = document.querySelector('#rows .row[data-node-id=\"payments-1\"] .c-status');"
        + "const old = c.innerHTML; c.innerHTML = '<span class=\"badge OUT_OF_SERVICE\">OUT_OF_SERVICE</span>';"
        + "const fits = c.scrollWidth <= c.clientWidth; c.innerHTML = old; return fits;")).isEqualTo(true);
  }

  @Test
  @Order(8)
  void aNarrowWindowKeepsTheEventLogAndTheActionsInReach() {
    // half of a 1920 px screen: the list used to push the event log off the right edge
    try {
      browser.viewport(960, 800);
      open();
      assertThat(browser.js("return window.innerWidth")).isEqualTo(960L);
      selectService("payments");
      browser.waiting(UI).until(ExpectedConditions.presenceOfElementLocated(row("payments-1")));
      assertThat(browser.js("return document.getElementById('log-pane').getBoundingClientRect().right <= window.innerWidth"))
          .as("the event log is on the screen").isEqualTo(true);
      // the list scrolls sideways, heads and rows together, to the actions
      assertThat(browser.js("const p = document.getElementById('instances-pane'); p.scrollLeft = p.scrollWidth;"
          + "const pane = p.getBoundingClientRect();"
          + "const act = document.querySelector('#rows .row[data-node-id=\"payments-1\"] .c-act').getBoundingClientRect();"
          + "const head = document.querySelector('.row.head .c-act').getBoundingClientRect();"
          + "return act.right <= pane.right + 1 && act.left >= pane.left && Math.abs(head.left - act.left) <= 1;"))
          .as("the actions are reachable, under their head").isEqualTo(true);
    } finally {
      browser.viewport(1280, 800);
    }
  }

  /** Whether {@code text} fits in the row's cell without being cut (the cell's text is put back). */
  static boolean fits(String nodeId, String cell, String text) {
    return Boolean.TRUE.equals(browser.js("const c = document.querySelector('#rows .row[data-node-id=\"' + arguments[0]"
        + " + '\"] .c-' + arguments[1]); const old = c.textContent; c.textContent = arguments[2];"
        + "const fits = c.scrollWidth <= c.clientWidth; c.textContent = old; return fits;", nodeId, cell, text));
  }

  static HttpResponse<String> post(DashboardServer server, String body, String authorization) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + "api/nodes/status"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A request with a chosen Host header (the JDK's client does not let one set it). */
  static String rawStatusLine(int port, String host) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      OutputStream out = s.getOutputStream();
      out.write(("GET /api/snapshot HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
      return in.lines().limit(1).collect(Collectors.joining());
    }
  }
}
