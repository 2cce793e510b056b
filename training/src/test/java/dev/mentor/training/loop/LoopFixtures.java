package dev.mentor.training.loop;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.mentor.messages.spec.ArmSpec.BatchNormMode;
import dev.mentor.messages.spec.ModelSpec;
import dev.mentor.messages.spec.OptimizerSpec;
import dev.mentor.messages.spec.ScheduleSpec;
import dev.mentor.messages.spec.SpecName;
import dev.mentor.training.data.Augmentation;
import dev.mentor.training.data.ImageSet;
import dev.mentor.training.data.Normalization;
import dev.mentor.training.data.SourceData;
import dev.mentor.training.data.SyntheticData;
import dev.mentor.training.model.ModelZoo;
import dev.mentor.training.model.StagedModel;
import dev.mentor.training.optim.MentorOptimizer;
import dev.mentor.training.optim.Schedule;
import dev.mentor.training.optim.StageLearningRates;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Tiny models and data shared by the training-loop tests: 3 classes of 8x8 images, 24 training samples. */
final class LoopFixtures {
  static final ModelSpec CNN = new ModelSpec(ModelSpec.Type.CNN, null, List.of(4, 8), 16, null, null);
  static final ModelSpec MLP = new ModelSpec(ModelSpec.Type.MLP, List.of(16, 8), null, null, null, null);
  static final SourceData DATA = SyntheticData.generate(3, 8, 8, 8, 17);
  static final Normalization NORMALIZATION = Normalization.fit(DATA.train());
  static final Shape INPUT = new Shape(1, 8, 8);

  private LoopFixtures() {}

  static Batches batches(ImageSet set, int batchSize) {
    return new Batches(set, batchSize, NORMALIZATION, Augmentation.none());
  }

  /** 24 training samples in 3 batches of 8. */
  static Batches trainBatches() {
    return batches(DATA.train(), 8);
  }

  static StagedModel model(ModelSpec spec, NDManager manager, long seed) {
    return ModelZoo.create(spec, DATA.numClasses(), INPUT, manager, seed);
  }

  static MentorOptimizer optimizer(StagedModel model, String type, double lr, int stepsPerEpoch) {
    OptimizerSpec spec = new OptimizerSpec(SpecName.parse(OptimizerSpec.Type.class, type), lr, null, null, null);
    return new MentorOptimizer(spec, new StageLearningRates(model, lr, 1.0, new Schedule(ScheduleSpec.constant(), stepsPerEpoch, 10)));
  }

  /** A trainer with {@code trained} stages and a BatchNorm mode applied, stepping Adam at a rate that moves every weight visibly. */
  static Trainer trainer(StagedModel model, NDManager manager, Set<String> trained, String batchNormMode) {
    FreezePlan plan = FreezePlan.apply(model, trained, SpecName.parse(BatchNormMode.class, batchNormMode));
    Trainer trainer = new Trainer(model, manager, 5);
    trainer.configure(plan, optimizer(model, "adam", 0.01, 3), null);
    return trainer;
  }

  /** Every parameter's values by stable name. */
  static Map<String, float[]> values(StagedModel model) {
    Map<String, float[]> values = new LinkedHashMap<>();
    model.namedParameters().forEach((name, p) -> values.put(name, p.getArray().toFloatArray()));
    return values;
  }

  static Map<String, Parameter.Type> types(StagedModel model) {
    Map<String, Parameter.Type> types = new LinkedHashMap<>();
    model.namedParameters().forEach((name, p) -> types.put(name, p.getType()));
    return types;
  }

  static String stageOf(String name) {
    return name.substring(0, name.indexOf('/'));
  }

  static boolean isRunningStatistic(Parameter.Type type) {
    return type == Parameter.Type.RUNNING_MEAN || type == Parameter.Type.RUNNING_VAR;
  }

  static boolean isAffine(Parameter.Type type) {
    return type == Parameter.Type.GAMMA || type == Parameter.Type.BETA;
  }
}
