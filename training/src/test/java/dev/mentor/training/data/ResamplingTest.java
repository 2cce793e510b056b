package dev.mentor.training.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import org.junit.jupiter.api.Test;

class ResamplingTest {
  @Test
  void resize_enlarging_interpolatesBetweenPixelCentres() {
    float[] out = Resampling.resize(new float[] {0f, 1f}, 1, 2, 1, 4);
    assertThat(out).containsExactly(new float[] {0f, 0.25f, 0.75f, 1f}, offset(1e-6f));
  }

  @Test
  void resize_shrinkingByNonIntegerFactor_averagesCoveredArea() {
    // Each of the 2 targets covers 1.5 source pixels: [0, 1.5) and [1.5, 3).
    float[] out = Resampling.resize(new float[] {0.3f, 0.6f, 0.9f}, 1, 3, 1, 2);
    assertThat(out).containsExactly(new float[] {0.4f, 0.8f}, offset(1e-6f));
  }

  @Test
  void resize_sameSize_returnsACopy() {
    float[] src = {0.5f};
    float[] out = Resampling.resize(src, 1, 1, 1, 1);
    assertThat(out).containsExactly(0.5f).isNotSameAs(src);
  }
}
