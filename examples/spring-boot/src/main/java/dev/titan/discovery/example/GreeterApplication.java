package dev.titan.discovery.example;

import dev.titan.discovery.DiscoveryService;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The "greeter" service. Nothing Titan-specific is needed: with the starter on the class path it
 * registers itself as {@code spring.application.name} at {@code host:server.port}.
 */
@Configuration(proxyBeanMethods = false)
@EnableAutoConfiguration
@Import(GreeterApplication.GreetingController.class)
public class GreeterApplication {

  /** Answers greetings, naming the instance that answered. */
  @RestController
  static class GreetingController {
    private final DiscoveryService discovery;

    GreetingController(DiscoveryService discovery) {
      this.discovery = discovery;
    }

    @GetMapping("/hello")
    String hello(@RequestParam(name = "name", defaultValue = "world") String name) {
      return "Hello, " + name + "! (from greeter " + discovery.getNodeId() + ")";
    }
  }
}
