package dev.mentor.training.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import org.junit.jupiter.api.Test;

class NormalizationTest {
  @Test
  void fit_usesMeanAndStandardDeviationOverAllPixels() {
    ImageSet set = new ImageSet(new float[] {0f, 1f, 0f, 1f}, new int[2], new long[2], 1, 1, 2);
    Normalization n = Normalization.fit(set);
    assertThat(n.mean()).isCloseTo(0.5f, offset(1e-6f));
    assertThat(n.std()).isCloseTo(0.5f, offset(1e-6f));
  }

  @Test
  void fit_onIndices_equalsTheFitOfThoseSamplesWithoutCopyingThem() {
    ImageSet set = new ImageSet(new float[] {0f, 1f, 0.2f, 0.4f, 0.9f, 0.1f}, new int[3], new long[] {0, 1, 2}, 1, 1, 2);
    Normalization picked = Normalization.fit(set, new int[] {0, 2});
    assertThat(picked).isEqualTo(Normalization.fit(set.subset(new int[] {0, 2})));
    assertThat(picked.mean()).isCloseTo(0.5f, offset(1e-6f));
    assertThatThrownBy(() -> Normalization.fit(set, new int[0])).hasMessageContaining("empty");
  }

  @Test
  void fit_constantSet_floorsStdInsteadOfDividingByZero() {
    ImageSet set = new ImageSet(new float[] {0.3f, 0.3f}, new int[1], new long[1], 1, 1, 2);
    assertThat(Normalization.fit(set).std()).isEqualTo(1e-6f);
  }

  @Test
  void applyInPlace_standardisesOnlyTheGivenRange() {
    float[] values = {0f, 1f, 0.5f, 1f};
    new Normalization(0.5f, 0.25f).applyInPlace(values, 1, 3);
    assertThat(values).containsExactly(new float[] {0f, 2f, 0f, 1f}, offset(1e-6f));
  }

  @Test
  void constructor_nonPositiveStd_fails() {
    assertThatThrownBy(() -> new Normalization(0f, 0f)).hasMessageContaining("std");
  }
}
