package dev.mentor.training.distill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.mentor.training.engine.GradMode;
import org.junit.jupiter.api.Test;

class HintRegressorTest {
  @Test
  void convolution_mapsStudentChannelsAndSizeToTheTeachers() {
    try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
      HintRegressor regressor = HintRegressor.create(new Shape(4, 4, 4), new Shape(6, 2, 2), manager, 1);
      NDArray out = regressor.apply(new ParameterStore(manager, false), manager.ones(new Shape(2, 4, 4, 4)), false);
      assertThat(out.getShape()).isEqualTo(new Shape(2, 6, 2, 2));
      assertThat(regressor.namedParameters().get("weight").getArray().getShape()).isEqualTo(new Shape(6, 4, 1, 1));
      assertThat(regressor.namedParameters().get("bias").getArray().getShape()).isEqualTo(new Shape(6));
      assertThat(regressor.describe()).isEqualTo("1x1 conv 4->6 after resampling 4x4->2x2");
      assertThat(HintRegressor.create(new Shape(16, 7, 7), new Shape(64, 7, 7), manager, 1).describe()).isEqualTo("1x1 conv 16->64");
    }
  }

  @Test
  void linear_flattensTheStudentAndReshapesToTheTeachersSample() {
    try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
      HintRegressor regressor = HintRegressor.create(new Shape(2, 2, 2), new Shape(2, 3), manager, 1);
      NDArray out = regressor.apply(new ParameterStore(manager, false), manager.ones(new Shape(5, 2, 2, 2)), false);
      assertThat(out.getShape()).isEqualTo(new Shape(5, 2, 3));
      assertThat(regressor.namedParameters().get("weight").getArray().getShape()).isEqualTo(new Shape(6, 8));
      assertThat(regressor.describe()).isEqualTo("linear 8->6");
    }
  }

  @Test
  void convolution_handSetWeights_giveTheHandComputedOutput() {
    // C_s = 2 → C_t = 1 on a 1×1 map: y = 0.5·x0 − 2·x1 + 0.25
    try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
      HintRegressor regressor = HintRegressor.create(new Shape(2, 1, 1), new Shape(1, 1, 1), manager, 1);
      regressor.namedParameters().get("weight").getArray().set(new float[] {0.5f, -2f});
      regressor.namedParameters().get("bias").getArray().set(new float[] {0.25f});
      NDArray x = manager.create(new float[] {1, 3, -2, 0.5f}, new Shape(2, 2, 1, 1));
      NDArray out = regressor.apply(new ParameterStore(manager, false), x, false);
      assertThat(out.getShape()).isEqualTo(new Shape(2, 1, 1, 1));
      assertThat(out.toFloatArray()).containsExactly(new float[] {-5.25f, -1.75f}, offset(1e-6f));
    }
  }

  @Test
  void linear_handSetWeights_giveTheHandComputedOutput() {
    // d_s = 2 → d_t = 2: y = W·x + b with W = ((1, 2), (−1, 0.5)), b = (0, 1)
    try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
      HintRegressor regressor = HintRegressor.create(new Shape(2), new Shape(2), manager, 1);
      regressor.namedParameters().get("weight").getArray().set(new float[] {1, 2, -1, 0.5f});
      regressor.namedParameters().get("bias").getArray().set(new float[] {0, 1});
      NDArray out = regressor.apply(new ParameterStore(manager, false), manager.create(new float[] {3, -1}, new Shape(1, 2)), false);
      assertThat(out.toFloatArray()).containsExactly(new float[] {1f, -2.5f}, offset(1e-6f));
    }
  }

  @Test
  void sameSeed_givesIdenticalParameters_withinPyTorchsDefaultBound() {
    try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
      HintRegressor a = HintRegressor.create(new Shape(4, 2, 2), new Shape(3, 2, 2), manager, 7);
      HintRegressor b = HintRegressor.create(new Shape(4, 2, 2), new Shape(3, 2, 2), manager, 7);
      HintRegressor other = HintRegressor.create(new Shape(4, 2, 2), new Shape(3, 2, 2), manager, 8);
      for (String name : new String[] {"weight", "bias"}) {
        float[] values = a.namedParameters().get(name).getArray().toFloatArray();
        assertThat(values).as(name).containsExactly(b.namedParameters().get(name).getArray().toFloatArray());
        assertThat(values).as(name).isNotEqualTo(other.namedParameters().get(name).getArray().toFloatArray());
        for (float v : values) {
          assertThat(Math.abs(v)).as(name).isLessThanOrEqualTo(0.5f); // 1/√fan_in, fan_in = 4
        }
      }
      assertThat(a.namedParameters()).containsOnlyKeys("weight", "bias");
    }
  }

  @Test
  void hintLossBackward_reachesWeightAndBias() {
    try (NDManager manager = NDManager.newBaseManager(); GradMode tape = GradMode.recording()) {
      HintRegressor regressor = HintRegressor.create(new Shape(2, 4, 4), new Shape(3, 2, 2), manager, 3);
      for (Parameter p : regressor.namedParameters().values()) {
        assertThat(p.getArray().hasGradient()).as(p.getName()).isTrue();
      }
      NDArray student = manager.arange(64f).div(64).reshape(2, 2, 4, 4);
      NDArray teacher = manager.zeros(new Shape(2, 3, 2, 2));
      NDArray regressed = regressor.apply(new ParameterStore(manager, false), student, true);
      tape.backward(new HintLoss().evaluate(new NDList(teacher), new NDList(regressed)));
      for (Parameter p : regressor.namedParameters().values()) {
        float[] grad = p.getArray().getGradient().toFloatArray();
        assertThat(grad).as(p.getName()).isNotEmpty();
        double magnitude = 0;
        for (float g : grad) {
          assertThat(g).isFinite();
          magnitude += Math.abs(g);
        }
        assertThat(magnitude).as(p.getName()).isGreaterThan(0);
      }
    }
  }

  @Test
  void spatialSizesThatAreNotMultiples_areRejected() {
    try (NDManager manager = NDManager.newBaseManager()) {
      assertThatThrownBy(() -> HintRegressor.create(new Shape(8, 5, 5), new Shape(16, 2, 2), manager, 1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("5x5 cannot be resampled to 2x2");
    }
  }

  @Test
  void studentFeaturesOfAnotherShape_areRejected() {
    try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
      HintRegressor regressor = HintRegressor.create(new Shape(4, 2, 2), new Shape(3, 2, 2), manager, 1);
      assertThatThrownBy(() -> regressor.apply(new ParameterStore(manager, false), manager.ones(new Shape(2, 5, 2, 2)), false))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("(batch, 4, 2, 2)")
          .hasMessageContaining("(2, 5, 2, 2)");
    }
  }
}
