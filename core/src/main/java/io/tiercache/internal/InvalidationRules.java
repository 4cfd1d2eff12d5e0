package io.tiercache.internal;

import io.tiercache.Invalidation;
import io.tiercache.InvalidationRequest;
import io.tiercache.classes.CacheClass;
import io.tiercache.spi.Entry;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Mass invalidation in O(1) (DESIGN invariant 8): a prefix, tag, class or global invalidation is
 * one rule here, never a scan of the keyspace. Each entry carries the generation (the highest
 * invalidation sequence this node had applied) under which it was loaded; an entry is invalid when
 * a rule that matches it has a higher sequence. Checking costs two map lookups, one per tag, and a
 * walk of the prefix trie along the key: independent of how many keys exist. Entries loaded after
 * the newest rule skip all of it.
 *
 * <p>A rule is kept for {@code retentionMs}, longer than any entry can live, then dropped. Entries
 * that pass the check are re-stamped with the current generation by the caller, so a sliding entry
 * never outlives a rule it predates.
 */
final class InvalidationRules {
  private static final class PrefixNode {
    final Map<Character, PrefixNode> children = new ConcurrentHashMap<>();
    volatile long sequence;
    volatile long appliedAtMs;
  }

  private static final VarHandle GENERATION;

  static {
    try {
      GENERATION =
          MethodHandles.lookup().findVarHandle(InvalidationRules.class, "generation", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  // A field rather than an AtomicLong: every L1 hit reads it, and this saves that read a hop.
  private volatile long generation;
  private final AtomicLong everything = new AtomicLong();
  private final Map<String, long[]> byClass = new ConcurrentHashMap<>();
  private final Map<String, long[]> byTag = new ConcurrentHashMap<>();
  private final PrefixNode prefixes = new PrefixNode();
  private volatile boolean anyPrefix;

  /** The highest sequence applied: new loads are stamped with it. */
  long generation() {
    return generation;
  }

  /** Applies a rule; idempotent, and safe to apply out of order. */
  void apply(Invalidation inv, long nowMs) {
    InvalidationRequest r = inv.request();
    long seq = inv.sequence();
    switch (r.scope()) {
      case ALL -> everything.accumulateAndGet(seq, Math::max);
      case CLASS -> raise(byClass, r.values().get(0), seq, nowMs);
      case TAG -> raise(byTag, r.values().get(0), seq, nowMs);
      case PREFIX -> raisePrefix(r.values().get(0), seq, nowMs);
      default -> {} // keys are deleted where they are, not ruled
    }
    long g;
    while ((g = generation) < seq && !GENERATION.compareAndSet(this, g, seq)) {
      // raced with another rule: read again
    }
  }

  /** Whether a rule newer than the entry matches it. */
  boolean invalidates(String key, CacheClass c, Entry e) {
    long g = e.generation();
    if (g >= generation) {
      return false;
    }
    if (everything.get() > g || newer(byClass.get(c.name()), g)) {
      return true;
    }
    for (String tag : e.tags()) {
      if (newer(byTag.get(tag), g)) {
        return true;
      }
    }
    return anyPrefix && prefixNewerThan(key, g);
  }

  /** Drops rules applied before {@code cutoffMs}; entries that old have expired everywhere. */
  void dropOlderThan(long cutoffMs) {
    byClass.values().removeIf(v -> v[1] < cutoffMs);
    byTag.values().removeIf(v -> v[1] < cutoffMs);
    prune(prefixes, cutoffMs);
  }

  private static boolean newer(long[] rule, long generation) {
    return rule != null && rule[0] > generation;
  }

  private static void raise(Map<String, long[]> rules, String name, long seq, long nowMs) {
    rules.compute(name, (k, v) -> v == null || v[0] < seq ? new long[] {seq, nowMs} : v);
  }

  private void raisePrefix(String prefix, long seq, long nowMs) {
    PrefixNode node = prefixes;
    for (int i = 0; i < prefix.length(); i++) {
      node = node.children.computeIfAbsent(prefix.charAt(i), ch -> new PrefixNode());
    }
    synchronized (node) {
      if (node.sequence < seq) {
        node.sequence = seq;
        node.appliedAtMs = nowMs;
      }
    }
    anyPrefix = true;
  }

  private boolean prefixNewerThan(String key, long generation) {
    PrefixNode node = prefixes;
    if (node.sequence > generation) {
      return true; // the empty prefix
    }
    for (int i = 0; i < key.length(); i++) {
      node = node.children.get(key.charAt(i));
      if (node == null) {
        return false;
      }
      if (node.sequence > generation) {
        return true;
      }
    }
    return false;
  }

  /** Removes expired prefix rules and empty branches; whether {@code node} is now empty. */
  private static boolean prune(PrefixNode node, long cutoffMs) {
    if (node.sequence != 0 && node.appliedAtMs < cutoffMs) {
      node.sequence = 0;
    }
    node.children.values().removeIf(child -> prune(child, cutoffMs));
    return node.sequence == 0 && node.children.isEmpty();
  }
}
