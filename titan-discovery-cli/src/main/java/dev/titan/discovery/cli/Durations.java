package dev.titan.discovery.cli;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses and prints durations such as {@code 30s}, {@code 500ms}, {@code 2m}, {@code 1h}. */
final class Durations {
  private static final Pattern SIMPLE = Pattern.compile("(\\d+)(ms|s|m|h)?");

  private Durations() {}

  /**
   * A duration: a number with {@code ms}, {@code s} (default), {@code m} or {@code h}, or ISO-8601.
   *
   * @param text the text
   * @return the duration, not negative
   * @throws IllegalArgumentException when it is neither
   */
  static Duration parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    Matcher m = SIMPLE.matcher(t);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      String unit = m.group(2) == null ? "s" : m.group(2);
      switch (unit) {
        case "ms": return Duration.ofMillis(n);
        case "m": return Duration.ofMinutes(n);
        case "h": return Duration.ofHours(n);
        default: return Duration.ofSeconds(n);
      }
    }
    try {
      Duration d = Duration.parse(text.trim().toUpperCase(Locale.ROOT));
      if (!d.isNegative()) {
        return d;
      }
    } catch (RuntimeException ignored) {
      // fall through to the message below
    }
    throw new IllegalArgumentException("'" + text + "' is not a duration: use 500ms, 30s, 2m or 1h");
  }

  /**
   * A short human form: {@code 850ms}, {@code 12.3s}, {@code 4m05s}, {@code 2h10m}.
   *
   * @param millis milliseconds (negative prints as {@code -})
   * @return the text
   */
  static String human(long millis) {
    if (millis < 0) {
      return "-";
    }
    if (millis < 1000) {
      return millis + "ms";
    }
    if (millis < 60_000) {
      return String.format(Locale.ROOT, "%.1fs", millis / 1000.0);
    }
    long s = millis / 1000;
    if (s < 3600) {
      return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
    return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
  }
}
