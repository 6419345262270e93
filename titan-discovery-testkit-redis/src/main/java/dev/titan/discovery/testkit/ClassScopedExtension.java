package dev.titan.discovery.testkit;

import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A JUnit extension that starts one resource per test class (before all its tests), closes it
 * after the class, and hands it to test methods, constructors and lifecycle methods that declare
 * a parameter of its type.
 *
 * @param <T> the resource
 */
abstract class ClassScopedExtension<T extends AutoCloseable> implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

  private final Class<T> type;
  private final Supplier<T> starter;
  private final ExtensionContext.Namespace namespace;

  ClassScopedExtension(Class<T> type, Supplier<T> starter) {
    this.type = type;
    this.starter = starter;
    this.namespace = ExtensionContext.Namespace.create(getClass());
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    resource(context);
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    T resource = context.getStore(namespace).remove("resource", type);
    if (resource != null) {
      resource.close();
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
    return parameterContext.getParameter().getType() == type;
  }

  @Override
  public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
    return resource(extensionContext);
  }

  private T resource(ExtensionContext context) {
    ExtensionContext classContext = context;
    while (classContext.getParent().isPresent() && classContext.getTestMethod().isPresent()) {
      classContext = classContext.getParent().get();
    }
    return classContext.getStore(namespace).computeIfAbsent("resource", k -> starter.get(), type);
  }
}
