package dev.mentor.training.data;

/**
 * Derives independent seeds from a base seed and some identifying numbers (a class index, a sample
 * id, a salt naming the purpose). Mixing with the SplitMix64 finaliser makes nearby inputs, such as
 * consecutive sample ids, give unrelated streams, so per-sample randomness does not depend on the
 * order in which samples are processed.
 */
public final class Seeds {
  private Seeds() {}

  public static long mix(long seed, long value) {
    return finalise(finalise(seed) + 0x9E3779B97F4A7C15L * (value + 1));
  }

  static long mix(long seed, long first, long second) {
    return mix(mix(seed, first), second);
  }

  private static long finalise(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
