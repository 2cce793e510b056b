package dev.mentor.training.distill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mentor.training.engine.GradMode;
import dev.mentor.training.loop.CrossEntropy;
import org.junit.jupiter.api.Test;

class SoftTargetLossTest {
  // The second row's teacher gives class 0 probability 0: it must add exactly 0, not NaN.
  private static final double[][] TEACHER = {{0.7, 0.2, 0.1}, {0.0, 0.5, 0.5}};
  private static final double[][] STUDENT = {{1, 2, 3}, {0.5, -1, 2}};

  @Test
  void klVariant_atTemperatureTwo_matchesHandComputedBatchMean() {
    double t = 2;
    double expected = 0;
    for (int i = 0; i < 2; i++) {
      double[] logQ = logSoftmax(STUDENT[i], t);
      for (int c = 0; c < 3; c++) {
        double p = TEACHER[i][c];
        expected += p == 0 ? 0 : p * (Math.log(p) - logQ[c]);
      }
    }
    expected = t * t * expected / 2;
    assertThat(loss(new SoftTargetLoss(t, true))).isCloseTo(expected, within(1e-5));
  }

  @Test
  void crossEntropyVariant_atTemperatureTwo_matchesHandComputedBatchMean() {
    double t = 2;
    double expected = 0;
    for (int i = 0; i < 2; i++) {
      double[] logQ = logSoftmax(STUDENT[i], t);
      for (int c = 0; c < 3; c++) {
        expected -= TEACHER[i][c] * logQ[c];
      }
    }
    expected = t * t * expected / 2;
    assertThat(loss(new SoftTargetLoss(t, false))).isCloseTo(expected, within(1e-5));
  }

  @Test
  void variants_differByTheTeachersScaledEntropy() {
    // KL = soft CE − T²·(1/b)·H(p), with H(p) = −Σ p log p.
    double t = 2;
    double entropy = -(0.7 * Math.log(0.7) + 0.2 * Math.log(0.2) + 0.1 * Math.log(0.1) + 2 * 0.5 * Math.log(0.5));
    double difference = loss(new SoftTargetLoss(t, false)) - loss(new SoftTargetLoss(t, true));
    assertThat(difference).isCloseTo(t * t * entropy / 2, within(1e-5));
  }

  @Test
  void softTargets_atTemperatureOne_withOneHotTeacher_equalCrossEntropyOnTeacherArgmax() {
    try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
      NDArray logits = manager.create(new float[] {1, 2, 3, 0.5f, -1, 2}, new Shape(2, 3));
      NDArray oneHot = manager.create(new float[] {0, 1, 0, 0, 0, 1}, new Shape(2, 3));
      NDArray argmax = manager.create(new int[] {1, 2});
      float kd = new SoftTargetLoss(1, true).evaluate(new NDList(oneHot), new NDList(logits)).getFloat();
      float ce = new CrossEntropy().evaluate(new NDList(argmax), new NDList(logits)).getFloat();
      assertThat((double) kd).isCloseTo(ce, within(1e-6));
    }
  }

  @Test
  void kl_isZero_whenTeacherEqualsTemperedStudentSoftmax() {
    double t = 3;
    float[] matching = new float[6];
    for (int i = 0; i < 2; i++) {
      double[] logQ = logSoftmax(STUDENT[i], t);
      for (int c = 0; c < 3; c++) {
        matching[i * 3 + c] = (float) Math.exp(logQ[c]);
      }
    }
    try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
      float kl = new SoftTargetLoss(t, true).evaluate(new NDList(manager.create(matching, new Shape(2, 3))), new NDList(student(manager))).getFloat();
      assertThat((double) kl).isCloseTo(0, within(1e-6));
    }
  }

  @Test
  void gradient_isTemperatureTimesSoftmaxMinusTeacherOverBatchSize_forBothVariants() {
    double t = 2;
    for (boolean kl : new boolean[] {true, false}) {
      try (NDManager manager = NDManager.newBaseManager(); GradMode tape = GradMode.recording()) {
        NDArray logits = student(manager);
        logits.setRequiresGradient(true);
        tape.backward(new SoftTargetLoss(t, kl).evaluate(new NDList(teacher(manager)), new NDList(logits)));
        float[] grad = logits.getGradient().toFloatArray();
        for (int i = 0; i < 2; i++) {
          double[] logQ = logSoftmax(STUDENT[i], t);
          for (int c = 0; c < 3; c++) {
            double expected = t * (Math.exp(logQ[c]) - TEACHER[i][c]) / 2;
            assertThat((double) grad[i * 3 + c]).as("kl=%s d/ds[%d,%d]", kl, i, c).isCloseTo(expected, within(1e-6));
          }
        }
      }
    }
  }

  @Test
  void nonPositiveTemperature_isRejected() {
    assertThatThrownBy(() -> new SoftTargetLoss(0, true)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 0.0");
    assertThatThrownBy(() -> new SoftTargetLoss(-2, false)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got -2.0");
    assertThatThrownBy(() -> new SoftTargetLoss(Double.NaN, true)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void name_isKd() {
    assertThat(new SoftTargetLoss(4, true).getName()).isEqualTo("kd");
  }

  private static double loss(SoftTargetLoss loss) {
    try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
      NDArray value = loss.evaluate(new NDList(teacher(manager)), new NDList(student(manager)));
      assertThat(value.getShape()).isEqualTo(new Shape());
      assertThat(value.getDataType()).isEqualTo(DataType.FLOAT32);
      return value.getFloat();
    }
  }

  private static NDArray teacher(NDManager manager) {
    return manager.create(flat(TEACHER), new Shape(2, 3));
  }

  private static NDArray student(NDManager manager) {
    return manager.create(flat(STUDENT), new Shape(2, 3));
  }

  private static float[] flat(double[][] rows) {
    float[] out = new float[rows.length * rows[0].length];
    for (int i = 0; i < rows.length; i++) {
      for (int c = 0; c < rows[i].length; c++) {
        out[i * rows[i].length + c] = (float) rows[i][c];
      }
    }
    return out;
  }

  static double[] logSoftmax(double[] logits, double temperature) {
    double max = Double.NEGATIVE_INFINITY;
    for (double z : logits) {
      max = Math.max(max, z / temperature);
    }
    double sum = 0;
    for (double z : logits) {
      sum += Math.exp(z / temperature - max);
    }
    double[] out = new double[logits.length];
    for (int c = 0; c < logits.length; c++) {
      out[c] = logits[c] / temperature - max - Math.log(sum);
    }
    return out;
  }
}
