package dev.mentor.training.loop;

import static dev.mentor.training.loop.LoopFixtures.DATA;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import ai.djl.ndarray.NDManager;
import dev.mentor.messages.spec.ArmSpec.BatchNormMode;
import dev.mentor.messages.spec.ModelSpec;
import dev.mentor.messages.spec.OptimizerSpec;
import dev.mentor.messages.spec.ScheduleSpec;
import dev.mentor.training.data.Augmentation;
import dev.mentor.training.eval.Predictions;
import dev.mentor.training.model.StackedModel;
import dev.mentor.training.model.StagedModel;
import dev.mentor.training.optim.MentorOptimizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A stacked ensemble member trains exactly as the member alone: same initial weights, data order,
 * augmentation and dropout draws, gradient and optimiser update, so its weights after training
 * equal the solo member's within float tolerance (the stacked kernels round differently).
 */
class StackedTrainerTest {
  /** Relative tolerance on every parameter: max |stacked − solo| ≤ TOLERANCE · max(1, max |solo|). */
  private static final double TOLERANCE = 1e-5;
  private static final long[] SEEDS = {11, 12, 13};
  private static final ModelSpec CNN_DROPOUT = new ModelSpec(ModelSpec.Type.CNN, null, List.of(4, 8), 16, 0.25, null);
  private static final ModelSpec MLP_DROPOUT = new ModelSpec(ModelSpec.Type.MLP, List.of(16, 8), null, null, 0.3, null);
  private static final ModelSpec LOGISTIC = new ModelSpec(ModelSpec.Type.LOGISTIC, null, null, null, null, null);

  private static OptimizerSpec adam() {
    return new OptimizerSpec(OptimizerSpec.Type.ADAM, 0.01, null, null, null);
  }

  /** Member m trained alone for {@code epochs} epochs of batch {@code batchSize}: its parameters by name. */
  private static Map<String, float[]> solo(ModelSpec spec, OptimizerSpec opt, long seed, int batchSize, int epochs, Augmentation augmentation,
      double[] firstEpochLoss) {
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = LoopFixtures.model(spec, manager, seed);
      Trainer trainer = new Trainer(model, manager, seed);
      Batches batches = new Batches(DATA.train(), batchSize, LoopFixtures.NORMALIZATION, augmentation);
      trainer.configure(FreezePlan.apply(model, Set.copyOf(model.stageNames()), BatchNormMode.FOLLOW_STAGE),
          MentorOptimizer.create(model, opt, ScheduleSpec.constant(), batches.count(), epochs), null);
      for (int epoch = 1; epoch <= epochs; epoch++) {
        double loss = trainer.trainEpoch(batches, epoch).loss();
        if (epoch == 1) {
          firstEpochLoss[0] = loss;
        }
      }
      return LoopFixtures.values(model);
    }
  }

  /** The same members trained stacked: each member's parameters by name, and each member's first-epoch loss. */
  private static List<Map<String, float[]>> stacked(ModelSpec spec, OptimizerSpec opt, int batchSize, int epochs, Augmentation augmentation,
      double[] firstEpochLosses) {
    try (NDManager manager = NDManager.newBaseManager()) {
      List<StagedModel> members = new ArrayList<>();
      List<Batches> batches = new ArrayList<>();
      for (long seed : SEEDS) {
        members.add(LoopFixtures.model(spec, manager, seed));
        batches.add(new Batches(DATA.train(), batchSize, LoopFixtures.NORMALIZATION, augmentation));
      }
      StackedModel model = StackedModel.stack(members, manager);
      StackedTrainer trainer = new StackedTrainer(model, manager, SEEDS);
      trainer.configure(StackedTrainer.optimizer(model, opt, ScheduleSpec.constant(), batches.get(0).count(), epochs));
      for (int epoch = 1; epoch <= epochs; epoch++) {
        List<Trainer.EpochStats> stats = trainer.trainEpoch(batches, epoch, done -> { });
        if (epoch == 1) {
          for (int m = 0; m < SEEDS.length; m++) {
            firstEpochLosses[m] = stats.get(m).loss();
          }
        }
      }
      List<Map<String, float[]>> out = new ArrayList<>();
      for (int m = 0; m < SEEDS.length; m++) {
        out.add(model.memberValues(m));
      }
      // Unstacking writes the same values into the member models.
      model.unstack(members);
      for (int m = 0; m < SEEDS.length; m++) {
        Map<String, float[]> written = LoopFixtures.values(members.get(m));
        for (Map.Entry<String, float[]> e : out.get(m).entrySet()) {
          assertThat(written.get(e.getKey())).as("unstacked %s of member %d", e.getKey(), m).containsExactly(e.getValue());
        }
      }
      return out;
    }
  }

  private static void assertEquivalent(ModelSpec spec, OptimizerSpec opt, int batchSize, int epochs, Augmentation augmentation) {
    double[] stackedLosses = new double[SEEDS.length];
    List<Map<String, float[]>> stacked = stacked(spec, opt, batchSize, epochs, augmentation, stackedLosses);
    for (int m = 0; m < SEEDS.length; m++) {
      double[] soloLoss = new double[1];
      Map<String, float[]> alone = solo(spec, opt, SEEDS[m], batchSize, epochs, augmentation, soloLoss);
      assertThat(stacked.get(m).keySet()).containsExactlyElementsOf(alone.keySet());
      for (Map.Entry<String, float[]> e : alone.entrySet()) {
        float[] expected = e.getValue();
        float[] actual = stacked.get(m).get(e.getKey());
        double scale = 1;
        double error = 0;
        for (int i = 0; i < expected.length; i++) {
          scale = Math.max(scale, Math.abs(expected[i]));
          error = Math.max(error, Math.abs(actual[i] - expected[i]));
        }
        assertThat(error).as("%s %s of member %d after %d epoch(s) of batch %d: max |stacked - alone| / max(1, max |alone|)",
            spec.type(), e.getKey(), m, epochs, batchSize).isLessThanOrEqualTo(TOLERANCE * scale);
      }
      assertThat(stackedLosses[m]).as("member %d first-epoch loss", m).isCloseTo(soloLoss[0], offset(1e-5));
    }
  }

  @Test
  void oneStep_eachStackedMemberEqualsTheMemberTrainedAlone() {
    // Batch 24 = the whole training set: one optimiser step per epoch.
    assertEquivalent(CNN_DROPOUT, adam(), 24, 1, Augmentation.none());
    assertEquivalent(MLP_DROPOUT, adam(), 24, 1, Augmentation.none());
    assertEquivalent(LOGISTIC, adam(), 24, 1, Augmentation.none());
  }

  @Test
  void twoEpochsOfSeveralSteps_withAugmentationWeightDecayAndLayerDecay_stayEquivalent() {
    OptimizerSpec adamw = new OptimizerSpec(OptimizerSpec.Type.ADAMW, 0.01, null, 0.05, 0.5);
    OptimizerSpec sgd = new OptimizerSpec(OptimizerSpec.Type.SGD, 0.05, 0.9, 1e-3, null);
    assertEquivalent(CNN_DROPOUT, adamw, 8, 2, new Augmentation(1, true, 0.05));
    assertEquivalent(MLP_DROPOUT, sgd, 8, 2, Augmentation.none());
  }

  @Test
  void predict_givesEachMembersOwnProbabilities() {
    try (NDManager manager = NDManager.newBaseManager()) {
      List<StagedModel> members = new ArrayList<>();
      for (long seed : SEEDS) {
        members.add(LoopFixtures.model(CNN_DROPOUT, manager, seed));
      }
      StackedModel model = StackedModel.stack(members, manager);
      List<Predictions> stacked = new StackedTrainer(model, manager, SEEDS).predict(LoopFixtures.batches(DATA.test(), 7));
      for (int m = 0; m < SEEDS.length; m++) {
        Predictions alone = new Trainer(members.get(m), manager, SEEDS[m]).predict(LoopFixtures.batches(DATA.test(), 7));
        assertThat(stacked.get(m).labels()).containsExactly(alone.labels());
        assertThat(stacked.get(m).sampleIds()).containsExactly(alone.sampleIds());
        float[] p = stacked.get(m).probabilities();
        for (int i = 0; i < p.length; i++) {
          assertThat((double) p[i]).isCloseTo(alone.probabilities()[i], offset(1e-6));
        }
      }
    }
  }

  @Test
  void stack_refusesAResnet() {
    ModelSpec resnet = new ModelSpec(ModelSpec.Type.RESNET, null, List.of(4), null, null, null);
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel member = LoopFixtures.model(resnet, manager, 1);
      assertThatThrownBy(() -> StackedModel.stack(List.of(member), manager)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("resnet");
    }
  }
}
