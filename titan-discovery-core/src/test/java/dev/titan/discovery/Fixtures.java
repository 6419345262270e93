package dev.titan.discovery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The reference-wire fixtures recorded from the TypeScript implementation, read as they are. */
final class Fixtures {

  private Fixtures() {}

  static Path dir() {
    String configured = System.getProperty("titan.fixtures.dir");
    Path p = configured != null ? Path.of(configured) : Path.of("../../shared/fixtures/reference-wire");
    if (!Files.isDirectory(p)) {
      throw new IllegalStateException("reference-wire fixtures not found at " + p.toAbsolutePath());
    }
    return p;
  }

  static JsonNode nodeKeys() {
    try {
      return JsonMapper.builder().build().readTree(Files.readString(dir().resolve("node-keys.json")));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static List<String> events() {
    try {
      return Files.readAllLines(dir().resolve("events.jsonl")).stream().filter(l -> !l.isBlank()).toList();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
