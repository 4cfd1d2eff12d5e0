package io.tiercache.internal;

import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClasses;

/**
 * The classes in force, swapped whole when they change at run time. Readers take one snapshot per
 * decision; a read that resolved a key under the old classes finishes under them, which is
 * harmless: deadlines are in the entries, not in the class.
 */
final class LiveClasses {
  private volatile CacheClasses current;

  LiveClasses(CacheClasses initial) {
    this.current = initial;
  }

  CacheClasses get() {
    return current;
  }

  void set(CacheClasses next) {
    this.current = next;
  }

  CacheClass resolve(String key) {
    return current.resolve(key);
  }
}
