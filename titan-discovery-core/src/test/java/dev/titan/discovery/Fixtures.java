package dev.titan.discovery;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The reference-wire fixtures recorded from the TypeScript implementation, read as they are from
 * the test resources ({@code src/test/resources/reference-wire}, a copy of the project's shared
 * fixtures with their README), so that a clone of the repository has everything its tests need.
 */
final class Fixtures {

  private static final String DIR = "/reference-wire/";

  private Fixtures() {}

  private static String read(String name) {
    try (InputStream in = Fixtures.class.getResourceAsStream(DIR + name)) {
      if (in == null) {
        throw new IllegalStateException("reference-wire fixture " + name + " not found on the test class path under " + DIR);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode nodeKeys() {
    return JsonMapper.builder().build().readTree(read("node-keys.json"));
  }

  static List<String> events() {
    return read("events.jsonl").lines().filter(l -> !l.isBlank()).toList();
  }
}
