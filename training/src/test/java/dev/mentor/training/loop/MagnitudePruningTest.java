package dev.mentor.training.loop;

import static dev.mentor.training.loop.LoopFixtures.CNN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.mentor.messages.spec.ArmSpec.BatchNormMode;
import dev.mentor.messages.spec.PruningSpec;
import dev.mentor.messages.spec.SpecName;
import dev.mentor.training.model.StagedModel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Pruning of the tiny cnn's four kernels: stage1 conv 36, stage2 conv 288, stage3 linear 512 and
 * head 48 weights, 884 in all (biases and BatchNorm are never pruned).
 */
class MagnitudePruningTest {
  private static final List<String> KERNELS = List.of(
      "stage1/01Conv2d_weight", "stage2/01Conv2d_weight", "stage3/02Linear_weight", "head/01Linear_weight");

  private static int zeros(float[] values) {
    int n = 0;
    for (float v : values) {
      n += v == 0f ? 1 : 0;
    }
    return n;
  }

  /** Largest original magnitude among pruned entries must lie below the smallest kept one. */
  private static void assertSmallestWerePruned(Map<String, float[]> before, Map<String, float[]> after, List<String> group) {
    double maxPruned = 0;
    double minKept = Double.MAX_VALUE;
    for (String name : group) {
      float[] b = before.get(name);
      float[] a = after.get(name);
      for (int i = 0; i < b.length; i++) {
        if (a[i] == 0f) {
          maxPruned = Math.max(maxPruned, Math.abs(b[i]));
        } else {
          assertThat(a[i]).as("%s[%d] kept unchanged", name, i).isEqualTo(b[i]);
          minKept = Math.min(minKept, Math.abs(b[i]));
        }
      }
    }
    assertThat(maxPruned).as("largest pruned magnitude in " + group).isLessThan(minKept);
  }

  private static Map<String, float[]> kernels(StagedModel model) {
    Map<String, float[]> values = new LinkedHashMap<>();
    KERNELS.forEach(name -> values.put(name, model.namedParameters().get(name).getArray().toFloatArray()));
    return values;
  }

  @Test
  void globalScope_zeroesTheRequestedFractionOfAllKernels_rankedAcrossLayers() {
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = LoopFixtures.model(CNN, manager, 1);
      Map<String, float[]> all = LoopFixtures.values(model);

      MagnitudePruning pruning = MagnitudePruning.prune(model, new PruningSpec(0.3, PruningSpec.Scope.GLOBAL));

      Map<String, float[]> after = kernels(model);
      assertThat(after.keySet()).containsExactlyElementsOf(KERNELS);
      int total = after.values().stream().mapToInt(MagnitudePruningTest::zeros).sum();
      assertThat(total).isCloseTo(265, within(1)); // floor(0.3 * 884)
      assertThat(pruning.sparsity()).isCloseTo(total / 884.0, within(1e-12));
      assertSmallestWerePruned(all, after, KERNELS);
      // One threshold for all: the layer initialised widest (stage1, ±1/3) loses fewer than 30%,
      // the narrowest (stage2, ±1/6) more.
      assertThat(zeros(after.get("stage1/01Conv2d_weight")) / 36.0).isLessThan(0.3);
      assertThat(zeros(after.get("stage2/01Conv2d_weight")) / 288.0).isGreaterThan(0.3);
      assertNonKernelsUntouched(model, all);
    }
  }

  @Test
  void layerScope_zeroesTheRequestedFractionOfEachKernel() {
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = LoopFixtures.model(CNN, manager, 1);
      Map<String, float[]> all = LoopFixtures.values(model);

      MagnitudePruning pruning = MagnitudePruning.prune(model, new PruningSpec(0.3, PruningSpec.Scope.LAYER));

      Map<String, float[]> after = kernels(model);
      // floor(0.3 * size): 10 of 36, 86 of 288, 153 of 512, 14 of 48
      Map<String, Integer> expected = Map.of(
          "stage1/01Conv2d_weight", 10, "stage2/01Conv2d_weight", 86, "stage3/02Linear_weight", 153, "head/01Linear_weight", 14);
      expected.forEach((name, count) -> assertThat(zeros(after.get(name))).as(name).isCloseTo(count, within(1)));
      KERNELS.forEach(name -> assertSmallestWerePruned(all, after, List.of(name)));
      int total = after.values().stream().mapToInt(MagnitudePruningTest::zeros).sum();
      assertThat(pruning.sparsity()).isCloseTo(total / 884.0, within(1e-12));
      assertNonKernelsUntouched(model, all);
    }
  }

  private static void assertNonKernelsUntouched(StagedModel model, Map<String, float[]> before) {
    model.namedParameters().forEach((name, p) -> {
      if (p.getType() != Parameter.Type.WEIGHT) {
        assertThat(p.getArray().toFloatArray()).as(name).containsExactly(before.get(name));
      }
    });
  }

  @Test
  void prunedWeights_stayZeroThroughTraining_whileTheOthersKeepLearning() {
    for (String scope : List.of("global", "layer")) {
      try (NDManager manager = NDManager.newBaseManager()) {
        StagedModel model = LoopFixtures.model(CNN, manager, 1);
        MagnitudePruning pruning = MagnitudePruning.prune(model, new PruningSpec(0.5, SpecName.parse(PruningSpec.Scope.class, scope)));
        double sparsity = pruning.sparsity();
        Map<String, float[]> pruned = kernels(model);
        Trainer trainer = new Trainer(model, manager, 3);
        trainer.configure(FreezePlan.apply(model, Set.copyOf(model.stageNames()), BatchNormMode.FOLLOW_STAGE),
            LoopFixtures.optimizer(model, "adam", 0.01, 3), pruning);

        Batches batches = LoopFixtures.trainBatches();
        for (int epoch = 1; epoch <= 2; epoch++) {
          trainer.trainEpoch(batches, epoch);
        }

        Map<String, float[]> trained = kernels(model);
        for (String name : KERNELS) {
          float[] b = pruned.get(name);
          float[] a = trained.get(name);
          int moved = 0;
          for (int i = 0; i < b.length; i++) {
            if (b[i] == 0f) {
              assertThat(a[i]).as("%s %s[%d] stays pruned", scope, name, i).isZero();
            } else if (a[i] != b[i]) {
              moved++;
            }
          }
          assertThat(moved).as("%s %s: surviving weights that changed", scope, name).isPositive();
        }
        assertThat(pruning.sparsity()).as(scope).isEqualTo(sparsity);
        assertThat(sparsity).as(scope).isCloseTo(0.5, within(2.0 / 884));
      }
    }
  }
}
