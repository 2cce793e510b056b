package dev.mentor.training.distill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mentor.messages.spec.DistillSpec.Average;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.training.eval.Predictions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The dark-knowledge view on a synthetic teacher whose similarity structure is known: 5 classes,
 * each sample's logit of its own class is {@code A}, and classes 2 and 4 also give each other
 * {@code B} (every other logit 0), so 2/4 is the one confused pair and every number has a closed form.
 */
class DarkKnowledgeTest {
  private static final List<String> NAMES = List.of("zero", "one", "two", "three", "four");
  private static final int K = NAMES.size();
  private static final double A = 6;
  private static final double B = 4;
  private static final int PER_CLASS = 3;
  private static final List<Double> TEMPERATURES = List.of(1.0, 2.0, 4.0, 8.0, 20.0);

  private static int[] labels() {
    int[] labels = new int[K * PER_CLASS];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = i % K;
    }
    return labels;
  }

  private static float[] logits(int label) {
    float[] z = new float[K];
    z[label] = (float) A;
    if (label == 2) {
      z[4] = (float) B;
    } else if (label == 4) {
      z[2] = (float) B;
    }
    return z;
  }

  /** One member's logits of every sample, sample-major. */
  private static float[] teacherLogits() {
    int[] labels = labels();
    float[] all = new float[labels.length * K];
    for (int i = 0; i < labels.length; i++) {
      System.arraycopy(logits(labels[i]), 0, all, i * K, K);
    }
    return all;
  }

  private static DarkKnowledge view(List<Double> temperatures) {
    return DarkKnowledge.of("synthetic", "test", teacherLogits(), 1, labels(), NAMES, temperatures, Average.PROBABILITIES);
  }

  private static double[] softmax(double[] z, double t) {
    double[] e = Arrays.stream(z).map(v -> Math.exp(v / t)).toArray();
    double sum = Arrays.stream(e).sum();
    return Arrays.stream(e).map(v -> v / sum).toArray();
  }

  @Test
  void topPair_isTheConfusedPairTwoAndFour_atEveryTemperature_withItsNames() {
    DarkKnowledge view = view(TEMPERATURES);
    for (double t : TEMPERATURES) {
      List<DarkKnowledge.Pair> pairs = view.topPairs(t, 3);
      assertThat(pairs.get(0).first()).as("T = %s", t).isEqualTo(2);
      assertThat(pairs.get(0).second()).isEqualTo(4);
      assertThat(pairs.get(0).names()).isEqualTo("two / four");
      assertThat(pairs.get(0).mass()).isGreaterThan(pairs.get(1).mass());
    }
  }

  @Test
  void meanSoftTargets_rowsSumToOne_symmetricConfusion_andEqualTheClosedForm() {
    DarkKnowledge view = view(TEMPERATURES);
    for (DarkKnowledge.Level level : view.levels()) {
      double[][] m = level.meanSoftTargets();
      for (int i = 0; i < K; i++) {
        assertThat(Arrays.stream(m[i]).sum()).isCloseTo(1.0, within(1e-12));
      }
      // Symmetric where the construction is: the confused pair, and the classes confused with nothing among themselves.
      assertThat(m[2][4]).isCloseTo(m[4][2], within(1e-12));
      for (int i : new int[] {0, 1, 3}) {
        for (int j : new int[] {0, 1, 3}) {
          assertThat(m[i][j]).as("(%d, %d)", i, j).isCloseTo(m[j][i], within(1e-12));
        }
      }
      double t = level.temperature();
      double[] two = softmax(new double[] {0, 0, A, 0, B}, t);
      assertThat(m[2][4]).isCloseTo(two[4], within(1e-12));
      assertThat(m[2][2]).isCloseTo(two[2], within(1e-12));
      assertThat(m[0][0]).isCloseTo(Math.exp(A / t) / (Math.exp(A / t) + 4), within(1e-12));
      assertThat(view.pairMass(t, 2, 4)).isCloseTo(two[4], within(1e-12));
    }
    // T = 2 by hand: class 2's soft target keeps e^3 / (e^3 + e^2 + 3) = 0.6591 and gives class 4 e^2 / (e^3 + e^2 + 3) = 0.2425.
    assertThat(view.level(2.0).meanSoftTargets()[2][2]).isCloseTo(0.6591, within(1e-4));
    assertThat(view.level(2.0).meanSoftTargets()[2][4]).isCloseTo(0.2425, within(1e-4));
  }

  @Test
  void entropy_growsWithTemperature_towardLnC_andTheRowsTowardUniform() {
    DarkKnowledge view = view(List.of(0.5, 1.0, 2.0, 4.0, 8.0, 20.0, 1e6));
    List<DarkKnowledge.Level> levels = view.levels();
    for (int i = 1; i < levels.size(); i++) {
      assertThat(levels.get(i).meanEntropy()).as("T = %s", levels.get(i).temperature()).isGreaterThan(levels.get(i - 1).meanEntropy());
      assertThat(levels.get(i).diagonalMass()).isLessThan(levels.get(i - 1).diagonalMass());
    }
    DarkKnowledge.Level hot = levels.get(levels.size() - 1);
    assertThat(hot.meanEntropy()).isCloseTo(Math.log(K), within(1e-6));
    assertThat(hot.entropyFraction()).isCloseTo(1.0, within(1e-6));
    for (double[] row : hot.meanSoftTargets()) {
      for (double p : row) {
        assertThat(p).isCloseTo(1.0 / K, within(1e-5));
      }
    }
    assertThat(levels.get(0).entropyFraction()).isLessThan(0.2);
  }

  @Test
  void temperatures_zeroNegativeNaNOrNone_areRefusedNamingTheField() {
    assertThatThrownBy(() -> view(List.of(1.0, 2.0, -1.0))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("temperatures[2] must be > 0, got -1");
    assertThatThrownBy(() -> DarkKnowledge.temperatures("--temperatures", List.of(0.0))).hasMessage("--temperatures[0] must be > 0, got 0");
    assertThatThrownBy(() -> DarkKnowledge.temperatures("temperatures", List.of(4.0, Double.NaN))).hasMessage("temperatures[1] must be > 0, got NaN");
    assertThatThrownBy(() -> DarkKnowledge.temperatures("temperatures", List.of(Double.POSITIVE_INFINITY)))
        .hasMessage("temperatures[0] must be finite, got Infinity");
    assertThatThrownBy(() -> DarkKnowledge.temperatures("temperatures", List.of())).hasMessageStartingWith("temperatures must list at least one");
    assertThat(DarkKnowledge.temperatures("temperatures", List.of(0.5, 4.0))).containsExactly(0.5, 4.0);
  }

  @Test
  void ensemble_softTargets_areWhatEnsembleTargetsGivesAStudent_inBothConventions() {
    // Two members that disagree: member 0 is the synthetic teacher, member 1 shifts every sample's mass to the next class.
    int[] labels = labels();
    int n = labels.length;
    float[] members = new float[n * 2 * K];
    for (int i = 0; i < n; i++) {
      System.arraycopy(logits(labels[i]), 0, members, (i * 2) * K, K);
      System.arraycopy(logits((labels[i] + 1) % K), 0, members, (i * 2 + 1) * K, K);
    }
    for (Average average : Average.values()) {
      double t = 3;
      DarkKnowledge view = DarkKnowledge.of("ensemble", "test", members, 2, labels, NAMES, List.of(t), average);
      double[][] expected = new double[K][K];
      try (NDManager manager = NDManager.newBaseManager()) {
        NDArray z = manager.create(members, new Shape(n, 2, K));
        float[] targets = EnsembleTargets.probabilities(z, t, average == Average.LOGITS).toFloatArray();
        for (int i = 0; i < n; i++) {
          for (int c = 0; c < K; c++) {
            expected[labels[i]][c] += targets[i * K + c] / PER_CLASS;
          }
        }
      }
      for (int i = 0; i < K; i++) {
        for (int j = 0; j < K; j++) {
          assertThat(view.level(t).meanSoftTargets()[i][j]).as("%s (%d, %d)", average, i, j).isCloseTo(expected[i][j], within(1e-5));
        }
      }
      assertThat(view.average()).isEqualTo(average.toString());
    }
  }

  @Test
  void fromProbabilities_givesTheViewOfTheLogits_andCountsUnderflowedProbabilities() {
    int[] labels = labels();
    float[] z = teacherLogits();
    float[] p = new float[z.length];
    for (int i = 0; i < labels.length; i++) {
      double[] row = softmax(new double[] {z[i * K], z[i * K + 1], z[i * K + 2], z[i * K + 3], z[i * K + 4]}, 1);
      for (int c = 0; c < K; c++) {
        p[i * K + c] = (float) row[c];
      }
    }
    long[] ids = new long[labels.length];
    Arrays.setAll(ids, i -> 100 + i);
    DarkKnowledge fromLogits = view(TEMPERATURES);
    DarkKnowledge fromProbabilities = DarkKnowledge.ofPredictions("synthetic", "test", List.of(new Predictions(p, labels, ids, K)), NAMES,
        TEMPERATURES, Average.PROBABILITIES);
    for (double t : TEMPERATURES) {
      double[][] a = fromLogits.level(t).meanSoftTargets();
      double[][] b = fromProbabilities.level(t).meanSoftTargets();
      for (int i = 0; i < K; i++) {
        assertThat(b[i]).containsExactly(a[i], within(1e-5));
      }
    }
    assertThat(fromProbabilities.flooredProbabilities()).isZero();

    float[] certain = {1f, 0f, 0f, 0f, 0f};
    DarkKnowledge floored = DarkKnowledge.ofPredictions("certain", "test", List.of(new Predictions(certain, new int[] {0}, new long[] {1}, K)),
        NAMES, List.of(1.0), Average.PROBABILITIES);
    assertThat(floored.flooredProbabilities()).isEqualTo(4);
    assertThat(floored.level(1.0).meanSoftTargets()[0][0]).isCloseTo(1.0, within(1e-12));
  }

  @Test
  void mean_overSeeds_weighsEachClassBySamples_andReadsBackFromJson() {
    DarkKnowledge one = view(List.of(1.0, 4.0));
    List<DarkKnowledge> seeds = new ArrayList<>(List.of(one, one));
    DarkKnowledge mean = DarkKnowledge.mean(seeds);
    assertThat(mean.samples()).isEqualTo(2 * K * PER_CLASS);
    assertThat(mean.level(4.0).meanSoftTargets()[2]).containsExactly(one.level(4.0).meanSoftTargets()[2], within(1e-12));
    assertThat(mean.level(4.0).meanEntropy()).isCloseTo(one.level(4.0).meanEntropy(), within(1e-12));

    DarkKnowledge read = SpecReader.readJson(SpecReader.toJson(one), DarkKnowledge.class);
    assertThat(read.classes()).isEqualTo(NAMES);
    assertThat(read.level(4.0).meanSoftTargets()[2]).containsExactly(one.level(4.0).meanSoftTargets()[2], within(1e-15));
    assertThat(read.topPairs(4.0, 1).get(0).names()).isEqualTo("two / four");
    assertThat(one.nearestTemperature(3.0)).isEqualTo(4.0);
    assertThat(one.nearestTemperature(1.5)).isEqualTo(1.0);
  }
}
