package dev.mentor.training.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import dev.mentor.messages.spec.ShiftSpec;
import dev.mentor.messages.spec.SpecName;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ShiftsTest {
  private static final float EPS = 1e-6f;

  private static float[][] shift(float[][] rows, String type, double severity) {
    return TestImages.rowsOf(Shifts.apply(TestImages.single(rows), new ShiftSpec(SpecName.parse(ShiftSpec.Type.class, type), severity), 1), 0);
  }

  private static void assertRows(float[][] actual, float[][] expected) {
    assertThat(actual).hasDimensions(expected.length, expected[0].length);
    for (int y = 0; y < expected.length; y++) {
      for (int x = 0; x < expected[y].length; x++) {
        assertThat(actual[y][x]).as("pixel (%d, %d)", y, x).isCloseTo(expected[y][x], offset(EPS));
      }
    }
  }

  private static float[][] constant(int height, int width, float value) {
    float[][] rows = new float[height][width];
    for (float[] row : rows) {
      Arrays.fill(row, value);
    }
    return rows;
  }

  private static double sum(float[][] rows) {
    return Arrays.stream(rows).mapToDouble(row -> {
      double s = 0;
      for (float v : row) {
        s += v;
      }
      return s;
    }).sum();
  }

  @Test
  void contrast_pullsPixelsTowardsImageMean() {
    float[][] out = shift(new float[][] {{0f, 0.2f}, {0.4f, 0.6f}}, "contrast", 0.5);
    assertRows(out, new float[][] {{0.15f, 0.25f}, {0.35f, 0.45f}});
  }

  @Test
  void contrast_multiChannel_usesEachChannelsOwnMean() {
    ImageSet twoChannels = new ImageSet(new float[] {0f, 1f, 0.4f, 0.6f}, new int[1], new long[1], 2, 1, 2);
    ImageSet out = Shifts.apply(twoChannels, new ShiftSpec(ShiftSpec.Type.CONTRAST, 0.5), 1);
    assertThat(out.rawPixels()).containsExactly(new float[] {0.25f, 0.75f, 0.45f, 0.55f}, offset(EPS));
  }

  @Test
  void brightness_addsOffsetAndClipsToUnitRange() {
    assertRows(shift(new float[][] {{0.1f, 0.9f}}, "brightness", 0.3), new float[][] {{0.4f, 1f}});
    assertRows(shift(new float[][] {{0.1f, 0.9f}}, "brightness", -0.5), new float[][] {{0f, 0.4f}});
  }

  @Test
  void inversion_blendsImageWithItsNegative() {
    assertRows(shift(new float[][] {{0f, 0.25f, 1f}}, "inversion", 1), new float[][] {{1f, 0.75f, 0f}});
    assertRows(shift(new float[][] {{0f, 0.25f, 1f}}, "inversion", 0.25), new float[][] {{0.25f, 0.375f, 0.75f}});
  }

  @Test
  void rotation_ninetyDegrees_turnsImageCounterClockwise() {
    float[][] image = {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}};
    assertRows(shift(image, "rotation", 90), new float[][] {{3, 6, 9}, {2, 5, 8}, {1, 4, 7}});
    assertRows(shift(image, "rotation", -90), new float[][] {{7, 4, 1}, {8, 5, 2}, {9, 6, 3}});
    assertRows(shift(image, "rotation", 180), new float[][] {{9, 8, 7}, {6, 5, 4}, {3, 2, 1}});
  }

  @Test
  void rotation_fortyFiveDegrees_keepsCentreAndFillsUncoveredCornersFromZero() {
    float[][] out = shift(constant(3, 3, 1f), "rotation", 45);
    assertThat(out[1][1]).isCloseTo(1f, offset(EPS));
    // The corner samples the source at (1, 1 - sqrt 2), i.e. 0.586 of the way from outside (0) to row 0 (1).
    assertThat(out[0][0]).isCloseTo((float) (2 - Math.sqrt(2)), offset(1e-5f));
  }

  @Test
  void downsample_averagesBlocksAndKeepsSize() {
    float[][] image = {{0, 2, 4, 4}, {2, 4, 4, 4}, {1, 1, 0, 0}, {1, 1, 0, 8}};
    assertRows(shift(image, "downsample", 2),
        new float[][] {{2, 2, 4, 4}, {2, 2, 4, 4}, {1, 1, 2, 2}, {1, 1, 2, 2}});
  }

  @Test
  void downsample_sideNotDivisibleByFactor_averagesPartialBlocks() {
    float[][] image = {{0, 4, 6}, {4, 0, 2}, {3, 5, 9}};
    assertRows(shift(image, "downsample", 2), new float[][] {{2, 2, 4}, {2, 2, 4}, {4, 4, 9}});
  }

  @Test
  void occlusion_zeroesExactlyOneSquareOfRoundedSide() {
    float[][] out = shift(constant(10, 10, 1f), "occlusion", 0.33);
    int zeros = 0;
    int minY = 10;
    int maxY = -1;
    int minX = 10;
    int maxX = -1;
    for (int y = 0; y < 10; y++) {
      for (int x = 0; x < 10; x++) {
        if (out[y][x] == 0f) {
          zeros++;
          minY = Math.min(minY, y);
          maxY = Math.max(maxY, y);
          minX = Math.min(minX, x);
          maxX = Math.max(maxX, x);
        }
      }
    }
    assertThat(zeros).isEqualTo(9);
    assertThat(maxY - minY).isEqualTo(2);
    assertThat(maxX - minX).isEqualTo(2);
  }

  @Test
  void occlusion_positionDependsOnSampleIdNotOnBatchPosition() {
    int per = 8 * 8;
    float[] ones = new float[3 * per];
    Arrays.fill(ones, 1f);
    ImageSet batch = new ImageSet(ones, new int[3], new long[] {5, 6, 7}, 1, 8, 8);
    ShiftSpec occlusion = new ShiftSpec(ShiftSpec.Type.OCCLUSION, 0.4);

    ImageSet whole = Shifts.apply(batch, occlusion, 11);
    ImageSet alone = Shifts.apply(batch.subset(new int[] {2}), occlusion, 11);

    assertThat(Arrays.copyOfRange(whole.rawPixels(), 2 * per, 3 * per)).containsExactly(alone.rawPixels());
    assertThat(Arrays.copyOfRange(whole.rawPixels(), 0, per))
        .as("different samples get different positions")
        .isNotEqualTo(Arrays.copyOfRange(whole.rawPixels(), per, 2 * per));
  }

  @Test
  void blur_sigmaZero_leavesImageUnchanged() {
    float[][] image = {{0, 1, 0}, {0.5f, 0, 0.25f}};
    assertRows(shift(image, "blur", 0), image);
  }

  @Test
  void blur_interiorImpulse_spreadsSymmetricallyAndKeepsItsSum() {
    float[][] impulse = new float[15][15];
    impulse[7][7] = 1f;
    float[][] out = shift(impulse, "blur", 1.0);

    assertThat(sum(out)).isCloseTo(1.0, offset(1e-5));
    assertThat(out[7][7]).isLessThan(0.2f).isGreaterThan(out[7][8]);
    assertThat(out[7][8]).isCloseTo(out[8][7], offset(EPS)).isCloseTo(out[6][7], offset(EPS));
    // Radius ceil(3 sigma) = 3: nothing reaches four pixels away.
    assertThat(out[7][11]).isZero();
    assertThat(out[7][10]).isPositive();
  }

  @Test
  void blur_uniformImage_staysUniformUpToTheBorder() {
    assertRows(shift(constant(5, 5, 0.6f), "blur", 1.5), constant(5, 5, 0.6f));
  }

  @Test
  void noise_isSeededPerSampleClippedAndOfRoughlyTheRequestedSpread() {
    int per = 64 * 64;
    float[] grey = new float[2 * per];
    Arrays.fill(grey, 0.5f);
    ImageSet batch = new ImageSet(grey, new int[2], new long[] {1, 2}, 1, 64, 64);
    ShiftSpec noise = new ShiftSpec(ShiftSpec.Type.NOISE, 0.1);

    float[] out = Shifts.apply(batch, noise, 3).rawPixels();
    float[] again = Shifts.apply(batch.subset(new int[] {1}), noise, 3).rawPixels();
    float[] otherSeed = Shifts.apply(batch, noise, 4).rawPixels();

    assertThat(Arrays.copyOfRange(out, per, 2 * per)).containsExactly(again);
    assertThat(out).isNotEqualTo(otherSeed);
    double sumSquares = 0;
    for (float v : out) {
      assertThat(v).isBetween(0f, 1f);
      sumSquares += (v - 0.5) * (v - 0.5);
    }
    assertThat(Math.sqrt(sumSquares / out.length)).isCloseTo(0.1, offset(0.01));
  }

  @Test
  void noise_onBrightPixels_isClippedAtOne() {
    float[] out = Shifts.apply(TestImages.single(constant(16, 16, 1f)), new ShiftSpec(ShiftSpec.Type.NOISE, 0.5), 3).rawPixels();
    for (float v : out) {
      assertThat(v).isBetween(0f, 1f);
    }
    assertThat(out).contains(1f);
  }

  @Test
  void apply_keepsLabelsIdsAndShape() {
    ImageSet set = TestImages.labelled(6, 3, 4, 5, 100);
    ImageSet out = Shifts.apply(set, new ShiftSpec(ShiftSpec.Type.ROTATION, 30.0), 1);
    assertThat(out.labels()).containsExactly(set.labels());
    assertThat(out.sampleIds()).containsExactly(set.sampleIds());
    assertThat(out.height()).isEqualTo(4);
    assertThat(out.width()).isEqualTo(5);
  }

  @Test
  void apply_doesNotModifyTheInputSet() {
    ImageSet set = TestImages.single(new float[][] {{0.2f, 0.8f}});
    Shifts.apply(set, new ShiftSpec(ShiftSpec.Type.INVERSION, 1.0), 1);
    assertThat(set.rawPixels()).containsExactly(0.2f, 0.8f);
  }
}
