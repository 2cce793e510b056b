package dev.mentor.training.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import org.junit.jupiter.api.Test;

class GradModeTest {
  @Test
  void scopes_nest_andRestoreThePreviousMode() {
    boolean outer = JniUtils.isGradMode();
    try (GradMode on = GradMode.recording()) {
      assertThat(JniUtils.isGradMode()).isTrue();
      try (GradMode off = GradMode.off()) {
        assertThat(JniUtils.isGradMode()).isFalse();
        try (GradMode again = GradMode.recording()) {
          assertThat(JniUtils.isGradMode()).isTrue();
        }
        assertThat(JniUtils.isGradMode()).isFalse();
      }
      assertThat(JniUtils.isGradMode()).isTrue();
    }
    assertThat(JniUtils.isGradMode()).isEqualTo(outer);
  }

  @Test
  void backward_fillsTheGradientOfEveryLeafThatRequiresOne() {
    try (NDManager manager = NDManager.newBaseManager(); GradMode tape = GradMode.recording()) {
      NDArray x = manager.create(new float[] {1, 2, 3});
      x.setRequiresGradient(true);
      NDArray y = manager.create(new float[] {4, 5, 6});
      tape.backward(x.mul(x).mul(y).sum()); // d/dx = 2 x y
      assertThat(x.getGradient().toFloatArray()).containsExactly(8f, 20f, 36f);
    }
  }

  @Test
  void offScope_buildsNoGraph() {
    try (NDManager manager = NDManager.newBaseManager(); GradMode tape = GradMode.recording()) {
      NDArray x = manager.create(new float[] {1, 2, 3});
      x.setRequiresGradient(true);
      NDArray y;
      try (GradMode off = GradMode.off()) {
        y = x.mul(2).sum();
      }
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> tape.backward(y))
          .hasMessageContaining("does not require grad");
    }
  }

}
