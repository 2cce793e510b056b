package dev.mentor.training.distill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mentor.training.engine.GradMode;
import org.junit.jupiter.api.Test;

class FeatureResamplingTest {
  @Test
  void resize_shrinkingByAnIntegerFactor_averagesEachBlock() {
    // one 4×4 plane, values 0..15, pooled over 2×2 blocks
    try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
      NDArray x = manager.arange(16f).reshape(1, 1, 4, 4);
      NDArray y = FeatureResampling.resize(x, 2, 2);
      assertThat(y.getShape()).isEqualTo(new Shape(1, 1, 2, 2));
      assertThat(y.toFloatArray()).containsExactly(new float[] {2.5f, 4.5f, 10.5f, 12.5f}, offset(1e-6f));
    }
  }

  @Test
  void resize_differentFactorsPerAxis_poolTheirOwnBlocks() {
    // (b, h, w) = (2, 2, 6) → (2, 1, 2): blocks of 2 rows × 3 columns
    try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
      NDArray x = manager.arange(24f).reshape(2, 2, 6);
      NDArray y = FeatureResampling.resize(x, 1, 2);
      assertThat(y.getShape()).isEqualTo(new Shape(2, 1, 2));
      // sample 0: (0+1+2+6+7+8)/6 = 4, (3+4+5+9+10+11)/6 = 7; sample 1 adds 12
      assertThat(y.toFloatArray()).containsExactly(new float[] {4f, 7f, 16f, 19f}, offset(1e-6f));
    }
  }

  @Test
  void resize_enlargingByAnIntegerFactor_repeatsEachElement() {
    try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
      NDArray x = manager.create(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, new Shape(1, 2, 2, 2));
      NDArray y = FeatureResampling.resize(x, 4, 4);
      assertThat(y.getShape()).isEqualTo(new Shape(1, 2, 4, 4));
      assertThat(y.toFloatArray()).containsExactly(
          1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4,
          5, 5, 6, 6, 5, 5, 6, 6, 7, 7, 8, 8, 7, 7, 8, 8);
    }
  }

  @Test
  void resize_shrinkingOneAxisAndEnlargingTheOther_handlesEachAxisOnItsOwn() {
    try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
      NDArray x = manager.create(new float[] {1, 2, 3, 4}, new Shape(1, 2, 2));
      NDArray y = FeatureResampling.resize(x, 1, 4);
      assertThat(y.toFloatArray()).containsExactly(2, 2, 3, 3);
    }
  }

  @Test
  void resize_sameSize_returnsTheInput() {
    try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
      NDArray x = manager.ones(new Shape(2, 3, 4, 5));
      assertThat(FeatureResampling.resize(x, 4, 5)).isSameAs(x);
    }
  }

  @Test
  void resize_pooling_passesAnEqualShareOfTheGradientToEachElement() {
    try (NDManager manager = NDManager.newBaseManager(); GradMode tape = GradMode.recording()) {
      NDArray x = manager.arange(16f).reshape(1, 4, 4);
      x.setRequiresGradient(true);
      tape.backward(FeatureResampling.resize(x, 2, 1).sum());
      for (float g : x.getGradient().toFloatArray()) {
        assertThat(g).isCloseTo(0.125f, offset(1e-7f));
      }
    }
  }

  @Test
  void resize_sizesThatAreNotMultiples_isRejectedWithTheReason() {
    try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
      NDArray x = manager.zeros(new Shape(1, 1, 5, 5));
      assertThatThrownBy(() -> FeatureResampling.resize(x, 2, 2))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("spatial size 5x5 cannot be resampled to 2x2: along each axis one size must be an integer multiple of the other");
      NDArray flat = manager.zeros(new Shape(4, 5));
      assertThatThrownBy(() -> FeatureResampling.resize(flat, 1, 1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(4, 5)");
    }
  }

  @Test
  void incompatibility_isNullExactlyWhenResizeCanDoIt() {
    assertThat(FeatureResampling.incompatibility(new long[] {8, 8}, new long[] {4, 4})).isNull();
    assertThat(FeatureResampling.incompatibility(new long[] {2, 16, 2, 2}, new long[] {2, 64, 6, 4})).isNull();
    assertThat(FeatureResampling.incompatibility(new long[] {7, 7}, new long[] {7, 7})).isNull();
    assertThat(FeatureResampling.incompatibility(new long[] {6, 6}, new long[] {4, 4})).contains("6x6 cannot be resampled to 4x4");
    assertThat(FeatureResampling.incompatibility(new long[] {4, 4}, new long[] {4, 3})).isNotNull();
  }
}
