package dev.mentor.training.distill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mentor.training.engine.GradMode;
import org.junit.jupiter.api.Test;

class SimilarityPreservingLossTest {
  // batch 3; teacher features are (3, 2) wide, student features (3, 1, 3) flatten to width 3
  private static final double[][] TEACHER = {{1, 0}, {1, 1}, {0, 2}};
  private static final double[][] STUDENT = {{1, 2, 0}, {0, 1, -1}, {2, 0, 1}};

  @Test
  void evaluate_matchesHandComputedNormalisedGramDistance() {
    double[][] gt = normalisedGram(TEACHER);
    double[][] gs = normalisedGram(STUDENT);
    double sum = 0;
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 3; j++) {
        sum += (gt[i][j] - gs[i][j]) * (gt[i][j] - gs[i][j]);
      }
    }
    double expected = sum / 9;
    try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
      NDArray loss = new SimilarityPreservingLoss().evaluate(new NDList(teacher(manager)), new NDList(student(manager, 1)));
      assertThat(loss.getShape()).isEqualTo(new Shape());
      assertThat((double) loss.getFloat()).isCloseTo(expected, within(1e-6));
    }
  }

  @Test
  void evaluate_scalingStudentFeaturesByAPositiveConstant_leavesTheLossUnchanged() {
    try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
      SimilarityPreservingLoss loss = new SimilarityPreservingLoss();
      float plain = loss.evaluate(new NDList(teacher(manager)), new NDList(student(manager, 1))).getFloat();
      float scaled = loss.evaluate(new NDList(teacher(manager)), new NDList(student(manager, 7.5f))).getFloat();
      assertThat(plain).isGreaterThan(0.01f);
      assertThat((double) scaled).isCloseTo(plain, within(1e-6));
    }
  }

  @Test
  void evaluate_identicalFeatures_isZero() {
    try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
      float loss = new SimilarityPreservingLoss().evaluate(new NDList(student(manager, 1)), new NDList(student(manager, 1))).getFloat();
      assertThat((double) loss).isCloseTo(0, within(1e-7));
    }
  }

  @Test
  void evaluate_differentBatchSizes_isRejected() {
    try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
      NDArray teacher = manager.zeros(new Shape(3, 2));
      NDArray student = manager.zeros(new Shape(2, 2));
      assertThatThrownBy(() -> new SimilarityPreservingLoss().evaluate(new NDList(teacher), new NDList(student)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("(3, 2)")
          .hasMessageContaining("(2, 2)");
    }
  }

  @Test
  void name_isSimilarity() {
    assertThat(new SimilarityPreservingLoss().getName()).isEqualTo("similarity");
  }

  private static NDArray teacher(NDManager manager) {
    return manager.create(flat(TEACHER, 1), new Shape(3, 2));
  }

  private static NDArray student(NDManager manager, float scale) {
    return manager.create(flat(STUDENT, scale), new Shape(3, 1, 3));
  }

  private static double[][] normalisedGram(double[][] features) {
    int b = features.length;
    double[][] g = new double[b][b];
    for (int i = 0; i < b; i++) {
      double norm = 0;
      for (int j = 0; j < b; j++) {
        for (int d = 0; d < features[i].length; d++) {
          g[i][j] += features[i][d] * features[j][d];
        }
        norm += g[i][j] * g[i][j];
      }
      for (int j = 0; j < b; j++) {
        g[i][j] /= Math.max(Math.sqrt(norm), 1e-12);
      }
    }
    return g;
  }

  private static float[] flat(double[][] rows, float scale) {
    float[] out = new float[rows.length * rows[0].length];
    for (int i = 0; i < rows.length; i++) {
      for (int d = 0; d < rows[i].length; d++) {
        out[i * rows[i].length + d] = (float) rows[i][d] * scale;
      }
    }
    return out;
  }
}
