package dev.mentor.training.distill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.mentor.messages.spec.ArmSpec.BatchNormMode;
import dev.mentor.messages.spec.DistillSpec.LogitMode;
import dev.mentor.messages.spec.DistillSpec;
import dev.mentor.messages.spec.FeatureTermSpec.Form;
import dev.mentor.messages.spec.FeatureTermSpec.Method;
import dev.mentor.messages.spec.FeatureTermSpec;
import dev.mentor.messages.spec.ModelSpec;
import dev.mentor.messages.spec.OptimizerSpec;
import dev.mentor.messages.spec.ScheduleSpec;
import dev.mentor.messages.spec.StagePair;
import dev.mentor.messages.spec.TeacherSpec;
import dev.mentor.training.data.Augmentation;
import dev.mentor.training.data.Normalization;
import dev.mentor.training.data.SourceData;
import dev.mentor.training.data.SyntheticData;
import dev.mentor.training.engine.ParameterFile.Tensor;
import dev.mentor.training.loop.Batches;
import dev.mentor.training.loop.FreezePlan;
import dev.mentor.training.loop.Trainer;
import dev.mentor.training.model.ModelWeights;
import dev.mentor.training.model.ModelZoo;
import dev.mentor.training.model.StagedModel;
import dev.mentor.training.optim.MentorOptimizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The distillation objective inside the real training loop: cached teacher logits train exactly
 * like live ones, the teacher never changes, a FitNets regressor learns, misaligned teacher data
 * is refused, and native memory stays flat across epochs.
 */
class DistillationObjectiveTest {
  private static final SourceData DATA = SyntheticData.generate(3, 16, 8, 8, 3);
  private static final Normalization NORMALIZATION = Normalization.fit(DATA.train());
  private static final Shape INPUT = new Shape(1, 8, 8);
  private static final ModelSpec TEACHER = new ModelSpec(ModelSpec.Type.CNN, null, List.of(4, 8), 16, null, null);
  private static final ModelSpec STUDENT = new ModelSpec(ModelSpec.Type.CNN, null, List.of(2, 4), 8, null, null);
  private static final TeacherSpec FROM_ARM = TeacherSpec.ofArm("teacher");

  private static DistillSpec softTargets() {
    return new DistillSpec(FROM_ARM, LogitMode.SOFT_TARGETS, 4.0, 0.9, null, null, null, null);
  }

  private static Batches batches() {
    return new Batches(DATA.train(), 16, NORMALIZATION, Augmentation.none());
  }

  private static Teacher teacher(NDManager manager) {
    return new Teacher(List.of(ModelZoo.create(TEACHER, 3, INPUT, manager, 7)), new ParameterStore(manager, false), "test teacher");
  }

  /** Trains a student for {@code epochs} under {@code spec}; returns the term values of each epoch. */
  private static List<Map<String, Double>> train(StagedModel student, NDManager manager, DistillationObjective objective, int epochs) {
    Trainer trainer = new Trainer(student, manager, 11);
    trainer.setObjective(objective);
    FreezePlan plan = FreezePlan.apply(student, Set.copyOf(student.stageNames()), BatchNormMode.FOLLOW_STAGE);
    Batches train = batches();
    trainer.configure(plan, MentorOptimizer.create(student, new OptimizerSpec(OptimizerSpec.Type.ADAM, 0.01, null, null, null), ScheduleSpec.constant(),
        train.count(), epochs, objective.extraParameters()), null);
    List<Map<String, Double>> terms = new ArrayList<>();
    for (int epoch = 1; epoch <= epochs; epoch++) {
      terms.add(trainer.trainEpoch(train, epoch).terms());
    }
    return terms;
  }

  @Test
  void cachedTeacherLogitsTrainExactlyLikeLiveOnes() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Teacher teacher = teacher(manager);
      TeacherCache cache = new TeacherCache(3);
      TeacherCache.Counter counter = new TeacherCache.Counter();
      StagedModel cachedStudent = ModelZoo.create(STUDENT, 3, INPUT, manager, 2);
      StagedModel liveStudent = ModelZoo.create(STUDENT, 3, INPUT, manager, 2);
      DistillationObjective cached = DistillationObjective.builder().setSpec(softTargets()).setTeacher(teacher)
          .setStore(new ParameterStore(manager, false)).optCache(cache, counter).build();
      DistillationObjective live = DistillationObjective.builder().setSpec(softTargets()).setTeacher(teacher)
          .setStore(new ParameterStore(manager, false)).build();
      assertThat(cached.cached()).isTrue();
      assertThat(live.cached()).isFalse();

      List<Map<String, Double>> cachedTerms = train(cachedStudent, manager, cached, 3);
      List<Map<String, Double>> liveTerms = train(liveStudent, manager, live, 3);

      assertThat(counter.lookups()).isEqualTo(3L * DATA.train().size());
      assertThat(counter.hits()).as("epochs 2 and 3 read the cache").isEqualTo(2L * DATA.train().size());
      assertThat(cache.size()).isEqualTo(DATA.train().size());
      assertThat(cachedTerms).isEqualTo(liveTerms);
      Map<String, Tensor> a = ModelWeights.snapshot(cachedStudent);
      Map<String, Tensor> b = ModelWeights.snapshot(liveStudent);
      a.forEach((name, t) -> assertThat(t.values()).as(name).containsExactly(b.get(name).values()));
    }
  }

  @Test
  void theTeacherNeverChanges() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Teacher teacher = teacher(manager);
      Map<String, Tensor> before = ModelWeights.snapshot(teacher.members().get(0));
      DistillSpec spec = new DistillSpec(FROM_ARM, LogitMode.SOFT_TARGETS, 2.0, 0.5, null, null, null, List.of(
          new FeatureTermSpec(Method.ATTENTION, List.of(new StagePair("stage1", "stage1")), 1.0, null, null, null)));
      DistillationObjective objective = DistillationObjective.builder().setSpec(spec).setTeacher(teacher)
          .setStore(new ParameterStore(manager, false)).build();
      train(ModelZoo.create(STUDENT, 3, INPUT, manager, 2), manager, objective, 2);
      Map<String, Tensor> after = ModelWeights.snapshot(teacher.members().get(0));
      before.forEach((name, t) -> assertThat(after.get(name).values()).as(name).containsExactly(t.values()));
      teacher.members().get(0).namedParameters().values()
          .forEach(p -> assertThat(p.getArray().hasGradient()).as(p.getName() + " has a gradient").isFalse());
    }
  }

  @Test
  void attentionTermsTakeTheirSpecsForm_andTheReferenceCodesDefaultBeta() {
    try (NDManager manager = NDManager.newBaseManager()) {
      DistillSpec spec = new DistillSpec(FROM_ARM, LogitMode.SOFT_TARGETS, 4.0, 0.9, null, null, null, List.of(
          new FeatureTermSpec(Method.ATTENTION, List.of(new StagePair("stage1", "stage1")), null, null, null, null),
          new FeatureTermSpec(Method.ATTENTION, List.of(new StagePair("stage2", "stage2")), null, null, null, Form.REFERENCE_CODE)));
      DistillationObjective objective = DistillationObjective.builder().setSpec(spec).setTeacher(teacher(manager))
          .setStore(new ParameterStore(manager, false)).build();
      List<CompositeLoss.Term> terms = objective.compositeLoss().terms();
      assertThat(terms).extracting(CompositeLoss.Term::name).containsExactly("ce", "kd", "attention:stage1>stage1", "attention:stage2>stage2");
      assertThat(terms.get(2).weight()).isEqualTo(1.0);
      assertThat(((AttentionTransferLoss) terms.get(2).loss()).form()).isEqualTo(Form.PAPER);
      assertThat(terms.get(3).weight()).as("β").isEqualTo(1000.0);
      assertThat(((AttentionTransferLoss) terms.get(3).loss()).form()).isEqualTo(Form.REFERENCE_CODE);
      assertThat(DistillationObjective.describeLoss(spec, 1))
          .contains("1.0·Σ_pairs ‖Q_S − Q_T‖₂ (attention maps Σ_c|A_c|^2.0, L2-normalised, batch mean; the paper's form)")
          .contains("1000.0·Σ_pairs ½·mean((Q_S − Q_T)²)");
    }
  }

  @Test
  void fitNetsRegressorLearnsToPredictTheTeachersHint() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Teacher teacher = teacher(manager);
      StagedModel student = ModelZoo.create(new ModelSpec(ModelSpec.Type.MLP, List.of(12), null, null, null, null), 3, INPUT, manager, 2);
      StagePair pair = new StagePair("stage1", "stage2");
      String term = DistillationObjective.termName(Method.FITNETS, pair);
      HintRegressor regressor = HintRegressor.create(student.stageOutputShapes().get("stage1"),
          teacher.members().get(0).stageOutputShapes().get("stage2"), manager, 5);
      float[] initial = regressor.namedParameters().get("weight").getArray().toFloatArray();
      DistillSpec spec = new DistillSpec(FROM_ARM, LogitMode.NONE, null, null, null, null, null, List.of(
          new FeatureTermSpec(Method.FITNETS, List.of(pair), 1.0, null, null, null)));
      DistillationObjective objective = DistillationObjective.builder().setSpec(spec).setTeacher(teacher)
          .setStore(new ParameterStore(manager, false)).setRegressors(Map.of(term, regressor)).build();
      assertThat(objective.extraParameters()).hasSize(2);
      List<Map<String, Double>> terms = train(student, manager, objective, 12);
      assertThat(terms.get(11).get(term)).isLessThan(0.5 * terms.get(0).get(term));
      assertThat(regressor.namedParameters().get("weight").getArray().toFloatArray()).isNotEqualTo(initial);
    }
  }

  @Test
  void teacherBatchesHoldingOtherSamplesAreRefused() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Batches otherSamples = new Batches(DATA.test(), 16, NORMALIZATION, Augmentation.none());
      DistillationObjective objective = DistillationObjective.builder().setSpec(softTargets()).setTeacher(teacher(manager))
          .setStore(new ParameterStore(manager, false)).optTeacherBatches(otherSamples).build();
      assertThatThrownBy(() -> train(ModelZoo.create(STUDENT, 3, INPUT, manager, 2), manager, objective, 1))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("different samples");
    }
  }

  @Test
  void nativeMemoryStaysFlatAcrossDistillationEpochs() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Teacher teacher = teacher(manager);
      StagedModel student = ModelZoo.create(STUDENT, 3, INPUT, manager, 2);
      StagePair pair = new StagePair("stage2", "stage2");
      HintRegressor regressor = HintRegressor.create(student.stageOutputShapes().get("stage2"),
          teacher.members().get(0).stageOutputShapes().get("stage2"), manager, 5);
      DistillSpec spec = new DistillSpec(FROM_ARM, LogitMode.SOFT_TARGETS, 4.0, 0.9, null, null, null, List.of(
          new FeatureTermSpec(Method.FITNETS, List.of(pair), 1.0, null, null, null),
          new FeatureTermSpec(Method.SIMILARITY, List.of(pair), 100.0, null, null, null)));
      DistillationObjective objective = DistillationObjective.builder().setSpec(spec).setTeacher(teacher)
          .setStore(new ParameterStore(manager, false)).setRegressors(Map.of(DistillationObjective.termName(Method.FITNETS, pair), regressor)).build();
      Trainer trainer = new Trainer(student, manager, 11);
      trainer.setObjective(objective);
      Batches train = batches();
      trainer.configure(FreezePlan.apply(student, Set.copyOf(student.stageNames()), BatchNormMode.FOLLOW_STAGE), MentorOptimizer.create(student,
          new OptimizerSpec(OptimizerSpec.Type.ADAM, 0.01, null, null, null), ScheduleSpec.constant(), train.count(), 6, objective.extraParameters()), null);
      int afterEpoch2 = 0;
      for (int epoch = 1; epoch <= 6; epoch++) {
        trainer.trainEpoch(train, epoch);
        if (epoch == 2) {
          afterEpoch2 = manager.getManagedArrays().size();
        }
      }
      assertThat(manager.getManagedArrays().size()).isEqualTo(afterEpoch2);
    }
  }
}
