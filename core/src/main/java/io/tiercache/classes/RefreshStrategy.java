package io.tiercache.classes;

/** What happens as an entry approaches its deadline. */
public enum RefreshStrategy {
  /** Nothing: the first read after the deadline loads it again. */
  NONE,
  /** Probabilistic early refresh (XFetch, Vattani et al., VLDB 2015). */
  EARLY_PROBABILISTIC,
  /** Background workers renew recently read entries before they expire. */
  REFRESH_AHEAD
}
