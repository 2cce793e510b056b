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

class HintLossTest {
  @Test
  void evaluate_isMeanSquaredDifferenceOverAllElementsOfAFeatureMap() {
    // shape (2, 1, 2, 1); differences (0.5, −1, 2, 0) → squares (0.25, 1, 4, 0) → 5.25 / 4 = 1.3125
    try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
      NDArray teacher = manager.create(new float[] {1, 1, -1, 3}, new Shape(2, 1, 2, 1));
      NDArray regressed = manager.create(new float[] {1.5f, 0, 1, 3}, new Shape(2, 1, 2, 1));
      NDArray loss = new HintLoss().evaluate(new NDList(teacher), new NDList(regressed));
      assertThat(loss.getShape()).isEqualTo(new Shape());
      assertThat((double) loss.getFloat()).isCloseTo(1.3125, within(1e-6));
    }
  }

  @Test
  void gradient_isTwiceTheDifferenceOverTheElementCount() {
    try (NDManager manager = NDManager.newBaseManager(); GradMode tape = GradMode.recording()) {
      NDArray teacher = manager.create(new float[] {1, 1, -1, 3}, new Shape(2, 2));
      NDArray regressed = manager.create(new float[] {1.5f, 0, 1, 3}, new Shape(2, 2));
      regressed.setRequiresGradient(true);
      tape.backward(new HintLoss().evaluate(new NDList(teacher), new NDList(regressed)));
      assertThat(regressed.getGradient().toFloatArray()).containsExactly(0.25f, -0.5f, 1f, 0f);
    }
  }

  @Test
  void evaluate_shapeMismatch_namesBothShapes() {
    try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
      NDArray teacher = manager.zeros(new Shape(2, 8, 4, 4));
      NDArray regressed = manager.zeros(new Shape(2, 8, 2, 2));
      assertThatThrownBy(() -> new HintLoss().evaluate(new NDList(teacher), new NDList(regressed)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("(2, 8, 4, 4)")
          .hasMessageContaining("(2, 8, 2, 2)");
    }
  }

  @Test
  void name_isHint() {
    assertThat(new HintLoss().getName()).isEqualTo("hint");
  }
}
