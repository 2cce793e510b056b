package dev.mentor.training.loop;

import static dev.mentor.training.loop.LoopFixtures.CNN;
import static dev.mentor.training.loop.LoopFixtures.DATA;
import static dev.mentor.training.loop.LoopFixtures.isRunningStatistic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import ai.djl.training.tracker.ParameterTracker;
import dev.mentor.messages.spec.ArmSpec.BatchNormMode;
import dev.mentor.messages.spec.ModelSpec;
import dev.mentor.messages.spec.OptimizerSpec;
import dev.mentor.messages.spec.PruningSpec;
import dev.mentor.messages.spec.ScheduleSpec;
import dev.mentor.training.data.Augmentation;
import dev.mentor.training.data.ImageSet;
import dev.mentor.training.engine.GradMode;
import dev.mentor.training.eval.Predictions;
import dev.mentor.training.model.BatchNormLayer;
import dev.mentor.training.model.StagedModel;
import dev.mentor.training.optim.MentorOptimizer;
import dev.mentor.training.optim.Schedule;
import dev.mentor.training.optim.StageLearningRates;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TrainerTest {
  private static final ModelSpec CNN_DROPOUT = new ModelSpec(ModelSpec.Type.CNN, null, List.of(4, 8), 16, 0.25, null);

  /** Trains a fresh cnn with dropout and augmentation for two epochs and returns its parameters. */
  private static Map<String, float[]> trainTwoEpochs(long trainerSeed, double[] losses) {
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = LoopFixtures.model(CNN_DROPOUT, manager, 1);
      Trainer trainer = new Trainer(model, manager, trainerSeed);
      trainer.configure(FreezePlan.apply(model, Set.copyOf(model.stageNames()), BatchNormMode.FOLLOW_STAGE),
          LoopFixtures.optimizer(model, "adam", 0.01, 3), null);
      Batches batches = new Batches(DATA.train(), 8, LoopFixtures.NORMALIZATION, new Augmentation(1, true, 0.05));
      for (int epoch = 1; epoch <= 2; epoch++) {
        losses[epoch - 1] = trainer.trainEpoch(batches, epoch).loss();
      }
      return LoopFixtures.values(model);
    }
  }

  @Test
  void trainEpoch_sameSeedTwice_givesBitIdenticalWeights_andAnotherSeedDoesNot() {
    double[] lossesA = new double[2];
    double[] lossesB = new double[2];
    Map<String, float[]> a = trainTwoEpochs(9, lossesA);
    Map<String, float[]> b = trainTwoEpochs(9, lossesB);

    assertThat(lossesA).containsExactly(lossesB);
    a.forEach((name, v) -> assertThat(v).as(name).containsExactly(b.get(name)));

    // Another trainer seed draws other batch orders, augmentations and dropout masks.
    Map<String, float[]> c = trainTwoEpochs(10, new double[2]);
    assertThat(c.get("head/01Linear_weight")).isNotEqualTo(a.get("head/01Linear_weight"));
  }

  @Test
  void trainEpoch_reportsSamplesAccuracyAndTheHeadsLearningRate() {
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = LoopFixtures.model(CNN, manager, 1);
      Trainer trainer = LoopFixtures.trainer(model, manager, Set.of("stage3", "head"), "follow-stage");
      Trainer.EpochStats stats = trainer.trainEpoch(LoopFixtures.trainBatches(), 1);
      assertThat(stats.samples()).isEqualTo(24);
      assertThat(stats.loss()).isPositive().isFinite();
      // accuracy is a count of 24 samples
      assertThat(stats.accuracy() * 24).isCloseTo(Math.rint(stats.accuracy() * 24), within(1e-9));
      assertThat(stats.learningRate()).isCloseTo(0.01, within(1e-9));
      assertThat(trainer.optimizer().step()).isEqualTo(3);
    }
  }

  /**
   * An objective's own parameters (a FitNets regressor) train after the model's, at whatever rate
   * the optimiser gives them: the epoch's reported rate is still the model's last trained stage's.
   */
  @Test
  void trainEpoch_withAnObjectivesOwnParameters_reportsTheModelsRate_notTheirs() {
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = LoopFixtures.model(CNN, manager, 1);
      Parameter extra = Parameter.builder().setName("regressor").setType(Parameter.Type.WEIGHT).build();
      NDArray values = manager.ones(new Shape(3));
      values.setRequiresGradient(true);
      extra.setArray(values);
      Objective plain = Objective.of(new CrossEntropy());
      Objective withExtra = new Objective() {
        @Override
        public NDArray loss(int index, Batches.Batch batch, StagedModel.ModelOutput output, NDManager step) {
          return plain.loss(index, batch, output, step).add(extra.getArray().sum().mul(0.01f));
        }

        @Override
        public List<Parameter> extraParameters() {
          return List.of(extra);
        }
      };
      StageLearningRates modelRates = new StageLearningRates(model, 0.01, 1.0,
          new Schedule(ScheduleSpec.constant(), 3, 10), List.of(extra));
      ParameterTracker rates = (id, step) -> id.equals(extra.getId()) ? 0.5f : modelRates.getNewValue(id, step);
      Trainer trainer = new Trainer(model, manager, 5);
      trainer.setObjective(withExtra);
      trainer.configure(FreezePlan.apply(model, Set.copyOf(model.stageNames()), BatchNormMode.FOLLOW_STAGE),
          new MentorOptimizer(new OptimizerSpec(OptimizerSpec.Type.ADAM, 0.01, null, null, null), rates), null);

      Trainer.EpochStats stats = trainer.trainEpoch(LoopFixtures.trainBatches(), 1);

      assertThat(extra.getArray().toFloatArray()).as("the extra parameter trained").isNotEqualTo(new float[] {1, 1, 1});
      assertThat(stats.learningRate()).as("the head's rate").isCloseTo(0.01, within(1e-9));
    }
  }

  @Test
  void trainEpoch_nanInput_throwsTrainingDiverged_beforeAnyOptimiserStep() {
    float[] pixels = DATA.train().rawPixels().clone();
    pixels[5] = Float.NaN;
    ImageSet poisoned = new ImageSet(pixels, DATA.train().labels(), DATA.train().sampleIds(), 1, 8, 8);
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = LoopFixtures.model(CNN, manager, 1);
      Trainer trainer = LoopFixtures.trainer(model, manager, Set.copyOf(model.stageNames()), "follow-stage");
      Map<String, float[]> before = LoopFixtures.values(model);
      // batch size = whole set, so the NaN sample is in the first (only) batch whatever the shuffle
      Batches batches = LoopFixtures.batches(poisoned, 100);

      assertThatThrownBy(() -> trainer.trainEpoch(batches, 3))
          .isInstanceOf(TrainingDivergedException.class)
          .hasMessageContaining("NaN")
          .hasMessageContaining("epoch 3")
          .hasMessageContaining("step 1");

      // No optimiser step was taken. (The forward pass did fold the NaN batch into BatchNorm's running
      // statistics; the run is abandoned on this exception, so only the learned parameters are checked.)
      assertThat(trainer.optimizer().step()).isZero();
      Map<String, Parameter.Type> types = LoopFixtures.types(model);
      LoopFixtures.values(model).forEach((name, v) -> {
        if (!isRunningStatistic(types.get(name))) {
          assertThat(v).as(name).containsExactly(before.get(name));
        }
      });
      // The trainer is still usable on clean data: no scope or grad mode left behind.
      trainer.trainEpoch(LoopFixtures.trainBatches(), 4);
      assertThat(LoopFixtures.values(model).get("head/01Linear_weight")).isNotEqualTo(before.get("head/01Linear_weight"));
    }
  }

  /** Every array the manager holds, sub-managers included. */
  private static int liveArrays(NDManager manager) {
    return manager.getManagedArrays().size();
  }

  @Test
  void liveArrays_countsSubManagersToo() {
    try (NDManager manager = NDManager.newBaseManager()) {
      int before = liveArrays(manager);
      NDManager sub = manager.newSubManager();
      sub.zeros(new Shape(2));
      assertThat(liveArrays(manager)).isEqualTo(before + 1);
      sub.close();
      assertThat(liveArrays(manager)).isEqualTo(before);
    }
  }

  @Test
  void trainingAndPrediction_keepNativeMemoryFlatAcrossEpochs() {
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = LoopFixtures.model(CNN_DROPOUT, manager, 1);
      Batches train = new Batches(DATA.train(), 8, LoopFixtures.NORMALIZATION, new Augmentation(1, true, 0.05));
      Batches test = LoopFixtures.batches(DATA.test(), 5);
      MagnitudePruning pruning = MagnitudePruning.prune(model, new PruningSpec(0.3, PruningSpec.Scope.GLOBAL));
      Trainer trainer = new Trainer(model, manager, 1);
      trainer.configure(FreezePlan.apply(model, Set.of("stage2", "stage3", "head"), BatchNormMode.FOLLOW_STAGE),
          LoopFixtures.optimizer(model, "adam", 0.01, 3), pruning);
      int afterEpoch2 = 0;
      long directBuffersAfterEpoch2 = 0;
      for (int epoch = 1; epoch <= 6; epoch++) {
        trainer.trainEpoch(train, epoch);
        trainer.predict(test);
        if (epoch == 2) {
          afterEpoch2 = liveArrays(manager);
          directBuffersAfterEpoch2 = directBuffers();
        }
      }
      assertThat(liveArrays(manager)).isEqualTo(afterEpoch2);
      // Native memory outside the engine's managers: a direct buffer per batch would pile up until a GC.
      assertThat(directBuffers()).as("direct buffers alive").isLessThanOrEqualTo(directBuffersAfterEpoch2);
    }
  }

  /** Direct byte buffers the JVM has allocated and not yet freed. */
  private static long directBuffers() {
    return java.lang.management.ManagementFactory.getPlatformMXBeans(java.lang.management.BufferPoolMXBean.class).stream()
        .filter(pool -> pool.getName().equals("direct")).mapToLong(java.lang.management.BufferPoolMXBean::getCount).sum();
  }

  @Test
  void sgdTraining_keepsNativeMemoryFlatAcrossEpochs() {
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = LoopFixtures.model(LoopFixtures.MLP, manager, 1);
      Trainer trainer = new Trainer(model, manager, 1);
      trainer.configure(FreezePlan.apply(model, Set.copyOf(model.stageNames()), BatchNormMode.FOLLOW_STAGE),
          LoopFixtures.optimizer(model, "sgd", 0.01, 3), null);
      Batches train = LoopFixtures.trainBatches();
      int afterEpoch2 = 0;
      for (int epoch = 1; epoch <= 6; epoch++) {
        trainer.trainEpoch(train, epoch);
        if (epoch == 2) {
          afterEpoch2 = liveArrays(manager);
        }
      }
      assertThat(liveArrays(manager)).isEqualTo(afterEpoch2);
    }
  }

  @Test
  void recomputeBatchNormStatistics_keepsNativeMemoryFlat() {
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = LoopFixtures.model(CNN, manager, 1);
      Trainer trainer = LoopFixtures.trainer(model, manager, Set.of(), "follow-stage");
      Batches batches = LoopFixtures.trainBatches();
      trainer.recomputeBatchNormStatistics(batches);
      trainer.recomputeBatchNormStatistics(batches);
      int afterTwo = liveArrays(manager);
      for (int i = 0; i < 4; i++) {
        trainer.recomputeBatchNormStatistics(batches);
      }
      assertThat(liveArrays(manager)).isEqualTo(afterTwo);
    }
  }

  @Test
  void recomputeBatchNormStatistics_changesNoWeightGammaOrBeta_andSetsRunningStatisticsToTheExactAverage() {
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = LoopFixtures.model(CNN, manager, 1);
      // bn-adapt: nothing trains, BatchNorm follows its (frozen) stage
      Trainer trainer = LoopFixtures.trainer(model, manager, Set.of(), "follow-stage");
      List<Boolean> flagsBefore = model.batchNorms().stream().map(BatchNormLayer::updatesStatistics).toList();
      Map<String, float[]> before = LoopFixtures.values(model);
      Map<String, Parameter.Type> types = LoopFixtures.types(model);
      Batches batches = LoopFixtures.trainBatches();

      trainer.recomputeBatchNormStatistics(batches);

      Map<String, float[]> after = LoopFixtures.values(model);
      for (String name : before.keySet()) {
        if (isRunningStatistic(types.get(name))) {
          assertThat(after.get(name)).as(name).isNotEqualTo(before.get(name));
        } else {
          assertThat(after.get(name)).as(name).containsExactly(before.get(name));
        }
      }
      assertThat(model.batchNorms().stream().map(BatchNormLayer::updatesStatistics).toList()).isEqualTo(flagsBefore);

      // Hand computation for stage1's BatchNorm: its input is the first convolution's output. With 3 equal
      // batches of 8 the average of the batch means is the mean over all 24 samples.
      double[] expectedMean = new double[4];
      double[] expectedVar = new double[4];
      batches.inOrder();
      Block conv = ((SequentialBlock) model.stage("stage1")).getChildren().get(0).getValue();
      for (int i = 0; i < batches.count(); i++) {
        try (NDManager step = manager.newSubManager(); GradMode off = GradMode.off()) {
          NDArray out = conv.forward(new ParameterStore(step, false), new NDList(batches.get(i, step).inputs()), false).singletonOrThrow();
          float[] v = out.toFloatArray();
          long n = out.getShape().get(0);
          int hw = (int) (out.getShape().get(2) * out.getShape().get(3));
          for (int c = 0; c < 4; c++) {
            double sum = 0;
            for (int s = 0; s < n; s++) {
              for (int k = 0; k < hw; k++) {
                sum += v[(int) ((s * 4 + c) * hw + k)];
              }
            }
            double mean = sum / (n * hw);
            double squares = 0;
            for (int s = 0; s < n; s++) {
              for (int k = 0; k < hw; k++) {
                double d = v[(int) ((s * 4 + c) * hw + k)] - mean;
                squares += d * d;
              }
            }
            expectedMean[c] += mean / batches.count();
            expectedVar[c] += squares / (n * hw - 1) / batches.count();
          }
        }
      }
      float[] runningMean = after.get("stage1/02BatchNormLayer_runningMean");
      float[] runningVar = after.get("stage1/02BatchNormLayer_runningVar");
      for (int c = 0; c < 4; c++) {
        assertThat((double) runningMean[c]).as("mean %d", c).isCloseTo(expectedMean[c], within(1e-5));
        assertThat((double) runningVar[c]).as("var %d", c).isCloseTo(expectedVar[c], within(1e-5));
      }
    }
  }

  @Test
  void recomputeBatchNormStatistics_isIndependentOfTheStartingStatistics() {
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel a = LoopFixtures.model(CNN, manager, 1);
      StagedModel b = LoopFixtures.model(CNN, manager, 1);
      b.namedParameters().forEach((name, p) -> {
        if (isRunningStatistic(p.getType())) {
          float[] v = new float[(int) p.getArray().size()];
          java.util.Arrays.fill(v, 7f);
          p.getArray().set(v);
        }
      });
      LoopFixtures.trainer(a, manager, Set.of(), "follow-stage").recomputeBatchNormStatistics(LoopFixtures.trainBatches());
      LoopFixtures.trainer(b, manager, Set.of(), "follow-stage").recomputeBatchNormStatistics(LoopFixtures.trainBatches());
      Map<String, float[]> va = LoopFixtures.values(a);
      LoopFixtures.values(b).forEach((name, v) -> {
        for (int i = 0; i < v.length; i++) {
          assertThat(v[i]).as(name).isCloseTo(va.get(name)[i], org.assertj.core.data.Offset.offset(1e-5f));
        }
      });
    }
  }

  @Test
  void recomputeBatchNormStatistics_leavesTheFreezePlansStageModesInPlace() {
    ModelSpec mlp = new ModelSpec(ModelSpec.Type.MLP, List.of(16, 8), null, null, 0.5, null);
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = LoopFixtures.model(mlp, manager, 1);
      // linear probe: stage1 and stage2 are frozen and must run as in evaluation (dropout off)
      Trainer trainer = LoopFixtures.trainer(model, manager, Set.of("head"), "follow-stage");
      assertThat(frozenStageDropsUnits(model, manager)).isFalse();

      trainer.recomputeBatchNormStatistics(LoopFixtures.trainBatches());

      assertThat(frozenStageDropsUnits(model, manager)).as("stage1 dropout in a training pass after recompute").isFalse();
    }
  }

  /** Whether stage1's output in a training pass differs from its output in an inference pass. */
  private static boolean frozenStageDropsUnits(StagedModel model, NDManager manager) {
    try (NDManager step = manager.newSubManager(); GradMode off = GradMode.off()) {
      NDArray x = step.randomUniform(0, 1, new Shape(4, 1, 8, 8));
      ParameterStore store = new ParameterStore(step, false);
      float[] train = model.forward(store, x, true, Set.of("stage1")).taps().get("stage1").toFloatArray();
      float[] eval = model.forward(store, x, false, Set.of("stage1")).taps().get("stage1").toFloatArray();
      return !java.util.Arrays.equals(train, eval);
    }
  }

  @Test
  void predict_givesProbabilitiesInDataOrder_withoutChangingTheModel() {
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = LoopFixtures.model(CNN_DROPOUT, manager, 1);
      Trainer trainer = LoopFixtures.trainer(model, manager, Set.copyOf(model.stageNames()), "follow-stage");
      Map<String, float[]> before = LoopFixtures.values(model);
      Batches test = LoopFixtures.batches(DATA.test(), 4);

      Predictions first = trainer.predict(test);
      Predictions second = trainer.predict(test);

      assertThat(first.size()).isEqualTo(DATA.test().size());
      assertThat(first.numClasses()).isEqualTo(3);
      assertThat(first.labels()).containsExactly(DATA.test().labels());
      assertThat(first.sampleIds()).containsExactly(DATA.test().sampleIds());
      for (int i = 0; i < first.size(); i++) {
        double sum = 0;
        for (int c = 0; c < 3; c++) {
          sum += first.probability(i, c);
        }
        assertThat(sum).isCloseTo(1.0, within(1e-5));
      }
      // Inference mode: dropout off and running statistics used, so repeat passes agree and change nothing.
      assertThat(second.probabilities()).containsExactly(first.probabilities());
      LoopFixtures.values(model).forEach((name, v) -> assertThat(v).as(name).containsExactly(before.get(name)));
    }
  }
}
