package dev.titan.discovery.internal.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** npm's range semantics, pre-releases and non-semver versions included. */
class VersionRangeTest {

  @ParameterizedTest(name = "{0} vs {1} -> {2}")
  @CsvSource(delimiter = ';', value = {
      "^2.1; 2.1.0; true",
      "^2.1; 2.9.9; true",
      "^2.1; 3.0.0; false",
      "^2.1; 2.0.9; false",
      "^2.1; 2.2.0-beta.1; false",
      "^0.2; 0.2.5; true",
      "^0.2; 0.3.0; false",
      "~1.4; 1.4.9; true",
      "~1.4; 1.5.0; false",
      ">=2 <3; 2.5.0; true",
      ">=2 <3; 3.0.0; false",
      "1.x; 1.9.0; true",
      "1.x; 2.0.0; false",
      "1.2.3 - 2.3.4; 2.3.4; true",
      "1.2.3 - 2.3.4; 2.3.5; false",
      "^1 || ^3; 3.1.0; true",
      "^1 || ^3; 2.1.0; false",
      ">1.2.3-alpha.3; 1.2.3-alpha.7; true",
      ">1.2.3-alpha.3; 3.4.5-alpha.9; false",
      "^1.2.3-beta.2; 1.2.3-beta.4; true",
      "^1.2.3-beta.2; 1.2.4-beta.2; false",
      "*; 1.0.0-rc.1; false",
      "*; 1.0.0; true",
      "*; latest; false",
      "^1; 1.0; false",
      "^1; v1.2.3; true",
      "=2.1.0; 2.1.0; true",
      "2.1.0; 2.1.0+build.5; true",
  })
  void matchesAsNpmDoes(String range, String version, boolean expected) {
    assertThat(VersionRange.parse(range).satisfiedBy(version)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "   ", "latest", "^2.x.y.z", "garbage!!", ">=abc", "1.2.3 ||", "|| 1", "1 - ", "^"})
  void badRangesAreRejectedNamingThem(String range) {
    assertThatThrownBy(() -> VersionRange.parse(range))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("versionRange")
        .hasMessageContaining("'" + range + "'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"^2.1", "~1.4", ">= 2 < 3", "1.x", "1.X", "1.*", "*", "x", "1.2.3 - 2.3.4", "^1 || ^3", "=1.0.0", "v1.2.3", "~>1.2"})
  void validRangesParse(String range) {
    assertThat(VersionRange.parse(range).toString()).isEqualTo(range.trim());
  }

  @org.junit.jupiter.api.Test
  void aMissingVersionNeverSatisfiesARange() {
    assertThat(VersionRange.parse("*").satisfiedBy(null)).isFalse();
  }

  @org.junit.jupiter.api.Test
  void aRangeParsedAgainIsTheSameAndItsRememberedVerdictsStayRight() {
    VersionRange a = VersionRange.parse("^1.1 || 3.0.0-rc.1");
    assertThat(VersionRange.parse("^1.1 || 3.0.0-rc.1")).isSameAs(a); // a query built per call re-uses it
    for (int round = 0; round < 2; round++) { // computed, then remembered
      assertThat(a.satisfiedBy("1.4.2")).isTrue();
      assertThat(a.satisfiedBy("1.0.9")).isFalse();
      assertThat(a.satisfiedBy("1.5.0-beta")).isFalse();
      assertThat(a.satisfiedBy("3.0.0-rc.1")).isTrue();
      assertThat(a.satisfiedBy("not-semver")).isFalse();
    }
    // a bad range is refused every time, never remembered
    for (int round = 0; round < 2; round++) {
      assertThatThrownBy(() -> VersionRange.parse("^1.x.y")).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("^1.x.y");
    }
  }
}
