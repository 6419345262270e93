package dev.titan.discovery.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Where commands print: aligned tables or JSON, with colours only on a terminal. */
final class Output {

  /** The output formats of {@code -o}. */
  enum Format {
    /** Aligned columns for people. */
    table,
    /** One JSON document (JSON lines for {@code watch}) with stable field names. */
    json
  }

  /** Text styles; nothing is printed for them without colours. */
  enum Style {
    /** No style. */
    PLAIN(""),
    /** Good. */
    GREEN("\u001b[32m"),
    /** Look at it. */
    YELLOW("\u001b[33m"),
    /** Wrong. */
    RED("\u001b[31m"),
    /** Headings. */
    BOLD("\u001b[1m"),
    /** Less important. */
    DIM("\u001b[2m");

    final String code;

    Style(String code) {
      this.code = code;
    }
  }

  static final JsonMapper JSON = JsonMapper.builder().build();

  private final PrintWriter out;
  private final PrintWriter err;
  private final Format format;
  private final boolean color;

  Output(PrintWriter out, PrintWriter err, Format format, boolean color) {
    this.out = out;
    this.err = err;
    this.format = format;
    this.color = color;
  }

  /**
   * Whether colours are used by default: on a terminal, unless {@code NO_COLOR} is set.
   *
   * @return true for colours
   */
  static boolean colorByDefault() {
    String noColor = System.getenv("NO_COLOR");
    return System.console() != null && (noColor == null || noColor.isEmpty());
  }

  boolean json() {
    return format == Format.json;
  }

  PrintWriter out() {
    return out;
  }

  /** A line on standard output. */
  void line(String text) {
    out.println(text);
    out.flush();
  }

  /** A note on standard error (never part of what scripts parse). */
  void note(String text) {
    err.println(text);
    err.flush();
  }

  /** The text in a style, when colours are on. */
  String style(Style style, String text) {
    if (!color || style == Style.PLAIN) {
      return text;
    }
    return style.code + text + "\u001b[0m";
  }

  /** One pretty-printed JSON document. */
  void json(JsonNode node) {
    out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
    out.flush();
  }

  /** One compact JSON document on one line (JSON lines). */
  void jsonLine(JsonNode node) {
    out.println(JSON.writeValueAsString(node));
    out.flush();
  }

  static ObjectNode object() {
    return JSON.createObjectNode();
  }

  static ArrayNode array() {
    return JSON.createArrayNode();
  }

  /** Prints a table. */
  void table(Table table) {
    for (String l : table.render(this)) {
      out.println(l);
    }
    out.flush();
  }

  /** An aligned table; each row may carry a style. */
  static final class Table {
    private final List<String> headers;
    private final List<List<String>> rows = new ArrayList<>();
    private final List<Style> styles = new ArrayList<>();

    Table(String... headers) {
      this.headers = List.of(headers);
    }

    Table row(Style style, List<String> cells) {
      if (cells.size() != headers.size()) {
        throw new IllegalArgumentException("row has " + cells.size() + " cells, table " + headers.size());
      }
      rows.add(List.copyOf(cells));
      styles.add(style);
      return this;
    }

    Table row(List<String> cells) {
      return row(Style.PLAIN, cells);
    }

    boolean isEmpty() {
      return rows.isEmpty();
    }

    /** The lines: a header, then one per row, columns separated by two spaces, no trailing blanks. */
    List<String> render(Output o) {
      int[] width = new int[headers.size()];
      for (int c = 0; c < width.length; c++) {
        width[c] = headers.get(c).length();
        for (List<String> r : rows) {
          width[c] = Math.max(width[c], r.get(c).length());
        }
      }
      List<String> lines = new ArrayList<>();
      lines.add(o.style(Style.BOLD, join(headers, width)));
      for (int i = 0; i < rows.size(); i++) {
        lines.add(o.style(styles.get(i), join(rows.get(i), width)));
      }
      return lines;
    }

    private static String join(List<String> cells, int[] width) {
      StringBuilder b = new StringBuilder();
      for (int c = 0; c < cells.size(); c++) {
        if (c > 0) {
          b.append("  ");
        }
        b.append(cells.get(c));
        if (c < cells.size() - 1) {
          b.append(" ".repeat(width[c] - cells.get(c).length()));
        }
      }
      return b.toString().stripTrailing();
    }
  }
}
