package dev.mentor.training.distill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mentor.messages.spec.FeatureTermSpec.Form;
import dev.mentor.training.engine.GradMode;
import java.util.List;
import org.junit.jupiter.api.Test;

class AttentionTransferLossTest {
  // (b, C, H, W) = (2, 2, 2, 2), in row-major order
  private static final float[] TEACHER = {
    1, 0, 2, -1, /* */ 0, 1, 1, 0,
    -2, 1, 0, 0, /* */ 1, 1, 0, 3};
  // (b, C', H, W) = (2, 3, 2, 2)
  private static final float[] STUDENT = {
    0, 1, 1, 1, /* */ 2, 0, 0, 1, /* */ -1, 0, 1, 0,
    1, 0, 0, 2, /* */ 0, -1, 1, 1, /* */ 0, 0, 2, 0};

  @Test
  void evaluate_differentChannelCounts_matchesHandComputedMeanDistance() {
    double[][] qt = normalised(attention(TEACHER, 2, 2, 2, 2, 2));
    double[][] qs = normalised(attention(STUDENT, 2, 3, 2, 2, 2));
    double expected = (distance(qs[0], qt[0]) + distance(qs[1], qt[1])) / 2;
    assertThat(loss(new AttentionTransferLoss(2), TEACHER, new Shape(2, 2, 2, 2), STUDENT, new Shape(2, 3, 2, 2))).isCloseTo(expected, within(1e-6));
  }

  @Test
  void evaluate_exponentOne_sumsAbsoluteActivations() {
    double[][] qt = normalised(attention(TEACHER, 2, 2, 2, 2, 1));
    double[][] qs = normalised(attention(STUDENT, 2, 3, 2, 2, 1));
    double expected = (distance(qs[0], qt[0]) + distance(qs[1], qt[1])) / 2;
    assertThat(loss(new AttentionTransferLoss(1), TEACHER, new Shape(2, 2, 2, 2), STUDENT, new Shape(2, 3, 2, 2))).isCloseTo(expected, within(1e-6));
  }

  @Test
  void evaluate_largerStudentMap_isAveragePooledToTheTeachersSize() {
    // student (2, 1, 4, 4): its attention map is pooled over 2×2 blocks to 2×2 before normalising
    float[] student = new float[32];
    for (int i = 0; i < student.length; i++) {
      student[i] = (i * 7 % 5) - 2;
    }
    double[][] fine = attention(student, 2, 1, 4, 4, 2);
    double[][] pooled = new double[2][4];
    for (int n = 0; n < 2; n++) {
      for (int y = 0; y < 4; y++) {
        for (int x = 0; x < 4; x++) {
          pooled[n][(y / 2) * 2 + x / 2] += fine[n][y * 4 + x] / 4;
        }
      }
    }
    double[][] qt = normalised(attention(TEACHER, 2, 2, 2, 2, 2));
    double[][] qs = normalised(pooled);
    double expected = (distance(qs[0], qt[0]) + distance(qs[1], qt[1])) / 2;
    assertThat(loss(new AttentionTransferLoss(2), TEACHER, new Shape(2, 2, 2, 2), student, new Shape(2, 1, 4, 4))).isCloseTo(expected, within(1e-6));
  }

  @Test
  void evaluate_proportionalAttentionMaps_isZero_withFiniteGradient() {
    // student channels: 2·A_0, 2·A_1 and a silent third, so Q_S = 4·Q_T
    float[] student = new float[24];
    for (int n = 0; n < 2; n++) {
      for (int i = 0; i < 8; i++) {
        student[n * 12 + i] = 2 * TEACHER[n * 8 + i];
      }
    }
    try (NDManager manager = NDManager.newBaseManager(); GradMode tape = GradMode.recording()) {
      NDArray studentMap = manager.create(student, new Shape(2, 3, 2, 2));
      studentMap.setRequiresGradient(true);
      NDArray loss = new AttentionTransferLoss(2).evaluate(new NDList(manager.create(TEACHER, new Shape(2, 2, 2, 2))), new NDList(studentMap));
      assertThat((double) loss.getFloat()).isCloseTo(0, within(1e-6));
      tape.backward(loss);
      for (float g : studentMap.getGradient().toFloatArray()) {
        assertThat(g).isFinite();
      }
    }
  }

  @Test
  void evaluate_nonFourDimensionalInput_namesTheShapes() {
    try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
      NDArray teacher = manager.zeros(new Shape(2, 2, 2, 2));
      NDArray student = manager.zeros(new Shape(2, 8));
      assertThatThrownBy(() -> new AttentionTransferLoss(2).evaluate(new NDList(teacher), new NDList(student)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("attention transfer needs feature maps of shape (batch, channels, height, width), got")
          .hasMessageContaining("(2, 2, 2, 2)")
          .hasMessageContaining("(2, 8)");
    }
  }

  @Test
  void evaluate_spatialSizesThatAreNotMultiples_isRejected() {
    try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
      NDArray teacher = manager.zeros(new Shape(1, 2, 2, 2));
      NDArray student = manager.zeros(new Shape(1, 2, 3, 3));
      assertThatThrownBy(() -> new AttentionTransferLoss(2).evaluate(new NDList(teacher), new NDList(student)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("3x3 cannot be resampled to 2x2");
    }
  }

  @Test
  void paperForm_isTheDefault_andTheUnsquaredBatchMeanDistance() {
    AttentionTransferLoss paper = new AttentionTransferLoss(2, Form.PAPER);
    assertThat(new AttentionTransferLoss(2).form()).isEqualTo(Form.PAPER);
    double[][] qt = normalised(attention(TEACHER, 2, 2, 2, 2, 2));
    double[][] qs = normalised(attention(STUDENT, 2, 3, 2, 2, 2));
    double expected = (distance(qs[0], qt[0]) + distance(qs[1], qt[1])) / 2;
    assertThat(loss(paper, TEACHER, new Shape(2, 2, 2, 2), STUDENT, new Shape(2, 3, 2, 2))).isCloseTo(expected, within(1e-6));
  }

  /**
   * The authors' code: at(x) = F.normalize(x.pow(2).mean(1).view(b, -1)) and
   * at_loss = (at(x) − at(y)).pow(2).mean(), added as β/2 · at_loss. The loss holds the 1/2; the
   * term's weight is β.
   */
  @Test
  void referenceCodeForm_isHalfTheMeanSquaredDifferenceOverBatchAndPositions() {
    double[][] qt = normalised(attention(TEACHER, 2, 2, 2, 2, 2));
    double[][] qs = normalised(attention(STUDENT, 2, 3, 2, 2, 2));
    double sum = 0;
    for (int n = 0; n < 2; n++) {
      for (int s = 0; s < 4; s++) {
        sum += (qs[n][s] - qt[n][s]) * (qs[n][s] - qt[n][s]);
      }
    }
    double expected = 0.5 * sum / (2 * 4);
    AttentionTransferLoss reference = new AttentionTransferLoss(2, Form.REFERENCE_CODE);
    assertThat(loss(reference, TEACHER, new Shape(2, 2, 2, 2), STUDENT, new Shape(2, 3, 2, 2))).isCloseTo(expected, within(1e-7));
  }

  @Test
  void referenceCodeForm_onKnownMaps_weightedByBeta() {
    // One channel, so Q = A²: the teacher's rows (1, 0, 0, 0) and (0, 2, 0, 0) normalise to e0 and e1, the student's
    // (0, 1, 0, 0) and (0, 0, 0, 3) to e1 and e3. Squared differences: 2 per sample, over 2 samples × 4 positions.
    float[] teacher = {1, 0, 0, 0, /* */ 0, (float) Math.sqrt(2), 0, 0};
    float[] student = {0, 1, 0, 0, /* */ 0, 0, 0, (float) Math.sqrt(3)};
    double perPosition = (2 + 2) / 8.0;
    AttentionTransferLoss reference = new AttentionTransferLoss(2, Form.REFERENCE_CODE);
    assertThat(loss(reference, teacher, new Shape(2, 1, 2, 2), student, new Shape(2, 1, 2, 2))).isCloseTo(0.5 * perPosition, within(1e-7));
    // In the objective, the term's weight is β: β/2 · mean, as the authors' total loss adds it.
    CompositeLoss total = new CompositeLoss(List.of(
        new CompositeLoss.Term("attention:s>t", 1000, reference, List.of("teacher"), List.of("student"))));
    try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
      NDArray t = manager.create(teacher, new Shape(2, 1, 2, 2));
      t.setName("teacher");
      NDArray s = manager.create(student, new Shape(2, 1, 2, 2));
      s.setName("student");
      assertThat((double) total.evaluate(new NDList(t), new NDList(s)).getFloat()).isCloseTo(1000 / 2.0 * perPosition, within(1e-4));
    }
  }

  @Test
  void nonPositiveExponent_isRejected() {
    assertThatThrownBy(() -> new AttentionTransferLoss(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void name_isAttention() {
    assertThat(new AttentionTransferLoss(2).getName()).isEqualTo("attention");
  }

  private static double loss(AttentionTransferLoss loss, float[] teacher, Shape teacherShape, float[] student, Shape studentShape) {
    try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
      NDArray value = loss.evaluate(new NDList(manager.create(teacher, teacherShape)), new NDList(manager.create(student, studentShape)));
      assertThat(value.getShape()).isEqualTo(new Shape());
      return value.getFloat();
    }
  }

  /** Σ_c |A_c|^p per sample, flattened to (b, h·w). */
  private static double[][] attention(float[] maps, int b, int c, int h, int w, double p) {
    double[][] q = new double[b][h * w];
    for (int n = 0; n < b; n++) {
      for (int ch = 0; ch < c; ch++) {
        for (int s = 0; s < h * w; s++) {
          q[n][s] += Math.pow(Math.abs(maps[(n * c + ch) * h * w + s]), p);
        }
      }
    }
    return q;
  }

  private static double[][] normalised(double[][] rows) {
    double[][] out = new double[rows.length][];
    for (int n = 0; n < rows.length; n++) {
      double norm = Math.sqrt(dot(rows[n], rows[n]));
      out[n] = new double[rows[n].length];
      for (int s = 0; s < rows[n].length; s++) {
        out[n][s] = rows[n][s] / Math.max(norm, 1e-12);
      }
    }
    return out;
  }

  private static double distance(double[] a, double[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += (a[i] - b[i]) * (a[i] - b[i]);
    }
    return Math.sqrt(sum);
  }

  private static double dot(double[] a, double[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += a[i] * b[i];
    }
    return sum;
  }
}
