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

class LogitMatchingLossTest {
  @Test
  void evaluate_isMeanSquaredDifferenceOverAllElements() {
    // differences s − t: (1, 0, −2, 3) → squares (1, 0, 4, 9) → 14 / 4 = 3.5
    try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
      NDArray student = manager.create(new float[] {1, 2, 3, 4}, new Shape(2, 2));
      NDArray teacher = manager.create(new float[] {0, 2, 5, 1}, new Shape(2, 2));
      NDArray loss = new LogitMatchingLoss().evaluate(new NDList(teacher), new NDList(student));
      assertThat(loss.getShape()).isEqualTo(new Shape());
      assertThat((double) loss.getFloat()).isCloseTo(3.5, within(1e-6));
    }
  }

  @Test
  void evaluate_equalLogits_isZero() {
    try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
      NDArray logits = manager.create(new float[] {0.3f, -7, 2.5f}, new Shape(1, 3));
      assertThat(new LogitMatchingLoss().evaluate(new NDList(logits), new NDList(logits.duplicate())).getFloat()).isZero();
    }
  }

  @Test
  void evaluate_shapeMismatch_isRejected() {
    try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
      NDArray teacher = manager.zeros(new Shape(2, 3));
      NDArray student = manager.zeros(new Shape(2, 4));
      assertThatThrownBy(() -> new LogitMatchingLoss().evaluate(new NDList(teacher), new NDList(student)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("(2, 3)")
          .hasMessageContaining("(2, 4)");
    }
  }

  @Test
  void name_isLogits() {
    assertThat(new LogitMatchingLoss().getName()).isEqualTo("logits");
  }
}
