package dev.mentor.training.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mentor.training.engine.GradMode;
import org.junit.jupiter.api.Test;

class CrossEntropyTest {
  @Test
  void evaluate_matchesHandComputedMeanNegativeLogSoftmax() {
    // row 0: logits (1, 2, 3), label 2: -log softmax = log(e + e^2 + e^3) - 3 = 0.40760596
    // row 1: logits (1, 1, 1), label 0: -log(1/3) = 1.09861229
    // mean = 0.75310913
    try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
      NDArray logits = manager.create(new float[] {1, 2, 3, 1, 1, 1}, new Shape(2, 3));
      NDArray labels = manager.create(new int[] {2, 0});
      float loss = new CrossEntropy().evaluate(new NDList(labels), new NDList(logits)).getFloat();
      assertThat((double) loss).isCloseTo(0.753109126556245, within(1e-6));
    }
  }

  @Test
  void evaluate_otherLabels_pickTheirOwnColumn() {
    // row 0: logits (2, -1, 0.5), label 0; row 1: logits (0, 0, 4), label 1
    // = (log(e^2 + e^-1 + e^0.5) - 2 + log(2 + e^4) - 0) / 2 = 2.13864380
    try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
      NDArray logits = manager.create(new float[] {2, -1, 0.5f, 0, 0, 4}, new Shape(2, 3));
      NDArray labels = manager.create(new int[] {0, 1});
      float loss = new CrossEntropy().evaluate(new NDList(labels), new NDList(logits)).getFloat();
      assertThat((double) loss).isCloseTo(2.138643798202675, within(1e-6));
    }
  }

  @Test
  void gradient_isSoftmaxMinusOneHotOverBatchSize() {
    try (NDManager manager = NDManager.newBaseManager(); GradMode tape = GradMode.recording()) {
      NDArray logits = manager.create(new float[] {1, 2, 3, 1, 1, 1}, new Shape(2, 3));
      logits.setRequiresGradient(true);
      NDArray loss = new CrossEntropy().evaluate(new NDList(manager.create(new int[] {2, 0})), new NDList(logits));
      tape.backward(loss);
      float[] grad = logits.getGradient().toFloatArray();
      double z = Math.exp(1) + Math.exp(2) + Math.exp(3);
      double[] expected = {Math.exp(1) / z / 2, Math.exp(2) / z / 2, (Math.exp(3) / z - 1) / 2, (1 / 3.0 - 1) / 2, 1 / 6.0, 1 / 6.0};
      for (int i = 0; i < 6; i++) {
        assertThat((double) grad[i]).as("d/dz[%d]", i).isCloseTo(expected[i], within(1e-6));
      }
    }
  }
}
