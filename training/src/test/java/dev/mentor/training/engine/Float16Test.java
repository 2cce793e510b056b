package dev.mentor.training.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Float16Test {
  @Test
  void everyHalf_convertsToAFloatAndBackToItself() {
    for (int bits = 0; bits < 1 << 16; bits++) {
      float value = Float16.toFloat((short) bits);
      short back = Float16.fromFloat(value);
      if (Float.isNaN(value)) {
        assertThat(Float.isNaN(Float16.toFloat(back))).as("NaN %04x stays NaN", bits).isTrue();
      } else {
        assertThat(back & 0xffff).as("half %04x (%s)", bits, value).isEqualTo(bits);
      }
    }
  }

  @Test
  void knownValues_roundToNearestEven() {
    assertThat(Float16.fromFloat(1f)).isEqualTo((short) 0x3c00);
    assertThat(Float16.fromFloat(-2f)).isEqualTo((short) 0xc000);
    assertThat(Float16.fromFloat(65504f)).isEqualTo((short) 0x7bff);
    assertThat(Float16.fromFloat(65520f)).as("halfway past the largest half rounds to infinity").isEqualTo((short) 0x7c00);
    assertThat(Float16.fromFloat(0x1p-24f)).as("smallest subnormal").isEqualTo((short) 0x0001);
    assertThat(Float16.fromFloat(0x1p-25f)).as("half of it: a tie, to even zero").isEqualTo((short) 0x0000);
    assertThat(Float16.fromFloat(1f + 0x1p-11f)).as("tie between 1 and its successor: to even 1").isEqualTo((short) 0x3c00);
    assertThat(Float16.fromFloat(1f + 3 * 0x1p-11f)).as("tie between odd and even successor: to even").isEqualTo((short) 0x3c02);
    assertThat(Float16.fromFloat(-0f)).isEqualTo((short) 0x8000);
    assertThat(Float16.fromFloat(Float.NEGATIVE_INFINITY)).isEqualTo((short) 0xfc00);
  }

  @Test
  void randomFloats_convertAsTheEngineConvertsThem() {
    Random random = new Random(7);
    float[] values = new float[200_000];
    for (int i = 0; i < values.length; i++) {
      // Magnitudes from far below the subnormals to past the largest half.
      values[i] = (float) ((random.nextBoolean() ? 1 : -1) * Math.pow(2, -30 + 48 * random.nextDouble()));
    }
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray halves = manager.create(values).toType(DataType.FLOAT16, false);
      float[] engine = halves.toType(DataType.FLOAT32, false).toFloatArray();
      for (int i = 0; i < values.length; i++) {
        assertThat(Float16.toFloat(Float16.fromFloat(values[i]))).as("%s", values[i]).isEqualTo(engine[i]);
      }
    }
  }
}
