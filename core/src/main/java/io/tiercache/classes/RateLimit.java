package io.tiercache.classes;

/**
 * The most source loads per second a class may cause across the whole fleet. Zero means unlimited.
 */
public record RateLimit(double perSecond) {
  public static final RateLimit UNLIMITED = new RateLimit(0);

  public RateLimit {
    if (!(perSecond >= 0) || Double.isInfinite(perSecond)) {
      throw new IllegalArgumentException(
          "perSecond must be a finite number >= 0, was " + perSecond);
    }
  }

  public boolean isUnlimited() {
    return perSecond == 0;
  }
}
