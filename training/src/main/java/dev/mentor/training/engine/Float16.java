package dev.mentor.training.engine;

/**
 * IEEE 754 binary16 ("half") conversion of single floats, as Java 20's
 * {@code Float.floatToFloat16}/{@code float16ToFloat} do (not available on Java 17): rounding to
 * the nearest half, ties to even, with subnormals, infinities and NaN kept (a NaN stays a NaN, its
 * payload's top bits kept). Used where weights are stored in half precision ({@code WeightDelta}).
 */
public final class Float16 {
  private Float16() {}

  /** The half nearest to {@code value} (ties to even), as its 16 bits. */
  public static short fromFloat(float value) {
    int bits = Float.floatToRawIntBits(value);
    int sign = (bits >>> 16) & 0x8000;
    int exponent = (bits >>> 23) & 0xff;
    int mantissa = bits & 0x7fffff;
    if (exponent == 0xff) {
      // Infinity, or NaN with its payload's top bits (at least one set, so it stays a NaN).
      return (short) (sign | 0x7c00 | (mantissa == 0 ? 0 : 0x200 | (mantissa >>> 13)));
    }
    int halfExponent = exponent - 127 + 15;
    if (halfExponent >= 0x1f) {
      return (short) (sign | 0x7c00);
    }
    if (halfExponent <= 0) {
      if (halfExponent < -10) {
        // Below half the smallest subnormal: rounds to zero.
        return (short) sign;
      }
      // Subnormal half: the implicit leading one becomes explicit, shifted into place.
      int full = mantissa | 0x800000;
      int shift = 14 - halfExponent;
      return (short) (sign | roundShift(full, shift));
    }
    // Normal half; a mantissa that rounds up past its top carries into the exponent, as it should.
    return (short) (sign | ((halfExponent << 10) + roundShift(mantissa, 13)));
  }

  /** The float {@code half} (16 bits) stands for, exactly. */
  public static float toFloat(short half) {
    int bits = half & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exponent = (bits >>> 10) & 0x1f;
    int mantissa = bits & 0x3ff;
    if (exponent == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
    }
    if (exponent == 0) {
      // Zero or subnormal: mantissa × 2^-24, exact in a float.
      float magnitude = mantissa * 0x1p-24f;
      return sign == 0 ? magnitude : -magnitude;
    }
    return Float.intBitsToFloat(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
  }

  /** {@code value >> shift}, rounded to nearest with ties to even. */
  private static int roundShift(int value, int shift) {
    int kept = value >>> shift;
    int rest = value & ((1 << shift) - 1);
    int half = 1 << (shift - 1);
    if (rest > half || (rest == half && (kept & 1) == 1)) {
      kept++;
    }
    return kept;
  }
}
