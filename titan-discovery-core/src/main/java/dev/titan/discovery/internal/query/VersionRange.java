package dev.titan.discovery.internal.query;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.semver4j.RangesList;
import org.semver4j.RangesListFactory;
import org.semver4j.Semver;

/**
 * An npm semver range ({@code ^2.1}, {@code ~1.4}, {@code >=2 <3}, {@code 1.x}, {@code 1.2 -
 * 2.3}, {@code ^1 || ^3}), matched by semver4j with npm's rules, pre-releases included: a
 * pre-release version satisfies a range only when a comparator of the same {@code
 * major.minor.patch} names a pre-release. A version that is not semver never satisfies a range.
 *
 * <p>semver4j reads anything without complaint (garbage becomes an empty range, {@code latest}
 * becomes {@code *}); the text is first checked against npm's range grammar, token by token, so
 * that a typo is an error naming the range, not a query that silently matches nothing or
 * everything.
 */
public final class VersionRange {

  private static final String PART = "(?:0|[1-9]\\d*|[xX*])";
  private static final Pattern COMPARATOR = Pattern.compile(
      "(?:<=|>=|<|>|=|~>?|\\^)?v?" + PART + "(?:\\." + PART + "){0,2}"
          + "(?:-[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?(?:\\+[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?");
  private static final int MAX_CACHED_VERSIONS = 10_000;
  private static final ConcurrentHashMap<String, Optional<Semver>> VERSIONS = new ConcurrentHashMap<>();

  private static final int MAX_CACHED_RANGES = 1_000;
  /** Ranges parsed before, by their text: a query built per call re-uses the verdicts below. */
  private static final ConcurrentHashMap<String, VersionRange> PARSED = new ConcurrentHashMap<>();
  private static final int MAX_VERDICTS = 1_000;

  private final String text;
  private final RangesList ranges;
  /** This range's verdict per version string seen: a fleet has few distinct versions. */
  private final ConcurrentHashMap<String, Boolean> verdicts = new ConcurrentHashMap<>();

  private VersionRange(String text, RangesList ranges) {
    this.text = text;
    this.ranges = ranges;
  }

  /**
   * Parses a range.
   *
   * @param range npm range syntax
   * @return the range
   * @throws IllegalArgumentException naming the range when it is not npm range syntax
   */
  public static VersionRange parse(String range) {
    return remembered(PARSED, MAX_CACHED_RANGES, range, VersionRange::parseText);
  }

  /**
   * {@code map}'s value for {@code key}; when absent, computed and kept while the map holds fewer
   * than {@code max} entries.
   */
  private static <V> V remembered(ConcurrentHashMap<String, V> map, int max, String key,
      java.util.function.Function<String, V> compute) {
    V known = map.get(key);
    if (known != null) {
      return known;
    }
    V value = compute.apply(key);
    if (map.size() < max) {
      map.putIfAbsent(key, value);
    }
    return value;
  }

  private static VersionRange parseText(String range) {
    String t = range.trim();
    if (t.isEmpty()) {
      throw bad(range, "it is empty (use \"*\" for any version)");
    }
    for (String alternative : t.split("\\|\\|", -1)) {
      String a = alternative.trim();
      if (a.isEmpty()) {
        throw bad(range, "an alternative of '||' is empty");
      }
      String[] tokens = a.replaceAll("([<>]=?|=|~>?|\\^)\\s+", "$1").split("\\s+");
      for (int i = 0; i < tokens.length; i++) {
        String tok = tokens[i];
        if (tok.equals("-") && i > 0 && i < tokens.length - 1) {
          continue; // hyphen range: 1.2.3 - 2.3.4
        }
        if (!COMPARATOR.matcher(tok).matches()) {
          throw bad(range, "'" + tok + "' is not a version or comparator");
        }
      }
    }
    return new VersionRange(t, RangesListFactory.create(t));
  }

  private static IllegalArgumentException bad(String range, String why) {
    return new IllegalArgumentException("versionRange is not an npm semver range: '" + range + "': " + why);
  }

  /**
   * Whether a version satisfies the range; a null or non-semver version never does.
   *
   * @param version the version
   * @return true when it satisfies the range
   */
  public boolean satisfiedBy(@Nullable String version) {
    if (version == null) {
      return false;
    }
    return remembered(verdicts, MAX_VERDICTS, version, this::evaluate);
  }

  private boolean evaluate(String version) {
    Optional<Semver> v = remembered(VERSIONS, MAX_CACHED_VERSIONS, version,
        x -> Optional.ofNullable(Semver.parse(x)));
    return v.isPresent() && ranges.isSatisfiedBy(v.get());
  }

  /**
   * The range as given (trimmed).
   *
   * @return the text
   */
  @Override
  public String toString() {
    return text;
  }
}
