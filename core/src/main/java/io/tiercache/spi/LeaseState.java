package io.tiercache.spi;

/** Who may load a key from the source right now (DESIGN invariant 4). */
public enum LeaseState {
  /** The caller holds the lease and is the one node that loads. */
  GRANTED,
  /** Another caller, possibly on another node, holds the lease and is loading. */
  HELD_ELSEWHERE,
  /** No lease was asked for: a value is present (fresh or not; the caller judges). */
  NONE
}
