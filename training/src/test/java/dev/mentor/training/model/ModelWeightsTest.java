package dev.mentor.training.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mentor.messages.spec.ModelSpec;
import dev.mentor.training.engine.ParameterFile.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelWeightsTest {
  private static final Shape INPUT = new Shape(1, 8, 8);
  private static final ModelSpec CNN = new ModelSpec(ModelSpec.Type.CNN, null, List.of(4, 8), 16, null, null);

  @TempDir Path dir;

  @Test
  void loadBackbone_loadsEveryStageButTheHead_evenForAnotherClassCount() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel source = ModelZoo.create(CNN, 3, INPUT, manager, 1);
      // BatchNorm starts as gamma 1, beta 0, mean 0, var 1 in every model: give the source its own values.
      float value = 0.5f;
      for (Map.Entry<String, ai.djl.nn.Parameter> e : source.namedParameters().entrySet()) {
        if (e.getKey().contains("BatchNormLayer")) {
          float[] v = new float[(int) e.getValue().getArray().size()];
          java.util.Arrays.fill(v, value += 0.25f);
          e.getValue().getArray().set(v);
        }
      }
      Path file = dir.resolve("source.params");
      ModelWeights.save(source, file);
      Map<String, Tensor> sourceValues = ModelWeights.snapshot(source);

      StagedModel target = ModelZoo.create(CNN, 5, INPUT, manager, 2);
      Map<String, Tensor> targetBefore = ModelWeights.snapshot(target);
      ModelWeights.loadBackbone(target, file, false);

      Map<String, Tensor> after = ModelWeights.snapshot(target);
      int loaded = 0;
      for (Map.Entry<String, Tensor> e : after.entrySet()) {
        String name = e.getKey();
        if (name.startsWith("head/")) {
          assertThat(e.getValue().values()).as(name + " keeps its own initialisation").containsExactly(targetBefore.get(name).values());
        } else {
          assertThat(e.getValue().values()).as(name).containsExactly(sourceValues.get(name).values());
          assertThat(e.getValue().values()).as(name).isNotEqualTo(targetBefore.get(name).values());
          loaded++;
        }
      }
      // stage1 (conv + 4 BN arrays), stage2 (same), stage3 (weight + bias): running statistics included.
      assertThat(loaded).isEqualTo(12);
    }
  }

  @Test
  void loadBackbone_keepHead_loadsTheHeadToo() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel source = ModelZoo.create(CNN, 3, INPUT, manager, 1);
      Path file = dir.resolve("source.params");
      ModelWeights.save(source, file);

      StagedModel target = ModelZoo.create(CNN, 3, INPUT, manager, 2);
      ModelWeights.loadBackbone(target, file, true);

      Map<String, Tensor> expected = ModelWeights.snapshot(source);
      ModelWeights.snapshot(target).forEach((name, t) -> assertThat(t.values()).as(name).containsExactly(expected.get(name).values()));
    }
  }

  @Test
  void loadBackbone_keepHeadWithAnotherClassCount_isRejectedNamingTheHead() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      Path file = dir.resolve("source.params");
      ModelWeights.save(ModelZoo.create(CNN, 3, INPUT, manager, 1), file);
      StagedModel target = ModelZoo.create(CNN, 5, INPUT, manager, 2);

      assertThatThrownBy(() -> ModelWeights.loadBackbone(target, file, true))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("head/01Linear_weight")
          .hasMessageContaining("[3, 16]")
          .hasMessageContaining("(5, 16)");
    }
  }

  @Test
  void loadBackbone_fileOfAnotherArchitecture_isRejectedNamingTheParameterAndBothShapes_andLoadsNothing() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      Path file = dir.resolve("other.params");
      ModelWeights.save(ModelZoo.create(new ModelSpec(ModelSpec.Type.CNN, null, List.of(4, 6), 16, null, null), 3, INPUT, manager, 1), file);
      StagedModel target = ModelZoo.create(CNN, 3, INPUT, manager, 2);
      Map<String, Tensor> before = ModelWeights.snapshot(target);

      assertThatThrownBy(() -> ModelWeights.loadBackbone(target, file, false))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("stage2/01Conv2d_weight")
          .hasMessageContaining("[6, 4, 3, 3]")
          .hasMessageContaining("(8, 4, 3, 3)")
          .hasMessageContaining("(and 1 more)");

      // Never a silent partial load: stage1 matched, but nothing was copied.
      ModelWeights.snapshot(target).forEach((name, t) -> assertThat(t.values()).as(name).containsExactly(before.get(name).values()));
    }
  }

  @Test
  void loadBackbone_fileOfAnotherModelType_namesTheMissingParameters() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      Path file = dir.resolve("mlp.params");
      ModelWeights.save(ModelZoo.create(new ModelSpec(ModelSpec.Type.MLP, List.of(16, 8), null, null, null, null), 3, INPUT, manager, 1), file);
      StagedModel target = ModelZoo.create(CNN, 3, INPUT, manager, 2);

      assertThatThrownBy(() -> ModelWeights.loadBackbone(target, file, false))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("stage1/01Conv2d_weight is missing");
    }
  }

  @Test
  void snapshotAndRestore_roundTripEveryParameterIncludingRunningStatistics() {
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = ModelZoo.create(CNN, 3, INPUT, manager, 1);
      Map<String, Tensor> saved = ModelWeights.snapshot(model);
      Initialization.apply(model, 99);
      model.namedParameters().get("stage1/02BatchNormLayer_runningMean").getArray().set(new float[] {1, 2, 3, 4});

      ModelWeights.restore(model, saved);

      ModelWeights.snapshot(model).forEach((name, t) -> {
        assertThat(t.values()).as(name).containsExactly(saved.get(name).values());
        assertThat(t.shape()).as(name).containsExactly(saved.get(name).shape());
      });
    }
  }
}
