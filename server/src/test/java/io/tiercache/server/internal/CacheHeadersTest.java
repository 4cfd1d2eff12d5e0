package io.tiercache.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tiercache.Lookup;
import io.tiercache.Tier;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.WritePolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CacheHeadersTest {
  static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
  static final CacheClass CLASS =
      CacheClass.builder("c", "c:*")
          .ttl(Duration.ofSeconds(60))
          .stalenessEpsilon(Duration.ofSeconds(30))
          .staleWhileRevalidate(Duration.ofSeconds(10))
          .staleIfError(Duration.ofSeconds(20))
          .edgeCacheable(true)
          .build();

  static Lookup<String> found(CacheClass c, Instant freshUntil, Instant staleUntil, boolean stale) {
    return new Lookup<>("c:1", "v", Tier.L2, stale, 3, freshUntil, staleUntil, Set.of("b", "a"), c);
  }

  @Test
  void maxAgeIsTheRemainingFreshnessNotTheTtl() {
    // Loaded 45 s ago with a 60 s TTL: 15 s left.
    Lookup<String> l = found(CLASS, NOW.plusSeconds(15), NOW.plusSeconds(45), false);

    assertThat(CacheHeaders.cacheControl(l, true, NOW))
        .isEqualTo("public, max-age=15, stale-while-revalidate=10, stale-if-error=20");
  }

  @Test
  void maxAgeIsFlooredSoItNeverPromisesMoreThanIsLeft() {
    Lookup<String> l = found(CLASS, NOW.plusMillis(14_999), NOW.plusSeconds(45), false);

    assertThat(CacheHeaders.cacheControl(l, true, NOW)).startsWith("public, max-age=14,");
  }

  @Test
  void theStaleWindowsAreCutToWhatIsLeftOfTheEntrysOwn() {
    // Only 12 s of stale window left (a shorter entry deadline than the class's windows).
    Lookup<String> l = found(CLASS, NOW.plusSeconds(5), NOW.plusSeconds(17), false);

    assertThat(CacheHeaders.cacheControl(l, false, NOW))
        .isEqualTo("private, max-age=5, stale-while-revalidate=10, stale-if-error=12");
  }

  @Test
  void aStaleValueHasNoFreshnessLeftAndOnlyItsRemainingStaleWindow() {
    Lookup<String> l = found(CLASS, NOW.minusSeconds(4), NOW.plusSeconds(6), true);

    assertThat(CacheHeaders.cacheControl(l, true, NOW))
        .isEqualTo("public, max-age=0, stale-while-revalidate=6, stale-if-error=6");
  }

  @Test
  void aClassThatIsNotEdgeCacheableIsPrivateAndNoStore() {
    CacheClass c = CLASS.toBuilder().edgeCacheable(false).build();

    assertThat(
            CacheHeaders.cacheControl(
                found(c, NOW.plusSeconds(9), NOW.plusSeconds(9), false), true, NOW))
        .isEqualTo("private, no-store");
  }

  @Test
  void writeOnceBlobsAreImmutable() {
    CacheClass blob =
        CLASS.toBuilder()
            .writePolicy(WritePolicy.WRITE_ONCE)
            .staleWhileRevalidate(Duration.ZERO)
            .staleIfError(Duration.ZERO)
            .build();

    assertThat(
            CacheHeaders.cacheControl(
                found(blob, NOW.plusSeconds(60), NOW.plusSeconds(60), false), true, NOW))
        .isEqualTo("public, max-age=60, immutable");
  }

  @Test
  void ifNoneMatchMatchesAnyListedTagWeaklyOrTheWildcard() {
    assertThat(CacheHeaders.notModified("\"3\"", "\"3\"")).isTrue();
    assertThat(CacheHeaders.notModified("\"1\", W/\"3\"", "\"3\"")).isTrue();
    assertThat(CacheHeaders.notModified("*", "\"3\"")).isTrue();
    assertThat(CacheHeaders.notModified("\"4\"", "\"3\"")).isFalse();
    assertThat(CacheHeaders.notModified(null, "\"3\"")).isFalse();
  }

  @Test
  void surrogateKeysAreNamespacedAndSkipMalformedTags() {
    Lookup<String> l =
        new Lookup<>(
            "c:1", "v", Tier.L1, false, 1, NOW, NOW, Set.of("ok", "bad tag", "tc:x"), CLASS);

    assertThat(CacheHeaders.surrogateKeys("shop", l).split(" "))
        .containsExactly(
            "tc:ns:shop",
            "tc:class:shop:c",
            CacheHeaders.keyToken("shop", "c:1"),
            "tc:tag:shop:ok");
    assertThat(CacheHeaders.keyToken("shop", "c:1")).matches("tc:key:shop:[0-9a-f]{16}");
  }

  @Test
  void xCacheNamesTheTierAndStaleness() {
    assertThat(CacheHeaders.xCache(found(CLASS, NOW, NOW, true))).isEqualTo("STALE");
    assertThat(CacheHeaders.xCache(found(CLASS, NOW, NOW, false))).isEqualTo("L2");
    assertThat(
            CacheHeaders.xCache(
                new Lookup<>("k", "v", Tier.SOURCE, false, 1, NOW, NOW, Set.of(), CLASS)))
        .isEqualTo("MISS");
  }
}
