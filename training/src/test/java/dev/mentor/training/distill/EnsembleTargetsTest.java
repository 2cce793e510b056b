package dev.mentor.training.distill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mentor.training.engine.GradMode;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class EnsembleTargetsTest {
  // Batch 1, two members, three classes (sample-major); they disagree on the winning class.
  private static final double[] MEMBER_A = {2, 0, 0};
  private static final double[] MEMBER_B = {0, 0, 4};

  @Test
  void probabilities_byDefault_averageTheMembersTemperedProbabilities() {
    double t = 2;
    double[] a = softmax(MEMBER_A, t);
    double[] b = softmax(MEMBER_B, t);
    double[] expected = {(a[0] + b[0]) / 2, (a[1] + b[1]) / 2, (a[2] + b[2]) / 2};
    assertThat(probabilities(t, false)).containsExactly(toFloats(expected), offset(1e-6f));
  }

  @Test
  void probabilities_averagingLogits_softmaxTheMeanLogits() {
    double t = 2;
    double[] expected = softmax(new double[] {1, 0, 2}, t);
    assertThat(probabilities(t, true)).containsExactly(toFloats(expected), offset(1e-6f));
  }

  @Test
  void probabilities_twoMembers_theConventionsDiffer() {
    float[] averaged = probabilities(2, false);
    float[] fromMeanLogits = probabilities(2, true);
    // by hand: default (0.3413, 0.1592, 0.4995); mean logits (0.3072, 0.1863, 0.5065)
    double distance = 0;
    for (int c = 0; c < 3; c++) {
      distance += Math.abs(averaged[c] - fromMeanLogits[c]);
    }
    assertThat(distance).isGreaterThan(0.06);
  }

  @Test
  void probabilities_singleTeacher_theConventionsAgree() {
    try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
      NDArray single = manager.create(new float[] {1, -1, 0.5f, 3, 0, 0}, new Shape(2, 1, 3));
      float[] averaged = EnsembleTargets.probabilities(single, 4, false).toFloatArray();
      float[] fromMeanLogits = EnsembleTargets.probabilities(single, 4, true).toFloatArray();
      assertThat(averaged).containsExactly(fromMeanLogits, offset(1e-7f));
      assertThat(averaged).containsExactly(toFloats(concat(softmax(new double[] {1, -1, 0.5}, 4), softmax(new double[] {3, 0, 0}, 4))),
          offset(1e-6f));
    }
  }

  @Test
  void meanLogits_averagesOverMembers() {
    try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
      NDArray mean = EnsembleTargets.meanLogits(members(manager));
      assertThat(mean.getShape()).isEqualTo(new Shape(1, 3));
      assertThat(mean.toFloatArray()).containsExactly(1f, 0f, 2f);
    }
  }

  @Test
  void wrongRankOrTemperature_isRejected() {
    try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
      NDArray twoD = manager.create(new float[] {1, 2}, new Shape(1, 2));
      assertThatThrownBy(() -> EnsembleTargets.meanLogits(twoD)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(1, 2)");
      assertThatThrownBy(() -> EnsembleTargets.probabilities(members(manager), 0, false)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  private static float[] probabilities(double temperature, boolean averageLogits) {
    try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
      NDArray targets = EnsembleTargets.probabilities(members(manager), temperature, averageLogits);
      assertThat(targets.getShape()).isEqualTo(new Shape(1, 3));
      return targets.toFloatArray();
    }
  }

  private static NDArray members(NDManager manager) {
    return manager.create(toFloats(concat(MEMBER_A, MEMBER_B)), new Shape(1, 2, 3));
  }

  private static double[] softmax(double[] logits, double temperature) {
    double[] log = SoftTargetLossTest.logSoftmax(logits, temperature);
    double[] out = new double[log.length];
    for (int c = 0; c < log.length; c++) {
      out[c] = Math.exp(log[c]);
    }
    return out;
  }

  private static double[] concat(double[] a, double[] b) {
    double[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static float[] toFloats(double[] values) {
    float[] out = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (float) values[i];
    }
    return out;
  }
}
