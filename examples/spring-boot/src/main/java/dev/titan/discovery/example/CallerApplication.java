package dev.titan.discovery.example;

import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

/**
 * The "caller" service: reaches "greeter" by name through a {@code @LoadBalanced} RestClient.
 * Spring Cloud LoadBalancer asks Titan's DiscoveryClient for the instances.
 */
@Configuration(proxyBeanMethods = false)
@EnableAutoConfiguration
@Import(CallerApplication.CallerController.class)
public class CallerApplication {

  /**
   * The load-balanced client builder: {@code http://greeter/...} goes to a greeter instance.
   *
   * @return the builder
   */
  @Bean
  @LoadBalanced
  RestClient.Builder loadBalancedRestClientBuilder() {
    return RestClient.builder();
  }

  /** {@code /greet} calls the greeter; {@code /instances} shows what discovery knows. */
  @RestController
  static class CallerController {
    private final RestClient greeter;
    private final DiscoveryClient discovery;

    CallerController(RestClient.Builder loadBalancedRestClientBuilder, DiscoveryClient discovery) {
      this.greeter = loadBalancedRestClientBuilder.baseUrl("http://greeter").build();
      this.discovery = discovery;
    }

    @GetMapping("/greet")
    String greet(@RequestParam(name = "name", defaultValue = "Titan") String name) {
      return greeter.get().uri("/hello?name={name}", name).retrieve().body(String.class);
    }

    @GetMapping("/instances")
    Object instances() {
      return discovery.getInstances("greeter").stream()
          .map(i -> i.getInstanceId() + " at " + i.getHost() + ":" + i.getPort())
          .toList();
    }
  }
}
