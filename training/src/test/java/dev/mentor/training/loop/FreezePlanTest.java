package dev.mentor.training.loop;

import static dev.mentor.training.loop.LoopFixtures.CNN;
import static dev.mentor.training.loop.LoopFixtures.isAffine;
import static dev.mentor.training.loop.LoopFixtures.isRunningStatistic;
import static dev.mentor.training.loop.LoopFixtures.stageOf;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.mentor.messages.spec.ArmSpec.BatchNormMode;
import dev.mentor.messages.spec.ArmSpec.Strategy;
import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.messages.spec.InitSpec;
import dev.mentor.messages.spec.ModelSpec;
import dev.mentor.messages.spec.SpecName;
import dev.mentor.training.engine.GradMode;
import dev.mentor.training.model.BatchNormLayer;
import dev.mentor.training.model.StagedModel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * FreezePlan wired into Trainer: after real training steps, exactly the parameters a strategy and
 * BatchNorm mode say should learn have changed, and every other byte is untouched.
 */
class FreezePlanTest {
  private static final int EPOCHS = 1;

  private static ArmSpec arm(ModelSpec model, String strategy, Integer lastStages, List<String> trainStages) {
    // Strategies that train no head must keep the pretrained one.
    boolean keepHead = strategy.equals("bn-adapt") || strategy.equals("none");
    InitSpec init = strategy.equals("scratch") ? null : new InitSpec("source", null, keepHead, null);
    return new ArmSpec("arm", "task", model, SpecName.parse(Strategy.class, strategy), init, lastStages, trainStages, null,
        null, null, null, null, null, null, null, null, null, null, null, null, null, null);
  }

  /** The stages each strategy trains on the cnn [stage1, stage2, stage3, head], and the expected no-grad prefix. */
  static Stream<Arguments> strategies() {
    return Stream.of(
        Arguments.of("scratch", arm(CNN, "scratch", null, null).trainedStages(), Set.of("stage1", "stage2", "stage3", "head"), 0),
        Arguments.of("full", arm(CNN, "full", null, null).trainedStages(), Set.of("stage1", "stage2", "stage3", "head"), 0),
        Arguments.of("linear-probe", arm(CNN, "linear-probe", null, null).trainedStages(), Set.of("head"), 3),
        Arguments.of("lp-ft probe phase", List.of("head"), Set.of("head"), 3),
        Arguments.of("lp-ft finetune phase", arm(CNN, "lp-ft", null, null).trainedStages(), Set.of("stage1", "stage2", "stage3", "head"), 0),
        Arguments.of("partial lastStages=1", arm(CNN, "partial", 1, null).trainedStages(), Set.of("stage3", "head"), 2),
        Arguments.of("partial lastStages=2", arm(CNN, "partial", 2, null).trainedStages(), Set.of("stage2", "stage3", "head"), 1),
        Arguments.of("partial trainStages=[stage1]", arm(CNN, "partial", null, List.of("stage1")).trainedStages(), Set.of("stage1", "head"), 0),
        Arguments.of("bn-adapt", arm(CNN, "bn-adapt", null, null).trainedStages(), Set.of(), 4),
        Arguments.of("none", arm(CNN, "none", null, null).trainedStages(), Set.of(), 4));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("strategies")
  void strategy_changesExactlyTheTrainedStages_andLeavesEveryFrozenByteUnchanged(
      String strategy, List<String> trained, Set<String> expectedTrained, int expectedPrefix) {
    assertThat(Set.copyOf(trained)).isEqualTo(expectedTrained);
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = LoopFixtures.model(CNN, manager, 1);
      Trainer trainer = LoopFixtures.trainer(model, manager, Set.copyOf(trained), "follow-stage");
      Map<String, float[]> before = LoopFixtures.values(model);

      Batches batches = LoopFixtures.trainBatches();
      for (int epoch = 1; epoch <= EPOCHS; epoch++) {
        trainer.trainEpoch(batches, epoch);
      }

      Map<String, float[]> after = LoopFixtures.values(model);
      for (String name : before.keySet()) {
        if (expectedTrained.contains(stageOf(name))) {
          // follow-stage: a trained stage's BatchNorm learns its affine part and updates its statistics.
          assertThat(after.get(name)).as("%s trains", name).isNotEqualTo(before.get(name));
        } else {
          assertThat(after.get(name)).as("%s is frozen", name).containsExactly(before.get(name));
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("strategies")
  void strategy_noGradPrefixIsTheFrozenLeadingStages_andTheirOutputsNeedNoGradient(
      String strategy, List<String> trained, Set<String> expectedTrained, int expectedPrefix) {
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = LoopFixtures.model(CNN, manager, 1);
      FreezePlan plan = FreezePlan.apply(model, Set.copyOf(trained), BatchNormMode.FOLLOW_STAGE);

      assertThat(plan.noGradPrefix()).isEqualTo(expectedPrefix);
      List<String> expectedTrainable = new ArrayList<>();
      long count = 0;
      for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
        if (expectedTrained.contains(stageOf(e.getKey())) && !isRunningStatistic(e.getValue().getType())) {
          expectedTrainable.add(e.getKey());
          count += e.getValue().getArray().size();
        }
        assertThat(e.getValue().requiresGradient()).as(e.getKey())
            .isEqualTo(expectedTrained.contains(stageOf(e.getKey())) && !isRunningStatistic(e.getValue().getType()));
      }
      assertThat(plan.trainable()).map(p -> nameOf(model, p)).containsExactlyElementsOf(expectedTrainable);
      assertThat(plan.trainableCount()).isEqualTo(count);

      // The input itself requires a gradient, so a stage's output avoids one only when the stage ran with recording off.
      Map<String, Boolean> needsGradient = tapGradients(model, manager);
      List<String> stages = model.stageNames();
      for (int i = 0; i < stages.size(); i++) {
        assertThat(needsGradient.get(stages.get(i))).as("output of %s requires gradient", stages.get(i)).isEqualTo(i >= expectedPrefix);
      }
    }
  }

  private static String nameOf(StagedModel model, Parameter p) {
    return model.namedParameters().entrySet().stream().filter(e -> e.getValue() == p).findFirst().orElseThrow().getKey();
  }

  /**
   * Whether each stage's output is part of a backward graph, in a training pass whose input itself
   * requires a gradient: a stage's output escapes the graph only when the stage ran with recording
   * off. Tested by back-propagating from the tap (one fresh pass per stage, since backward frees
   * the graph); {@link GradMode#requiresGradient} cannot tell, see GradModeTest.
   */
  private static Map<String, Boolean> tapGradients(StagedModel model, NDManager manager) {
    Map<String, Boolean> result = new java.util.HashMap<>();
    for (String stage : model.stageNames()) {
      try (NDManager step = manager.newSubManager(); GradMode tape = GradMode.recording()) {
        NDArray x = step.randomUniform(0, 1, new Shape(4, 1, 8, 8));
        x.setRequiresGradient(true);
        NDArray out = model.forward(new ParameterStore(step, false), x, true, Set.of(stage)).taps().get(stage);
        boolean inGraph;
        try {
          tape.backward(out.sum());
          inGraph = true;
        } catch (ai.djl.engine.EngineException e) {
          assertThat(e).hasMessageContaining("does not require grad");
          inGraph = false;
        }
        result.put(stage, inGraph);
      }
    }
    return result;
  }

  @Test
  void noGradPrefix_stopsAtTheFirstStageWithAnythingToTrain() {
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = LoopFixtures.model(CNN, manager, 1);
      // Linear probe, but BatchNorm affine trains in every stage: stage1 has trainable gamma/beta.
      assertThat(FreezePlan.apply(model, Set.of("head"), BatchNormMode.TRAIN).noGradPrefix()).isZero();
      assertThat(FreezePlan.apply(model, Set.of("head"), BatchNormMode.AFFINE_ONLY).noGradPrefix()).isZero();
      // Statistics updates need no backward graph: the frozen prefix stays.
      assertThat(FreezePlan.apply(model, Set.of("head"), BatchNormMode.STATS_ONLY).noGradPrefix()).isEqualTo(3);
      assertThat(FreezePlan.apply(model, Set.of("head"), BatchNormMode.FROZEN).noGradPrefix()).isEqualTo(3);
    }
  }

  // ---- BatchNorm modes -------------------------------------------------------------------

  /** Trains {@code trained} stages of a cnn under {@code mode} and checks each parameter against {@code changes}. */
  private static void assertChanges(Set<String> trained, String mode, BiPredicate<String, Parameter.Type> changes) {
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = LoopFixtures.model(CNN, manager, 1);
      Trainer trainer = LoopFixtures.trainer(model, manager, trained, mode);
      Map<String, float[]> before = LoopFixtures.values(model);
      Map<String, Parameter.Type> types = LoopFixtures.types(model);
      Batches batches = LoopFixtures.trainBatches();
      for (int epoch = 1; epoch <= EPOCHS; epoch++) {
        trainer.trainEpoch(batches, epoch);
      }
      Map<String, float[]> after = LoopFixtures.values(model);
      Set<String> checked = new HashSet<>();
      for (String name : before.keySet()) {
        if (changes.test(name, types.get(name))) {
          assertThat(after.get(name)).as("%s should change under %s", name, mode).isNotEqualTo(before.get(name));
        } else {
          assertThat(after.get(name)).as("%s should be unchanged under %s", name, mode).containsExactly(before.get(name));
        }
        checked.add(name);
      }
      assertThat(checked).hasSize(14);
    }
  }

  @Test
  void linearProbe_followStage_leavesEveryBackboneByteIncludingRunningStatisticsUnchanged_andChangesTheHead() {
    assertChanges(Set.of("head"), "follow-stage", (name, type) -> stageOf(name).equals("head"));
  }

  @Test
  void batchNormTrain_inALinearProbe_learnsGammaBetaAndStatisticsEvenInFrozenStages_butNotTheirConvolutions() {
    assertChanges(Set.of("head"), "train", (name, type) -> stageOf(name).equals("head") || isAffine(type) || isRunningStatistic(type));
  }

  @Test
  void batchNormFrozen_inFullFineTuning_changesNothingInAnyBatchNorm_butTrainsEverythingElse() {
    assertChanges(Set.of("stage1", "stage2", "stage3", "head"), "frozen",
        (name, type) -> !isAffine(type) && !isRunningStatistic(type));
  }

  @Test
  void batchNormStatsOnly_inALinearProbe_updatesRunningStatistics_butNotGammaBetaOrFrozenConvolutions() {
    assertChanges(Set.of("head"), "stats-only", (name, type) -> stageOf(name).equals("head") || isRunningStatistic(type));
  }

  @Test
  void batchNormStatsOnly_inFullFineTuning_keepsGammaBetaFixedEvenInTrainedStages() {
    assertChanges(Set.of("stage1", "stage2", "stage3", "head"), "stats-only", (name, type) -> !isAffine(type));
  }

  @Test
  void batchNormAffineOnly_inALinearProbe_learnsGammaBeta_butNeverUpdatesRunningStatistics() {
    assertChanges(Set.of("head"), "affine-only", (name, type) -> stageOf(name).equals("head") || isAffine(type));
  }

  @Test
  void batchNormAffineOnly_inFullFineTuning_keepsRunningStatisticsEvenInTrainedStages() {
    assertChanges(Set.of("stage1", "stage2", "stage3", "head"), "affine-only", (name, type) -> !isRunningStatistic(type));
  }

  @Test
  void batchNormFollowStage_inPartialFineTuning_trainsTheBatchNormOfTrainedStagesOnly() {
    assertChanges(Set.of("stage2", "stage3", "head"), "follow-stage", (name, type) -> !stageOf(name).equals("stage1"));
  }

  @Test
  void batchNormModes_setEachLayersStatisticsFlag() {
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = LoopFixtures.model(CNN, manager, 1);
      Map<String, List<Boolean>> expected = Map.of(
          "follow-stage", List.of(false, true),
          "train", List.of(true, true),
          "frozen", List.of(false, false),
          "stats-only", List.of(true, true),
          "affine-only", List.of(false, false));
      expected.forEach((mode, flags) -> {
        // stage1 frozen, stage2 trained
        FreezePlan.apply(model, Set.of("stage2", "stage3", "head"), SpecName.parse(BatchNormMode.class, mode));
        assertThat(model.batchNorms().stream().map(BatchNormLayer::updatesStatistics).toList()).as(mode).isEqualTo(flags);
      });
    }
  }

  @Test
  void frozenStages_runAsInEvaluation_soTheirDropoutIsOff_whileTrainedStagesKeepIt() {
    ModelSpec mlp = new ModelSpec(ModelSpec.Type.MLP, List.of(16, 8), null, null, 0.5, null);
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = LoopFixtures.model(mlp, manager, 1);
      // partial: stage1 frozen, stage2 and head trained
      FreezePlan.apply(model, Set.of("stage2", "head"), BatchNormMode.FOLLOW_STAGE);
      try (NDManager step = manager.newSubManager(); GradMode off = GradMode.off()) {
        NDArray x = step.randomUniform(0, 1, new Shape(4, 1, 8, 8));
        ParameterStore store = new ParameterStore(step, false);
        Set<String> taps = Set.of("stage1", "stage2");
        Map<String, NDArray> training = model.forward(store, x, true, taps).taps();
        Map<String, NDArray> inference = model.forward(store, x, false, taps).taps();
        assertThat(training.get("stage1").toFloatArray()).as("frozen stage1").containsExactly(inference.get("stage1").toFloatArray());
        assertThat(training.get("stage2").toFloatArray()).as("trained stage2").isNotEqualTo(inference.get("stage2").toFloatArray());
      }
    }
  }

  /**
   * The resnet's last stage holds BatchNorm layers and, after its pooling, dropout: under
   * {@code batchNorm: train} the frozen stage runs in training mode so that its BatchNorm learns,
   * but its dropout must stay off (a frozen stage's features are deterministic); under
   * {@code follow-stage} the trained stage keeps its dropout.
   */
  @ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.ValueSource(strings = {"train", "stats-only"})
  void frozenStage_whoseBatchNormTrains_keepsItsDropoutOff(String mode) {
    ModelSpec resnet = new ModelSpec(ModelSpec.Type.RESNET, null, List.of(4, 8), null, 0.5, 1);
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = LoopFixtures.model(resnet, manager, 1);
      assertThat(model.dropouts()).hasSize(1);
      Set<String> taps = Set.of("stage2");
      // linear probe: every stage but the head frozen, their BatchNorm updating statistics
      FreezePlan.apply(model, Set.of("head"), SpecName.parse(BatchNormMode.class, mode));
      assertThat(model.batchNorms("stage2")).allMatch(BatchNormLayer::updatesStatistics);
      try (NDManager step = manager.newSubManager(); GradMode off = GradMode.off()) {
        NDArray x = step.randomUniform(0, 1, new Shape(4, 1, 8, 8));
        ParameterStore store = new ParameterStore(step, false);
        // BatchNorm normalises with the batch's statistics in both passes: only dropout could tell them apart.
        float[] first = model.forward(store, x, true, taps).taps().get("stage2").toFloatArray();
        float[] second = model.forward(store, x, true, taps).taps().get("stage2").toFloatArray();
        assertThat(second).as("frozen stage2 under batchNorm: %s, two training passes", mode).containsExactly(first);

        FreezePlan.apply(model, Set.copyOf(model.stageNames()), BatchNormMode.FOLLOW_STAGE);
        float[] trainedFirst = model.forward(store, x, true, taps).taps().get("stage2").toFloatArray();
        float[] trainedSecond = model.forward(store, x, true, taps).taps().get("stage2").toFloatArray();
        assertThat(trainedSecond).as("trained stage2 keeps its dropout").isNotEqualTo(trainedFirst);
      }
    }
  }

  @Test
  void lpFt_probeThenFineTune_keepsTheBackboneThroughTheProbe_andReleasesItForFineTuning() {
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = LoopFixtures.model(CNN, manager, 1);
      Batches batches = LoopFixtures.trainBatches();
      Trainer trainer = LoopFixtures.trainer(model, manager, Set.of("head"), "follow-stage");
      Map<String, float[]> start = LoopFixtures.values(model);
      trainer.trainEpoch(batches, 1);
      Map<String, float[]> probed = LoopFixtures.values(model);
      start.forEach((name, v) -> {
        if (stageOf(name).equals("head")) {
          assertThat(probed.get(name)).as(name).isNotEqualTo(v);
        } else {
          assertThat(probed.get(name)).as(name).containsExactly(v);
        }
      });

      FreezePlan finetune = FreezePlan.apply(model, Set.copyOf(model.stageNames()), BatchNormMode.FOLLOW_STAGE);
      assertThat(finetune.noGradPrefix()).isZero();
      trainer.configure(finetune, LoopFixtures.optimizer(model, "adam", 0.01, 3), null);
      trainer.trainEpoch(batches, 2);
      Map<String, float[]> tuned = LoopFixtures.values(model);
      probed.forEach((name, v) -> assertThat(tuned.get(name)).as(name).isNotEqualTo(v));
    }
  }

  /**
   * Before: the reported learning rate was the last trainable parameter's, which under
   * {@code batchNorm: train} is a frozen later stage's BatchNorm affine (with layer decay, another
   * rate than the trained stage's).
   */
  @Test
  void theReportedParameterIsTheLastTrainedStagesNotAFrozenStagesBatchNorm() {
    ModelSpec resnet = new ModelSpec(ModelSpec.Type.RESNET, null, List.of(4, 8), null, null, 1);
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = LoopFixtures.model(resnet, manager, 1);
      FreezePlan plan = FreezePlan.apply(model, Set.of("stage1"), BatchNormMode.TRAIN);

      assertThat(plan.trainable()).anyMatch(p -> model.namedParameters("stage2").containsValue(p));
      assertThat(model.namedParameters("stage1")).containsValue(plan.reported());
      List<Parameter> stage1 = plan.trainable().stream().filter(p -> model.namedParameters("stage1").containsValue(p)).toList();
      assertThat(plan.reported()).isSameAs(stage1.get(stage1.size() - 1));
    }
  }
}
