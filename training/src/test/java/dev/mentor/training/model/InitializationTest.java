package dev.mentor.training.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.mentor.messages.spec.ModelSpec;
import dev.mentor.training.engine.ParameterFile.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InitializationTest {
  private static final Shape INPUT = new Shape(1, 8, 8);
  private static final ModelSpec CNN = new ModelSpec(ModelSpec.Type.CNN, null, List.of(4, 8), 16, null, null);
  private static final ModelSpec RESNET = new ModelSpec(ModelSpec.Type.RESNET, null, List.of(4, 8), null, null, 1);

  private static Map<String, Tensor> weightsOf(ModelSpec spec, long seed) {
    try (NDManager manager = NDManager.newBaseManager()) {
      return ModelWeights.snapshot(ModelZoo.create(spec, 3, INPUT, manager, seed));
    }
  }

  @Test
  void sameSeed_givesBitIdenticalWeights() {
    Map<String, Tensor> a = weightsOf(CNN, 42);
    Map<String, Tensor> b = weightsOf(CNN, 42);
    assertThat(a.keySet()).containsExactlyElementsOf(b.keySet());
    a.forEach((name, t) -> assertThat(t.values()).as(name).containsExactly(b.get(name).values()));
  }

  @Test
  void sameSeed_isIndependentOfTheEnginesGenerator() {
    Map<String, Tensor> a = weightsOf(CNN, 42);
    try (NDManager manager = NDManager.newBaseManager()) {
      manager.getEngine().setRandomSeed(999);
      manager.randomUniform(0, 1, new Shape(100)).toFloatArray();
    }
    Map<String, Tensor> b = weightsOf(CNN, 42);
    a.forEach((name, t) -> assertThat(t.values()).as(name).containsExactly(b.get(name).values()));
  }

  @Test
  void differentSeed_changesEveryWeightAndBias() {
    Map<String, Tensor> a = weightsOf(CNN, 42);
    Map<String, Tensor> b = weightsOf(CNN, 43);
    try (NDManager manager = NDManager.newBaseManager()) {
      ModelZoo.create(CNN, 3, INPUT, manager, 42).namedParameters().forEach((name, p) -> {
        if (p.getType() == Parameter.Type.WEIGHT || p.getType() == Parameter.Type.BIAS) {
          assertThat(a.get(name).values()).as(name).isNotEqualTo(b.get(name).values());
        }
      });
    }
  }

  @Test
  void equalShapedLayers_getDifferentValues() {
    // stage1 of this resnet holds two 4->4 3x3 convolutions of identical shape.
    Map<String, Tensor> w = weightsOf(RESNET, 5);
    assertThat(w.get("stage1/01ResidualBlock_01body_01Conv2d_weight").values())
        .isNotEqualTo(w.get("stage1/01ResidualBlock_01body_04Conv2d_weight").values());
  }

  @Test
  void weightsAndBiases_areUniformWithinOneOverSqrtFanIn_andBatchNormStartsAsIdentity() {
    // fan_in: stage1 conv 1*3*3 = 9, stage2 conv 4*3*3 = 36, stage3 linear 32, head linear 16.
    Map<String, Double> bounds = Map.of(
        "stage1/01Conv2d_weight", 1 / Math.sqrt(9),
        "stage2/01Conv2d_weight", 1 / Math.sqrt(36),
        "stage3/02Linear_weight", 1 / Math.sqrt(32),
        "stage3/02Linear_bias", 1 / Math.sqrt(32),
        "head/01Linear_weight", 1 / Math.sqrt(16),
        "head/01Linear_bias", 1 / Math.sqrt(16));
    Map<String, Tensor> w = weightsOf(CNN, 7);
    bounds.forEach((name, bound) -> {
      float[] values = w.get(name).values();
      double maxAbs = 0;
      double sum = 0;
      for (float v : values) {
        assertThat((double) Math.abs(v)).as(name).isLessThanOrEqualTo(bound + 1e-7);
        maxAbs = Math.max(maxAbs, Math.abs(v));
        sum += v;
      }
      if (values.length >= 16) {
        // Uniform on the full ±bound range (not a narrower one): the largest of >= 16 draws is near the bound.
        assertThat(maxAbs).as(name + " max |w|").isGreaterThan(0.75 * bound);
        assertThat(Math.abs(sum / values.length)).as(name + " mean").isLessThan(0.5 * bound);
      }
    });
    for (String stage : List.of("stage1", "stage2")) {
      assertThat(w.get(stage + "/02BatchNormLayer_gamma").values()).containsOnly(1f);
      assertThat(w.get(stage + "/02BatchNormLayer_beta").values()).containsOnly(0f);
      assertThat(w.get(stage + "/02BatchNormLayer_runningMean").values()).containsOnly(0f);
      assertThat(w.get(stage + "/02BatchNormLayer_runningVar").values()).containsOnly(1f);
    }
  }

  @Test
  void apply_reinitialisesAnExistingModelToItsSeedsValues() {
    Map<String, Tensor> expected = weightsOf(CNN, 11);
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = ModelZoo.create(CNN, 3, INPUT, manager, 12);
      Initialization.apply(model, 11);
      ModelWeights.snapshot(model).forEach((name, t) -> assertThat(t.values()).as(name).containsExactly(expected.get(name).values()));
    }
  }
}
