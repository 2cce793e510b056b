package dev.mentor.training.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.mentor.messages.record.EvalMetrics;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsTest {
  /**
   * Five samples, three classes:
   * <pre>
   * sample  label  probabilities        predicted  confidence  bin (floor(15·conf))  hit
   *   0       0    0.70 0.20 0.10          0          0.70        10                 yes
   *   1       1    0.50 0.30 0.20          0          0.50         7                 no
   *   2       2    0.05 0.05 0.90          2          0.90        13                 yes
   *   3       0    0.72 0.18 0.10          0          0.72        10                 yes
   *   4       1    0.71 0.19 0.10          0          0.71        10                 no
   * </pre>
   */
  private static Predictions fiveSamples() {
    float[] p = {
        0.70f, 0.20f, 0.10f,
        0.50f, 0.30f, 0.20f,
        0.05f, 0.05f, 0.90f,
        0.72f, 0.18f, 0.10f,
        0.71f, 0.19f, 0.10f};
    return new Predictions(p, new int[] {0, 1, 2, 0, 1}, new long[] {10, 11, 12, 13, 14}, 3);
  }

  @Test
  void accuracy_countsArgmaxHits() {
    EvalMetrics m = Metrics.of(fiveSamples());
    assertThat(m.samples()).isEqualTo(5);
    assertThat(m.accuracy()).isCloseTo(3 / 5.0, within(1e-12));
  }

  @Test
  void nll_isTheMeanNegativeNaturalLogOfTheTrueClassProbability() {
    double expected = -(Math.log(0.70f) + Math.log(0.30f) + Math.log(0.90f) + Math.log(0.72f) + Math.log(0.19f)) / 5;
    assertThat(Metrics.of(fiveSamples()).nll()).isCloseTo(expected, within(1e-9));
    assertThat(expected).isCloseTo(0.73105, within(1e-5)); // (0.3567 + 1.2040 + 0.1054 + 0.3285 + 1.6607) / 5
  }

  @Test
  void ece_pools15EqualWidthBinsWeightedBySize() {
    // bin 10: confidences 0.70 + 0.72 + 0.71 = 2.13, hits 2  -> |2 - 2.13| = 0.13
    // bin  7: confidence 0.50, hits 0                          -> 0.50
    // bin 13: confidence 0.90, hits 1                          -> 0.10
    // ECE = (0.13 + 0.50 + 0.10) / 5 = 0.146
    // (Per-sample gaps would give 0.378; a single bin |3 - 3.53| / 5 = 0.106.)
    assertThat(Metrics.of(fiveSamples()).ece()).isCloseTo(0.146, within(1e-6));
  }

  @Test
  void perClassAccuracy_isHitsOverSamplesOfThatTrueClass() {
    // class 0: samples 0 and 3 both right; class 1: samples 1 and 4 both predicted 0; class 2: sample 2 right
    assertThat(Metrics.of(fiveSamples()).perClassAccuracy()).containsExactly(1.0, 0.0, 1.0);
  }

  @Test
  void confusion_isIndexedTrueThenPredicted() {
    assertThat(Metrics.of(fiveSamples()).confusion()).containsExactly(
        List.of(2, 0, 0),  // true 0: predicted 0 twice
        List.of(2, 0, 0),  // true 1: predicted 0 twice
        List.of(0, 0, 1)); // true 2: predicted 2
  }

  @Test
  void absentClass_hasNoPerClassAccuracy() {
    Predictions p = new Predictions(new float[] {0.9f, 0.1f, 0f, 0.2f, 0.8f, 0f}, new int[] {0, 0}, new long[] {1, 2}, 3);
    EvalMetrics m = Metrics.of(p);
    assertThat(m.perClassAccuracy()).containsExactly(0.5, null, null);
    assertThat(m.confusion()).containsExactly(List.of(1, 1, 0), List.of(0, 0, 0), List.of(0, 0, 0));
  }

  @Test
  void fullConfidence_fallsInTheLastBin_andAZeroProbabilityIsFloored() {
    // sample 0: certain and right; sample 1: certain of class 1 but labelled 0, true class probability 0
    Predictions p = new Predictions(new float[] {1f, 0f, 0f, 1f}, new int[] {0, 0}, new long[] {1, 2}, 2);
    EvalMetrics m = Metrics.of(p);
    assertThat(m.accuracy()).isEqualTo(0.5);
    assertThat(m.nll()).isCloseTo(-Math.log(1e-12) / 2, within(1e-9));
    // both in bin 14: |1 - 2| / 2
    assertThat(m.ece()).isCloseTo(0.5, within(1e-12));
  }

  @Test
  void perfectlyCalibratedBins_giveZeroEce() {
    // two samples at confidence 0.5 in one bin, one right and one wrong
    Predictions p = new Predictions(new float[] {0.5f, 0.4f, 0.1f, 0.5f, 0.4f, 0.1f}, new int[] {0, 1}, new long[] {1, 2}, 3);
    assertThat(Metrics.of(p).ece()).isCloseTo(0.0, within(1e-12));
  }

  @Test
  void tiedProbabilities_predictTheLowestClass() {
    Predictions p = new Predictions(new float[] {0.4f, 0.4f, 0.2f}, new int[] {1}, new long[] {1}, 3);
    assertThat(p.predicted(0)).isZero();
    assertThat(Metrics.of(p).confusion().get(1)).containsExactly(1, 0, 0);
  }

  @Test
  void noSamples_giveNaNAccuracyAndNll() {
    EvalMetrics m = Metrics.of(new Predictions(new float[0], new int[0], new long[0], 2));
    assertThat(m.samples()).isZero();
    assertThat(m.accuracy()).isNaN();
    assertThat(m.nll()).isNaN();
    assertThat(m.ece()).isZero();
    assertThat(m.perClassAccuracy()).containsExactly(null, null);
    assertThat(Arrays.asList(m.confusion().toArray())).hasSize(2);
  }
}
