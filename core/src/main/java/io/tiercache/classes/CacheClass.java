package io.tiercache.classes;

import io.tiercache.InvalidConfigException;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One row of the cache-class metadata: how keys matching {@link #keyPattern} are cached. Immutable
 * and validated on construction; every error names the field (as spelled in the table and the
 * config file), the value and the allowed range.
 *
 * @param name the class name: a lower-case letter, then up to 63 of {@code a-z 0-9 _ -}
 * @param keyPattern which keys belong to the class; the most specific matching pattern wins
 * @param ttl how long a loaded value is fresh, 1 ms to 365 days, before {@link #ttlJitter}
 * @param evictionPolicy how L1 copies are bounded
 * @param expiryMode fixed deadlines, or sliding ones extended on every read
 * @param refreshStrategy what happens as entries near their deadline
 * @param writePolicy how writes reach the source
 * @param stalenessEpsilon the consistency window: no tier serves a value later than {@code ttl +
 *     stalenessEpsilon} after the source changed; 0 to 1 day
 * @param staleWhileRevalidate how long past its TTL a value may be served while one refresh runs;
 *     capped by {@code stalenessEpsilon}
 * @param staleIfError how long past its TTL a value may be served while the source fails; capped by
 *     {@code stalenessEpsilon}
 * @param sourceRateLimit most source loads per second across the fleet
 * @param l1MaxEntries L1 bound in entries (0: bounded by bytes instead)
 * @param l1MaxBytes L1 bound in bytes of encoded values (0: bounded by entries instead)
 * @param edgeCacheable whether an HTTP edge cache may keep the value
 * @param tags surrogate keys every value of the class carries
 * @param ttlJitter the largest fraction (0 to 0.5) by which a key's TTL is shortened; the fraction
 *     of each key is derived from a hash of the key, so every node computes the same deadline
 * @param earlyRefreshBeta the XFetch beta (0 to 10) for {@link RefreshStrategy#EARLY_PROBABILISTIC}
 */
public record CacheClass(
    String name,
    GlobPattern keyPattern,
    Duration ttl,
    EvictionPolicy evictionPolicy,
    ExpiryMode expiryMode,
    RefreshStrategy refreshStrategy,
    WritePolicy writePolicy,
    Duration stalenessEpsilon,
    Duration staleWhileRevalidate,
    Duration staleIfError,
    RateLimit sourceRateLimit,
    long l1MaxEntries,
    DataSize l1MaxBytes,
    boolean edgeCacheable,
    Set<String> tags,
    double ttlJitter,
    double earlyRefreshBeta) {

  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]{0,63}");
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9:_\\-./@#+=,]{1,128}");
  private static final Duration MAX_TTL = Duration.ofDays(365);
  private static final Duration MAX_EPSILON = Duration.ofDays(1);
  private static final Duration MAX_STALE_IF_ERROR = Duration.ofDays(7);
  private static final long MAX_L1_ENTRIES = 1_000_000_000L;

  public CacheClass {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new InvalidConfigException(
          "class", "'" + name + "' is not a class name: a-z first, then up to 63 of a-z 0-9 _ -");
    }
    String where = "class '" + name + "': ";
    Objects.requireNonNull(keyPattern, where + "key_pattern");
    requireRange(where, "ttl", ttl, Duration.ofMillis(1), MAX_TTL);
    requireNonNull(where, "eviction_policy", evictionPolicy);
    requireNonNull(where, "expiry_mode", expiryMode);
    requireNonNull(where, "refresh_strategy", refreshStrategy);
    requireNonNull(where, "write_policy", writePolicy);
    requireRange(where, "staleness_epsilon", stalenessEpsilon, Duration.ZERO, MAX_EPSILON);
    requireRange(where, "stale_while_revalidate", staleWhileRevalidate, Duration.ZERO, MAX_TTL);
    requireRange(where, "stale_if_error", staleIfError, Duration.ZERO, MAX_STALE_IF_ERROR);
    requireNonNull(where, "source_rate_limit", sourceRateLimit);
    requireNonNull(where, "l1_max_bytes", l1MaxBytes);
    if (l1MaxEntries < 0 || l1MaxEntries > MAX_L1_ENTRIES) {
      throw new InvalidConfigException(
          where + "l1_max_entries", "must be 0 to " + MAX_L1_ENTRIES + ", was " + l1MaxEntries);
    }
    if (l1MaxEntries > 0 && l1MaxBytes.bytes() > 0) {
      throw new InvalidConfigException(
          where + "l1_max_bytes", "set l1_max_entries or l1_max_bytes, not both");
    }
    if (evictionPolicy == EvictionPolicy.TINY_LFU && l1MaxEntries == 0 && l1MaxBytes.bytes() == 0) {
      throw new InvalidConfigException(
          where + "l1_max_entries", "tiny_lfu needs a bound: set l1_max_entries or l1_max_bytes");
    }
    tags = Set.copyOf(Objects.requireNonNull(tags, where + "tags"));
    for (String tag : tags) {
      if (!TAG.matcher(tag).matches() || tag.startsWith("tc:")) {
        throw new InvalidConfigException(
            where + "tags",
            "'"
                + tag
                + "' is not a tag: 1 to 128 of A-Z a-z 0-9 : _ - . / @ # + = ,"
                + " not starting with the reserved tc:");
      }
    }
    if (!(ttlJitter >= 0 && ttlJitter <= 0.5)) {
      throw new InvalidConfigException(where + "ttl_jitter", "must be 0 to 0.5, was " + ttlJitter);
    }
    if (!(earlyRefreshBeta >= 0 && earlyRefreshBeta <= 10)) {
      throw new InvalidConfigException(
          where + "early_refresh_beta", "must be 0 to 10, was " + earlyRefreshBeta);
    }
  }

  /**
   * How long after its fresh deadline an entry may still be served (stale-while-revalidate or
   * stale-if-error), never more than {@link #stalenessEpsilon}: that is what makes DESIGN invariant
   * 1 ({@code ttl + staleness_epsilon}) hold whatever the two windows say.
   */
  public Duration staleWindow() {
    Duration widest =
        staleWhileRevalidate.compareTo(staleIfError) >= 0 ? staleWhileRevalidate : staleIfError;
    return widest.compareTo(stalenessEpsilon) <= 0 ? widest : stalenessEpsilon;
  }

  /** Whether L1 keeps copies of this class. */
  public boolean usesL1() {
    return evictionPolicy != EvictionPolicy.L2_ONLY;
  }

  /** A builder with the defaults of a general-purpose class. */
  public static Builder builder(String name, String keyPattern) {
    return new Builder(name, GlobPattern.parse("key_pattern", keyPattern));
  }

  /** A builder initialised from this class, to derive a changed copy. */
  public Builder toBuilder() {
    Builder b = new Builder(name, keyPattern);
    b.ttl = ttl;
    b.evictionPolicy = evictionPolicy;
    b.expiryMode = expiryMode;
    b.refreshStrategy = refreshStrategy;
    b.writePolicy = writePolicy;
    b.stalenessEpsilon = stalenessEpsilon;
    b.staleWhileRevalidate = staleWhileRevalidate;
    b.staleIfError = staleIfError;
    b.sourceRateLimit = sourceRateLimit;
    b.l1MaxEntries = l1MaxEntries;
    b.l1MaxBytes = l1MaxBytes;
    b.edgeCacheable = edgeCacheable;
    b.tags = tags;
    b.ttlJitter = ttlJitter;
    b.earlyRefreshBeta = earlyRefreshBeta;
    return b;
  }

  private static void requireNonNull(String where, String field, Object value) {
    if (value == null) {
      throw new InvalidConfigException(where + field, "is required");
    }
  }

  private static void requireRange(
      String where, String field, Duration value, Duration min, Duration max) {
    requireNonNull(where, field, value);
    if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new InvalidConfigException(
          where + field, "must be " + min + " to " + max + ", was " + value);
    }
  }

  /** Builds a {@link CacheClass}; validation happens in {@link #build()}. */
  public static final class Builder {
    private final String name;
    private final GlobPattern keyPattern;
    private Duration ttl = Duration.ofMinutes(5);
    private EvictionPolicy evictionPolicy = EvictionPolicy.TINY_LFU;
    private ExpiryMode expiryMode = ExpiryMode.FIXED;
    private RefreshStrategy refreshStrategy = RefreshStrategy.NONE;
    private WritePolicy writePolicy = WritePolicy.WRITE_AROUND;
    private Duration stalenessEpsilon = Duration.ofSeconds(5);
    private Duration staleWhileRevalidate = Duration.ZERO;
    private Duration staleIfError = Duration.ZERO;
    private RateLimit sourceRateLimit = RateLimit.UNLIMITED;
    private long l1MaxEntries = 10_000;
    private DataSize l1MaxBytes = DataSize.ZERO;
    private boolean edgeCacheable = false;
    private Set<String> tags = Set.of();
    private double ttlJitter = 0.1;
    private double earlyRefreshBeta = 1.0;

    private Builder(String name, GlobPattern keyPattern) {
      this.name = name;
      this.keyPattern = keyPattern;
    }

    public Builder ttl(Duration ttl) {
      this.ttl = ttl;
      return this;
    }

    public Builder evictionPolicy(EvictionPolicy evictionPolicy) {
      this.evictionPolicy = evictionPolicy;
      return this;
    }

    public Builder expiryMode(ExpiryMode expiryMode) {
      this.expiryMode = expiryMode;
      return this;
    }

    public Builder refreshStrategy(RefreshStrategy refreshStrategy) {
      this.refreshStrategy = refreshStrategy;
      return this;
    }

    public Builder writePolicy(WritePolicy writePolicy) {
      this.writePolicy = writePolicy;
      return this;
    }

    public Builder stalenessEpsilon(Duration stalenessEpsilon) {
      this.stalenessEpsilon = stalenessEpsilon;
      return this;
    }

    public Builder staleWhileRevalidate(Duration staleWhileRevalidate) {
      this.staleWhileRevalidate = staleWhileRevalidate;
      return this;
    }

    public Builder staleIfError(Duration staleIfError) {
      this.staleIfError = staleIfError;
      return this;
    }

    public Builder sourceRateLimit(RateLimit sourceRateLimit) {
      this.sourceRateLimit = sourceRateLimit;
      return this;
    }

    /** Bounds L1 by entries (and clears a byte bound). */
    public Builder l1MaxEntries(long l1MaxEntries) {
      this.l1MaxEntries = l1MaxEntries;
      this.l1MaxBytes = DataSize.ZERO;
      return this;
    }

    /** Bounds L1 by bytes (and clears an entry bound). */
    public Builder l1MaxBytes(DataSize l1MaxBytes) {
      this.l1MaxBytes = l1MaxBytes;
      this.l1MaxEntries = 0;
      return this;
    }

    public Builder edgeCacheable(boolean edgeCacheable) {
      this.edgeCacheable = edgeCacheable;
      return this;
    }

    public Builder tags(Set<String> tags) {
      this.tags = tags;
      return this;
    }

    public Builder ttlJitter(double ttlJitter) {
      this.ttlJitter = ttlJitter;
      return this;
    }

    public Builder earlyRefreshBeta(double earlyRefreshBeta) {
      this.earlyRefreshBeta = earlyRefreshBeta;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws InvalidConfigException naming the first invalid field
     */
    public CacheClass build() {
      return new CacheClass(
          name,
          keyPattern,
          ttl,
          evictionPolicy,
          expiryMode,
          refreshStrategy,
          writePolicy,
          stalenessEpsilon,
          staleWhileRevalidate,
          staleIfError,
          sourceRateLimit,
          l1MaxEntries,
          l1MaxBytes,
          edgeCacheable,
          tags,
          ttlJitter,
          earlyRefreshBeta);
    }
  }
}
