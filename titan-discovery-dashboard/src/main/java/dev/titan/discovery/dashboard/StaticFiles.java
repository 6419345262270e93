package dev.titan.discovery.dashboard;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** The page's static files, read from the jar once and served from memory. */
final class StaticFiles {

  /** Where the files are on the class path. */
  static final String ROOT = "/dev/titan/discovery/dashboard/static/";

  /**
   * One file.
   *
   * @param contentType its Content-Type
   * @param bytes its content
   */
  record File(String contentType, byte[] bytes) {}

  private final Map<String, File> files;

  private StaticFiles(Map<String, File> files) {
    this.files = files;
  }

  static StaticFiles load() {
    Map<String, File> m = new HashMap<>();
    m.put("/", read("index.html", "text/html; charset=utf-8"));
    m.put("/index.html", m.get("/"));
    m.put("/app.js", read("app.js", "text/javascript; charset=utf-8"));
    m.put("/app.css", read("app.css", "text/css; charset=utf-8"));
    m.put("/favicon.svg", read("favicon.svg", "image/svg+xml"));
    return new StaticFiles(Map.copyOf(m));
  }

  Optional<File> get(String path) {
    return Optional.ofNullable(files.get(path));
  }

  private static File read(String name, String contentType) {
    try (InputStream in = StaticFiles.class.getResourceAsStream(ROOT + name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + ROOT + name);
      }
      return new File(contentType, in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
