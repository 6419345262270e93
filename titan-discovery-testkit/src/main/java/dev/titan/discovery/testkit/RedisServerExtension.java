package dev.titan.discovery.testkit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit extension that starts one {@link RedisServer} per test class on a free port and stops it
 * after the class. Test methods, constructors and lifecycle methods receive it as a {@link
 * RedisServer} parameter.
 *
 * <pre>{@code
 * @ExtendWith(RedisServerExtension.class)
 * class MyTest {
 *   @Test void works(RedisServer redis) { ... redis.uri() ... }
 * }
 * }</pre>
 */
public final class RedisServerExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(RedisServerExtension.class);

  /** Creates the extension; JUnit calls this. */
  public RedisServerExtension() {}

  @Override
  public void beforeAll(ExtensionContext context) {
    server(context);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    RedisServer server = context.getStore(NS).remove("server", RedisServer.class);
    if (server != null) {
      server.close();
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
    return parameterContext.getParameter().getType() == RedisServer.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
    return server(extensionContext);
  }

  private static RedisServer server(ExtensionContext context) {
    ExtensionContext classContext = context;
    while (classContext.getParent().isPresent() && classContext.getTestMethod().isPresent()) {
      classContext = classContext.getParent().get();
    }
    return classContext.getStore(NS).computeIfAbsent("server", k -> RedisServer.start(), RedisServer.class);
  }
}
