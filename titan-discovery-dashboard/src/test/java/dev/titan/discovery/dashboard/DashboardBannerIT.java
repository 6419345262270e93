package dev.titan.discovery.dashboard;

import dev.titan.discovery.Discovery;
import dev.titan.discovery.DiscoveryOptions;
import dev.titan.discovery.DiscoveryService;
import dev.titan.discovery.ServiceInfo;
import dev.titan.discovery.testkit.RedisServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;

/** The banner tells the operator when Redis is unreachable, and goes once it is back. */
class DashboardBannerIT {

  @Test
  void aBannerShowsWhileRedisIsUnreachable() {
    try (RedisServer redis = RedisServer.start();
        DiscoveryService ops = Discovery.builder().redisUri(redis.uri())
            .options(DiscoveryOptions.builder().pubSubEnabled(true).clientMode(true).build()).build();
        DiscoveryService node = Discovery.builder().redisUri(redis.uri())
            .options(DiscoveryOptions.builder().pubSubEnabled(true).build())
            .nodeId("billing-1").address("10.2.0.1:8080").services(List.of(ServiceInfo.of("billing", "1.0.0"))).build()) {
      ops.start().join();
      node.start().join();
      try (DashboardServer dashboard = DashboardServer.builder(ops).port(0).build().start();
          Browser browser = new Browser()) {
        browser.driver.get(dashboard.url());
        browser.waiting(Duration.ofSeconds(15)).until(ExpectedConditions.textToBe(By.id("total-nodes"), "1"));
        browser.waiting(Duration.ofSeconds(15)).until(ExpectedConditions.invisibilityOfElementLocated(By.id("banner")));

        redis.kill();
        browser.waiting(Duration.ofSeconds(30)).until(ExpectedConditions.textToBePresentInElementLocated(
            By.id("banner"), "Redis is unreachable"));
        // the last known state stays on screen
        browser.waiting(Duration.ofSeconds(5)).until(ExpectedConditions.textToBe(By.id("total-nodes"), "1"));

        redis.restart();
        browser.waiting(Duration.ofSeconds(60)).until(ExpectedConditions.invisibilityOfElementLocated(By.id("banner")));
        browser.waiting(Duration.ofSeconds(30)).until(ExpectedConditions.textToBe(By.id("total-nodes"), "1"));
        browser.waiting(Duration.ofSeconds(5)).until(ExpectedConditions.textToBe(By.id("live"), "live"));
      }
    }
  }
}
