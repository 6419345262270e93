package dev.titan.discovery.testkit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit extension for discovery tests on a real Redis, no Docker: one redis-server per test class
 * (on a free port; the {@code redis-server} on the PATH, else the one shipped in the
 * embedded-redis jar, else {@code $TITAN_REDIS_SERVER}) and a fresh {@link DiscoveryServices} per
 * test method, whose services are all stopped after the method.
 *
 * <pre>{@code
 * @ExtendWith(DiscoveryExtension.class)
 * class OrdersClientTest {
 *   @Test
 *   void findsTheOrdersService(DiscoveryServices services) {
 *     services.node("orders-1", "10.0.0.1:8080", ServiceInfo.of("orders", "2.1.0"));
 *     DiscoveryService client = services.client();
 *     assertThat(client.findNodesByService("orders").join()).hasSize(1);
 *   }
 * }
 * }</pre>
 *
 * Tests may also take the {@link RedisServer} itself as a parameter.
 */
public final class DiscoveryExtension implements AfterEachCallback, AfterAllCallback, ParameterResolver {

  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(DiscoveryExtension.class);
  private final RedisServerExtension server = new RedisServerExtension();

  /** Creates the extension; JUnit calls this. */
  public DiscoveryExtension() {}

  @Override
  public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
    Class<?> type = parameterContext.getParameter().getType();
    return type == DiscoveryServices.class || server.supportsParameter(parameterContext, extensionContext);
  }

  @Override
  public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
    if (parameterContext.getParameter().getType() != DiscoveryServices.class) {
      return server.resolveParameter(parameterContext, extensionContext);
    }
    RedisServer redis = (RedisServer) server.resolveParameter(parameterContext, extensionContext);
    return extensionContext.getStore(NS).computeIfAbsent("services", k -> DiscoveryServices.on(redis), DiscoveryServices.class);
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    server.afterAll(context);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    DiscoveryServices services = context.getStore(NS).remove("services", DiscoveryServices.class);
    if (services != null) {
      services.close();
    }
  }
}
