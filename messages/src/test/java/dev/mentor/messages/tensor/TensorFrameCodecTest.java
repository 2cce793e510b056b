package dev.mentor.messages.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TensorFrameCodecTest {
  private static TensorFrame logits(TensorFrame.DType dtype, float... values) {
    return new TensorFrame("exp", "teacher", "teacher", "logits", 3, 7, new long[] {11, 12}, dtype, new long[] {2, values.length / 2}, values);
  }

  @Test
  void float32FramesRoundTripExactly() {
    SplittableRandom random = new SplittableRandom(1);
    float[] values = new float[2 * 16 * 7 * 7];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) random.nextGaussian() * 10;
    }
    TensorFrame frame = new TensorFrame("exp-é", "kd-t4", "ensemble-member-2", "features", 1, 0, new long[] {5, 9},
        TensorFrame.DType.FLOAT32, new long[] {2, 16, 7, 7}, values, "stage2");
    byte[] bytes = TensorFrameCodec.encode(frame);
    assertThat(TensorFrameCodec.decode(bytes)).isEqualTo(frame);
    assertThat(TensorFrameCodec.decode(bytes).name()).isEqualTo("stage2");
    assertThat(bytes.length).isEqualTo(4 + 2 + 1 + 1 + (2 + 6) + (2 + 5) + (2 + 17) + (2 + 8) + (2 + 6) + 12 + 16 + 32 + values.length * 4);
  }

  @Test
  void float16HalvesThePayloadAndKeepsThreeSignificantDigits() {
    float[] values = {0.1f, -2.5f, 1000f, 3.14159f, 65504f, -1e-3f};
    TensorFrame frame = logits(TensorFrame.DType.FLOAT16, values);
    byte[] half = TensorFrameCodec.encode(frame);
    byte[] full = TensorFrameCodec.encode(logits(TensorFrame.DType.FLOAT32, values));
    assertThat(full.length - half.length).isEqualTo(values.length * 2);
    float[] decoded = TensorFrameCodec.decode(half).values();
    for (int i = 0; i < values.length; i++) {
      assertThat(decoded[i]).isCloseTo(values[i], org.assertj.core.data.Percentage.withPercentage(0.05));
    }
    assertThat(decoded[1]).isEqualTo(-2.5f);
    assertThat(decoded[4]).isEqualTo(65504f);
  }

  @Test
  void float16ConversionMatchesKnownBitPatterns() {
    assertThat(TensorFrameCodec.toHalf(1f)).isEqualTo((short) 0x3C00);
    assertThat(TensorFrameCodec.toHalf(-2f)).isEqualTo((short) 0xC000);
    assertThat(TensorFrameCodec.toHalf(65504f)).isEqualTo((short) 0x7BFF);
    assertThat(TensorFrameCodec.toHalf(70000f)).as("overflow to infinity").isEqualTo((short) 0x7C00);
    assertThat(TensorFrameCodec.toHalf(5.9604645e-8f)).as("smallest subnormal").isEqualTo((short) 0x0001);
    assertThat(TensorFrameCodec.toHalf(1f + 1f / 2048)).as("halfway rounds to even").isEqualTo((short) 0x3C00);
    assertThat(TensorFrameCodec.toHalf(1f + 3f / 2048)).as("halfway rounds to even (up)").isEqualTo((short) 0x3C02);
    assertThat(TensorFrameCodec.fromHalf((short) 0x0001)).isEqualTo(5.9604645e-8f);
    assertThat(TensorFrameCodec.fromHalf((short) 0x7C00)).isEqualTo(Float.POSITIVE_INFINITY);
    assertThat(TensorFrameCodec.fromHalf(TensorFrameCodec.toHalf(Float.NaN))).isNaN();
    for (int bits = 0; bits < 0x7C00; bits++) {
      float f = TensorFrameCodec.fromHalf((short) bits);
      assertThat(TensorFrameCodec.toHalf(f)).as("round trip of 0x%04x", bits).isEqualTo((short) bits);
    }
  }

  @Test
  void damagedFramesAreRejectedWithTheReason() {
    byte[] good = TensorFrameCodec.encode(logits(TensorFrame.DType.FLOAT32, 1, 2, 3, 4));
    assertThatThrownBy(() -> TensorFrameCodec.decode(Arrays.copyOf(good, good.length - 1))).hasMessageContaining("payload bytes");
    assertThatThrownBy(() -> TensorFrameCodec.decode(Arrays.copyOf(good, 10))).hasMessageContaining("truncated");
    assertThatThrownBy(() -> TensorFrameCodec.decode(Arrays.copyOf(good, good.length + 4))).hasMessageContaining("payload bytes");
    byte[] magic = good.clone();
    magic[0] = 'X';
    assertThatThrownBy(() -> TensorFrameCodec.decode(magic)).hasMessageContaining("bad magic");
    byte[] version = good.clone();
    version[4] = 3;
    assertThatThrownBy(() -> TensorFrameCodec.decode(version)).hasMessageContaining("version 3");
  }

  @Test
  void versionOneFramesWithoutANameAreStillRead() {
    TensorFrame frame = logits(TensorFrame.DType.FLOAT32, 1, 2, 3, 4);
    byte[] v2 = TensorFrameCodec.encode(frame);
    // Version 1: the same layout without the name string (u16 length + "logits", just before the epoch).
    int nameAt = 4 + 2 + 1 + 1 + (2 + 3) + (2 + 7) + (2 + 7) + (2 + 6);
    byte[] v1 = new byte[v2.length - (2 + 6)];
    System.arraycopy(v2, 0, v1, 0, nameAt);
    System.arraycopy(v2, nameAt + 2 + 6, v1, nameAt, v2.length - nameAt - 2 - 6);
    v1[4] = 1;
    assertThat(TensorFrameCodec.decode(v1)).isEqualTo(frame);
  }

  @Test
  void aFrameMustDescribeItsOwnPayload() {
    assertThatThrownBy(() -> new TensorFrame("e", "a", "teacher", "logits", 1, 0, new long[] {1, 2}, TensorFrame.DType.FLOAT32,
        new long[] {3, 2}, new float[6])).hasMessageContaining("batch size 2");
    assertThatThrownBy(() -> new TensorFrame("e", "a", "teacher", "logits", 1, 0, new long[] {1, 2}, TensorFrame.DType.FLOAT32,
        new long[] {2, 2}, new float[5])).hasMessageContaining("holds 4 values, got 5");
    assertThatThrownBy(() -> new TensorFrame("e", "a", "teacher", "gradients", 1, 0, new long[] {1}, TensorFrame.DType.FLOAT32,
        new long[] {1}, new float[1])).hasMessageContaining("kind must be one of");
  }

  @Test
  void studentsRefuseAFrameOfOtherSamples() {
    TensorFrame frame = logits(TensorFrame.DType.FLOAT32, 1, 2, 3, 4);
    frame.requireAligned(new long[] {11, 12});
    assertThatThrownBy(() -> frame.requireAligned(new long[] {12, 11})).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("misaligned").hasMessageContaining("sample 0 is 11 in the frame and 12 in the batch");
    assertThatThrownBy(() -> frame.requireAligned(new long[] {11, 12, 13})).hasMessageContaining("missing in the frame");
  }
}
