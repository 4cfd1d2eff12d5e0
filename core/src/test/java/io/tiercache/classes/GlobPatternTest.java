package io.tiercache.classes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tiercache.InvalidConfigException;
import org.junit.jupiter.api.Test;

class GlobPatternTest {

  @Test
  void starMatchesAnyRun_andQuestionMarkExactlyOneCharacter() {
    GlobPattern p = GlobPattern.parse("key_pattern", "user:*:profile?");
    assertThat(p.matches("user:42:profile1")).isTrue();
    assertThat(p.matches("user::profileX")).isTrue();
    assertThat(p.matches("user:42:profile")).isFalse();
    assertThat(p.matches("user:42:profile12")).isFalse();
    assertThat(p.matches("xuser:42:profile1")).isFalse();
  }

  @Test
  void starBacktracks_overRepeatedLiterals() {
    GlobPattern p = GlobPattern.parse("key_pattern", "*a*b");
    assertThat(p.matches("aaab")).isTrue();
    assertThat(p.matches("abab")).isTrue();
    assertThat(p.matches("aaba")).isFalse();
    assertThat(GlobPattern.parse("key_pattern", "*").matches("")).isTrue();
  }

  @Test
  void literalPrefix_endsAtFirstWildcard() {
    assertThat(GlobPattern.parse("f", "hot:*:x").literalPrefix()).isEqualTo("hot:");
    assertThat(GlobPattern.parse("f", "exact").literalPrefix()).isEqualTo("exact");
    assertThat(GlobPattern.parse("f", "?x").literalPrefix()).isEmpty();
  }

  @Test
  void moreLiterals_areMoreSpecific() {
    GlobPattern a = GlobPattern.parse("f", "user:*");
    GlobPattern b = GlobPattern.parse("f", "*:profile:detail");
    assertThat(GlobPattern.MOST_SPECIFIC_FIRST.compare(b, a)).isNegative();
  }

  @Test
  void badCharacter_isRejectedNamingFieldAndPosition() {
    assertThatThrownBy(() -> GlobPattern.parse("key_pattern", "user:[a-z]*"))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("key_pattern")
        .hasMessageContaining("'[' at 5");
    assertThatThrownBy(() -> GlobPattern.parse("key_pattern", ""))
        .isInstanceOf(InvalidConfigException.class);
    assertThatThrownBy(() -> GlobPattern.parse("key_pattern", "a".repeat(257)))
        .hasMessageContaining("at most 256");
  }
}
