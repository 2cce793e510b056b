package dev.mentor.training.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.mentor.messages.spec.ModelSpec;
import dev.mentor.training.engine.GradMode;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ModelZooTest {
  static Stream<Arguments> specs() {
    return Stream.of(
        Arguments.of(new ModelSpec(ModelSpec.Type.LOGISTIC, null, null, null, null, null), List.of("head")),
        Arguments.of(new ModelSpec(ModelSpec.Type.MLP, List.of(16, 8), null, null, null, null), List.of("stage1", "stage2", "head")),
        Arguments.of(new ModelSpec(ModelSpec.Type.MLP, List.of(16, 8), null, null, 0.5, null), List.of("stage1", "stage2", "head")),
        Arguments.of(new ModelSpec(ModelSpec.Type.CNN, null, List.of(4, 8), 16, null, null), List.of("stage1", "stage2", "stage3", "head")),
        Arguments.of(new ModelSpec(ModelSpec.Type.RESNET, null, List.of(4, 8), null, null, 1), List.of("stem", "stage1", "stage2", "head")),
        Arguments.of(new ModelSpec(ModelSpec.Type.RESNET, null, List.of(4, 8, 8), null, 0.25, 2), List.of("stem", "stage1", "stage2", "stage3", "head")));
  }

  @ParameterizedTest
  @MethodSource("specs")
  void create_stageNamesEqualTheSpecsStageNames_andLogitsAreBatchByClasses(ModelSpec spec, List<String> expectedStages) {
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = ModelZoo.create(spec, 5, new Shape(1, 8, 8), manager, 3);

      assertThat(model.stageNames()).isEqualTo(spec.stageNames()).isEqualTo(expectedStages);
      assertThat(model.numClasses()).isEqualTo(5);
      assertThat(model.inputShape()).isEqualTo(new Shape(1, 8, 8));

      ParameterStore store = new ParameterStore(manager, false);
      NDArray x = manager.randomUniform(0, 1, new Shape(6, 1, 8, 8));
      try (GradMode off = GradMode.off()) {
        assertThat(model.forward(store, x, false, Set.of()).logits().getShape()).isEqualTo(new Shape(6, 5));
        assertThat(model.forward(store, x, true, Set.of()).logits().getShape()).isEqualTo(new Shape(6, 5));
      }
      // The head is always a single linear layer with numClasses outputs.
      assertThat(model.namedParameters("head").values())
          .anySatisfy(p -> assertThat(p.getArray().getShape().get(0)).isEqualTo(5));
    }
  }

  @ParameterizedTest
  @MethodSource("specs")
  void create_everyParameterIsNamedByItsStage(ModelSpec spec, List<String> expectedStages) {
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = ModelZoo.create(spec, 3, new Shape(1, 8, 8), manager, 1);
      assertThat(model.namedParameters()).isNotEmpty();
      assertThat(model.namedParameters().keySet())
          .allSatisfy(name -> assertThat(expectedStages).contains(name.substring(0, name.indexOf('/'))));
      int perStage = expectedStages.stream().mapToInt(s -> model.namedParameters(s).size()).sum();
      assertThat(perStage).isEqualTo(model.namedParameters().size());
    }
  }

  @ParameterizedTest
  @MethodSource("specs")
  void create_batchNormLayersSitWhereTheSpecSays(ModelSpec spec, List<String> expectedStages) {
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = ModelZoo.create(spec, 3, new Shape(1, 8, 8), manager, 1);
      assertThat(model.batchNorms("head")).isEmpty();
      switch (spec.type()) {
        case LOGISTIC, MLP -> assertThat(model.batchNorms()).isEmpty();
        case CNN -> {
          // conv + BN + ReLU + pool per conv stage; the dense stage has none.
          assertThat(model.batchNorms("stage1")).hasSize(1);
          assertThat(model.batchNorms("stage2")).hasSize(1);
          assertThat(model.batchNorms("stage3")).isEmpty();
        }
        default -> {
          assertThat(model.batchNorms("stem")).hasSize(1);
          // identity blocks have 2 BatchNorms, a downsampling block 3 (its shortcut has one).
          assertThat(model.batchNorms("stage1")).hasSize(2 * spec.blocks());
          assertThat(model.batchNorms("stage2")).hasSize(3 + 2 * (spec.blocks() - 1));
        }
      }
      assertThat(model.dropouts()).hasSize(spec.dropout() > 0 ? (spec.type() == ModelSpec.Type.MLP ? spec.widths().size() : 1) : 0);
    }
  }
}
