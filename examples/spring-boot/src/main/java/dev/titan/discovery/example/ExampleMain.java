package dev.titan.discovery.example;

import dev.titan.discovery.testkit.RedisServer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.client.RestClient;

/**
 * Runs the example: two "greeter" instances and one "caller" on one Redis, then shows calls by
 * name being spread over both greeters and, after one greeter shuts down, going to the other.
 *
 * <p>Redis: {@code titan.discovery.redis-url} (system property) or {@code REDIS_URL}; without
 * either, an embedded redis-server is started on a free port. With the argument {@code --serve}
 * (or {@code -Dexample.serve=true}) the services keep running until Ctrl+C.
 */
public final class ExampleMain {

  private static final Logger LOG = LoggerFactory.getLogger(ExampleMain.class);

  private ExampleMain() {}

  /**
   * Runs the example.
   *
   * @param args {@code --serve} to keep the services running
   * @throws InterruptedException when interrupted while serving
   */
  public static void main(String[] args) throws InterruptedException {
    boolean serve = List.of(args).contains("--serve") || Boolean.getBoolean("example.serve");
    String redisUrl = System.getProperty("titan.discovery.redis-url", System.getenv("REDIS_URL"));
    RedisServer embedded = null;
    if (redisUrl == null || redisUrl.isBlank()) {
      embedded = RedisServer.start();
      redisUrl = embedded.uri();
      LOG.info("No titan.discovery.redis-url or REDIS_URL: started an embedded Redis at {}", redisUrl);
    }
    List<ConfigurableApplicationContext> apps = new ArrayList<>();
    try {
      ConfigurableApplicationContext greeter1 = start(GreeterApplication.class, "greeter", redisUrl);
      apps.add(greeter1);
      apps.add(start(GreeterApplication.class, "greeter", redisUrl));
      ConfigurableApplicationContext caller = start(CallerApplication.class, "caller", redisUrl);
      apps.add(caller);
      int callerPort = ((WebServerApplicationContext) caller).getWebServer().getPort();
      RestClient http = RestClient.create("http://127.0.0.1:" + callerPort);

      System.out.println();
      System.out.println("caller sees greeter instances: " + http.get().uri("/instances").retrieve().body(String.class));
      for (int i = 0; i < 4; i++) {
        System.out.println("GET /greet -> " + http.get().uri("/greet?name=call-" + i).retrieve().body(String.class));
      }
      System.out.println("stopping one greeter ...");
      greeter1.close();
      apps.remove(greeter1);
      waitForOneGreeter(http);
      for (int i = 4; i < 8; i++) {
        System.out.println("GET /greet -> " + http.get().uri("/greet?name=call-" + i).retrieve().body(String.class));
      }
      System.out.println();
      if (serve) {
        System.out.println("Serving: try  curl http://127.0.0.1:" + callerPort + "/greet?name=you  and  "
            + "curl http://127.0.0.1:" + callerPort + "/actuator/health ; Ctrl+C to stop");
        CountDownLatch forever = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(forever::countDown));
        forever.await();
      }
    } finally {
      for (ConfigurableApplicationContext app : apps) {
        app.close();
      }
      if (embedded != null) {
        embedded.close();
      }
    }
  }

  private static void waitForOneGreeter(RestClient http) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() < deadline) {
      String instances = http.get().uri("/instances").retrieve().body(String.class);
      if (instances != null && instances.split("titan-").length == 2) {
        System.out.println("caller sees greeter instances: " + instances);
        return;
      }
      Thread.sleep(50);
    }
  }

  private static ConfigurableApplicationContext start(Class<?> app, String name, String redisUrl) {
    return new SpringApplicationBuilder(app)
        .properties(
            "spring.application.name=" + name,
            "server.port=0",
            "titan.discovery.redis-url=" + redisUrl,
            "titan.discovery.host=127.0.0.1",
            "management.endpoints.web.exposure.include=health",
            "management.endpoint.health.show-details=always",
            "logging.include-application-name=false",
            "logging.level.root=WARN",
            "logging.level.dev.titan=INFO",
            "logging.level.org.springframework.cloud.loadbalancer.config=ERROR",
            "spring.main.log-startup-info=false",
            "spring.main.banner-mode=off")
        .run();
  }
}
