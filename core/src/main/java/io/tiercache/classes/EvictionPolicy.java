package io.tiercache.classes;

/** How a class's L1 copies are bounded and evicted. */
public enum EvictionPolicy {
  /** Caffeine's Window TinyLFU, bounded by entries or bytes. */
  TINY_LFU,
  /** No L1 copy at all: reads start at L2. For classes whose values must not linger on a node. */
  L2_ONLY
}
