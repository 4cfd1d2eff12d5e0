package io.tiercache;

import java.util.List;
import java.util.Objects;

/**
 * What to invalidate, why and on whose behalf (DESIGN invariant 10: every invalidation is audited).
 * Build one with {@link #key}, {@link #keys}, {@link #prefix}, {@link #tag}, {@link #cacheClass} or
 * {@link #everything}, then {@link #because} and {@link #by}.
 *
 * @param scope what the invalidation covers
 * @param values the key(s), the prefix, the tag or the class name; empty for {@link
 *     InvalidationScope#ALL}
 * @param reason why, for the audit log
 * @param actor who asked, for the audit log
 */
public record InvalidationRequest(
    InvalidationScope scope, List<String> values, String reason, String actor) {
  /** The most keys one {@link InvalidationScope#KEYS} request may list. */
  public static final int MAX_KEYS = 10_000;

  public InvalidationRequest {
    Objects.requireNonNull(scope, "scope");
    values = List.copyOf(values);
    reason = reason == null ? "" : reason;
    actor = actor == null ? "" : actor;
    int expected = scope == InvalidationScope.ALL ? 0 : 1;
    if (scope == InvalidationScope.KEYS) {
      if (values.isEmpty() || values.size() > MAX_KEYS) {
        throw new InvalidConfigException(
            "keys", "1 to " + MAX_KEYS + " keys are required, got " + values.size());
      }
    } else if (values.size() != expected) {
      throw new InvalidConfigException(
          scope.name().toLowerCase(java.util.Locale.ROOT),
          "takes " + expected + " value(s), got " + values.size());
    }
    for (String v : values) {
      if (v == null || (v.isEmpty() && scope != InvalidationScope.PREFIX)) {
        throw new InvalidConfigException(
            scope.name().toLowerCase(java.util.Locale.ROOT), "values must be non-empty strings");
      }
    }
  }

  public static InvalidationRequest key(String key) {
    return new InvalidationRequest(InvalidationScope.KEY, List.of(key), "", "");
  }

  public static InvalidationRequest keys(List<String> keys) {
    return new InvalidationRequest(InvalidationScope.KEYS, keys, "", "");
  }

  public static InvalidationRequest prefix(String prefix) {
    return new InvalidationRequest(InvalidationScope.PREFIX, List.of(prefix), "", "");
  }

  public static InvalidationRequest tag(String tag) {
    return new InvalidationRequest(InvalidationScope.TAG, List.of(tag), "", "");
  }

  public static InvalidationRequest cacheClass(String className) {
    return new InvalidationRequest(InvalidationScope.CLASS, List.of(className), "", "");
  }

  public static InvalidationRequest everything() {
    return new InvalidationRequest(InvalidationScope.ALL, List.of(), "", "");
  }

  /** A copy with a reason. */
  public InvalidationRequest because(String reason) {
    return new InvalidationRequest(scope, values, reason, actor);
  }

  /** A copy with an actor. */
  public InvalidationRequest by(String actor) {
    return new InvalidationRequest(scope, values, reason, actor);
  }
}
