package dev.mentor.training.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AugmentationTest {
  /** {@code count} 5x5 single-channel samples with one bright pixel at the centre. */
  private static float[] centredDots(int count) {
    float[] batch = new float[count * 25];
    for (int i = 0; i < count; i++) {
      batch[i * 25 + 12] = 1f;
    }
    return batch;
  }

  @Test
  void none_isIdentityAndLeavesBatchUntouched() {
    float[] batch = centredDots(3);
    Augmentation.none().applyInPlace(batch, 3, 1, 5, 5, new SplittableRandom(1));
    assertThat(Augmentation.none().isIdentity()).isTrue();
    assertThat(batch).containsExactly(centredDots(3));
    assertThat(new Augmentation(1, false, 0).isIdentity()).isFalse();
  }

  @Test
  void constructor_negativeCropPadding_failsNamingField() {
    assertThatThrownBy(() -> new Augmentation(-1, false, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cropPadding");
  }

  @Test
  void constructor_negativeNoiseStd_failsNamingField() {
    assertThatThrownBy(() -> new Augmentation(0, false, -0.1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("noiseStd");
  }

  @Test
  void crop_translatesByAtMostThePadding() {
    float[] batch = centredDots(50);
    new Augmentation(1, false, 0).applyInPlace(batch, 50, 1, 5, 5, new SplittableRandom(3));

    boolean moved = false;
    for (int i = 0; i < 50; i++) {
      float[] sample = Arrays.copyOfRange(batch, i * 25, (i + 1) * 25);
      int position = -1;
      for (int p = 0; p < 25; p++) {
        if (sample[p] == 1f) {
          assertThat(position).as("one bright pixel in sample %d", i).isEqualTo(-1);
          position = p;
        }
      }
      assertThat(Math.abs(position / 5 - 2)).isLessThanOrEqualTo(1);
      assertThat(Math.abs(position % 5 - 2)).isLessThanOrEqualTo(1);
      moved |= position != 12;
    }
    assertThat(moved).isTrue();
  }

  @Test
  void crop_shiftedOutContentIsReplacedByZeros() {
    float[] ones = new float[200 * 9];
    Arrays.fill(ones, 1f);
    new Augmentation(2, false, 0).applyInPlace(ones, 200, 1, 3, 3, new SplittableRandom(5));

    double mean = 0;
    for (float v : ones) {
      mean += v / ones.length;
    }
    assertThat(mean).isLessThan(0.8);
  }

  @Test
  void flip_mirrorsRowsOfSomeSamplesAndLeavesOthers() {
    float[] batch = new float[40 * 3];
    for (int i = 0; i < 40; i++) {
      batch[i * 3] = 0.1f;
      batch[i * 3 + 1] = 0.2f;
      batch[i * 3 + 2] = 0.3f;
    }
    new Augmentation(0, true, 0).applyInPlace(batch, 40, 1, 1, 3, new SplittableRandom(2));

    int flipped = 0;
    for (int i = 0; i < 40; i++) {
      float[] sample = Arrays.copyOfRange(batch, i * 3, i * 3 + 3);
      assertThat(sample).satisfiesAnyOf(
          s -> assertThat(s).containsExactly(0.1f, 0.2f, 0.3f),
          s -> assertThat(s).containsExactly(0.3f, 0.2f, 0.1f));
      flipped += sample[0] == 0.3f ? 1 : 0;
    }
    assertThat(flipped).isBetween(8, 32);
  }

  @Test
  void applyInPlace_keepsRangeAndIsDeterministicForOneSeed() {
    Augmentation augmentation = new Augmentation(2, true, 0.3);
    float[] a = TestImages.labelled(10, 2, 6, 6, 0).rawPixels().clone();
    float[] b = a.clone();

    augmentation.applyInPlace(a, 10, 1, 6, 6, new SplittableRandom(9));
    augmentation.applyInPlace(b, 10, 1, 6, 6, new SplittableRandom(9));

    assertThat(a).hasSize(360).containsExactly(b);
    for (float v : a) {
      assertThat(v).isBetween(0f, 1f);
    }
    float[] c = TestImages.labelled(10, 2, 6, 6, 0).rawPixels().clone();
    augmentation.applyInPlace(c, 10, 1, 6, 6, new SplittableRandom(10));
    assertThat(c).isNotEqualTo(a);
  }

  @Test
  void applyInPlace_onlyTouchesTheFirstCountSamples() {
    float[] batch = centredDots(3);
    new Augmentation(0, false, 0.5).applyInPlace(batch, 2, 1, 5, 5, new SplittableRandom(1));
    assertThat(Arrays.copyOfRange(batch, 50, 75)).containsExactly(Arrays.copyOfRange(centredDots(3), 50, 75));
  }

  @Test
  void applyInPlace_batchShorterThanCount_fails() {
    assertThatThrownBy(() -> new Augmentation(1, false, 0).applyInPlace(new float[24], 1, 1, 5, 5, new SplittableRandom(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("holds 24 values");
  }
}
