package dev.mentor.training.distill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.mentor.messages.spec.ArmSpec.BatchNormMode;
import dev.mentor.messages.spec.DistillSpec.Average;
import dev.mentor.messages.spec.ModelSpec;
import dev.mentor.messages.spec.OptimizerSpec;
import dev.mentor.messages.spec.ScheduleSpec;
import dev.mentor.training.data.Augmentation;
import dev.mentor.training.data.ImageSet;
import dev.mentor.training.data.Normalization;
import dev.mentor.training.data.SourceData;
import dev.mentor.training.data.SyntheticData;
import dev.mentor.training.eval.Predictions;
import dev.mentor.training.loop.Batches;
import dev.mentor.training.loop.FreezePlan;
import dev.mentor.training.loop.Trainer;
import dev.mentor.training.model.ModelZoo;
import dev.mentor.training.model.StagedModel;
import dev.mentor.training.optim.MentorOptimizer;
import dev.mentor.training.optim.Schedule;
import dev.mentor.training.optim.StageLearningRates;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The view of a real DJL teacher trained on data where two classes overlap by construction: the
 * synthetic bars of 4 well-separated classes, with every other sample of class 1 relabelled as a fifth class
 * ("one again"), so classes 1 and 4 are drawn from one distribution and no model can tell them
 * apart. The view must name that pair first, from the model's logits and from its probabilities alike.
 */
class DarkKnowledgeTrainedTeacherTest {
  private static final List<String> NAMES = List.of("zero", "one", "two", "three", "one again");
  private static final List<Double> TEMPERATURES = List.of(1.0, 4.0, 20.0);
  private static final int EPOCHS = 12;

  /**
   * Synthetic classes 0, 2, 4 and 6 (bars 45° apart: apart from each other, unlike neighbouring
   * classes) as classes 0..3, with every other sample of class 1 relabelled 4.
   */
  private static ImageSet twinned(ImageSet set) {
    int[] kept = java.util.stream.IntStream.range(0, set.size()).filter(i -> set.label(i) % 2 == 0).toArray();
    ImageSet even = set.subset(kept);
    int[] labels = new int[even.size()];
    int seen = 0;
    for (int i = 0; i < labels.length; i++) {
      labels[i] = even.label(i) / 2;
      if (labels[i] == 1 && seen++ % 2 == 1) {
        labels[i] = 4;
      }
    }
    return even.withLabels(labels);
  }

  @Test
  void aTrainedTeacher_namesThePairThatOverlapsByConstructionFirst_fromItsLogitsAndFromItsProbabilities() {
    SourceData source = SyntheticData.generate(8, 80, 10, 10, 7);
    ImageSet train = twinned(source.train());
    ImageSet test = twinned(source.test());
    Normalization normalization = Normalization.fit(train);
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = ModelZoo.create(new ModelSpec(ModelSpec.Type.MLP, List.of(32), null, null, null, null), NAMES.size(),
          new Shape(1, 10, 10), manager, 3);
      Trainer trainer = new Trainer(model, manager, 3);
      Batches batches = new Batches(train, 32, normalization, Augmentation.none());
      OptimizerSpec adam = new OptimizerSpec(OptimizerSpec.Type.ADAM, 0.01, null, null, null);
      trainer.configure(FreezePlan.apply(model, Set.copyOf(model.stageNames()), BatchNormMode.FOLLOW_STAGE),
          new MentorOptimizer(adam, new StageLearningRates(model, 0.01, 1.0, new Schedule(ScheduleSpec.constant(), batches.count(), EPOCHS))), null);
      for (int epoch = 1; epoch <= EPOCHS; epoch++) {
        trainer.trainEpoch(batches, epoch);
      }
      Batches testBatches = new Batches(test, 64, normalization, Augmentation.none());
      Predictions predictions = trainer.predict(testBatches);
      DarkKnowledge fromProbabilities = DarkKnowledge.ofPredictions("mlp", "test", List.of(predictions), NAMES, TEMPERATURES,
          Average.PROBABILITIES);

      Teacher teacher = new Teacher(List.of(model), new ParameterStore(manager, false), "mlp");
      float[] logits = new float[test.size() * NAMES.size()];
      int[] labels = new int[test.size()];
      testBatches.inOrder();
      int offset = 0;
      for (int b = 0; b < testBatches.count(); b++) {
        try (NDManager step = manager.newSubManager()) {
          Batches.Batch batch = testBatches.get(b, step);
          float[] z = teacher.forward(batch.inputs(), Set.of()).memberLogits().toFloatArray();
          System.arraycopy(z, 0, logits, offset * NAMES.size(), z.length);
          System.arraycopy(batch.labelValues(), 0, labels, offset, batch.labelValues().length);
          offset += batch.labelValues().length;
        }
      }
      DarkKnowledge fromLogits = DarkKnowledge.of("mlp", "test", logits, 1, labels, NAMES, TEMPERATURES, Average.PROBABILITIES);

      for (DarkKnowledge view : List.of(fromLogits, fromProbabilities)) {
        for (double t : TEMPERATURES) {
          List<DarkKnowledge.Pair> top = view.topPairs(t, 2);
          assertThat(top.get(0).names()).as("T = %s", t).isEqualTo("one / one again");
          assertThat(top.get(0).mass()).isGreaterThan(top.get(1).mass());
        }
        // Indistinguishable classes: at T = 1 each gives the other about as much as it keeps, far more than any other pair.
        double[][] m = view.level(1.0).meanSoftTargets();
        assertThat(m[1][4]).isGreaterThan(0.25);
        assertThat(m[4][1]).isGreaterThan(0.25);
        assertThat(view.pairMass(1.0, 1, 4)).isGreaterThan(2 * view.topPairs(1.0, 2).get(1).mass());
      }
      for (double t : TEMPERATURES) {
        for (int i = 0; i < NAMES.size(); i++) {
          assertThat(fromProbabilities.level(t).meanSoftTargets()[i]).containsExactly(fromLogits.level(t).meanSoftTargets()[i], within(1e-5));
        }
      }
    }
  }
}
