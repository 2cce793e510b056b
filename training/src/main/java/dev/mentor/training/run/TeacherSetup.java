package dev.mentor.training.run;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.mentor.messages.record.DistillationInfo;
import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.messages.spec.DistillSpec.TeacherInput;
import dev.mentor.messages.spec.DistillSpec;
import dev.mentor.messages.spec.FeatureTermSpec;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.messages.spec.StagePair;
import dev.mentor.messages.spec.TaskSpec;
import dev.mentor.training.data.ImageSet;
import dev.mentor.training.data.Normalization;
import dev.mentor.training.data.Seeds;
import dev.mentor.training.data.TaskData;
import dev.mentor.training.data.TaskSplitter;
import dev.mentor.training.distill.DistillationMethods;
import dev.mentor.training.distill.DistillationObjective;
import dev.mentor.training.distill.HintRegressor;
import dev.mentor.training.distill.RemoteTeacher;
import dev.mentor.training.distill.Teacher;
import dev.mentor.training.distill.TeacherCache;
import dev.mentor.training.distill.TeacherStreams;
import dev.mentor.training.eval.Ensembles;
import dev.mentor.training.eval.Metrics;
import dev.mentor.training.eval.Predictions;
import dev.mentor.training.loop.Batches;
import dev.mentor.training.loop.Objective;
import dev.mentor.training.loop.Trainer;
import dev.mentor.training.model.StagedModel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import static dev.mentor.training.run.ExperimentData.augmentation;
import static dev.mentor.training.run.ExperimentData.evaluationBatches;


/**
 * A student's teacher as one run uses it: loaded for the student's standardisation, with the
 * FitNets regressors the student trains, the data it sees (the student's samples, or their clean
 * versions), and where its outputs come from: live in the student's loop, cached once per sample
 * (and kept in the shared output store), or streamed from a process running the teacher.
 */
final class TeacherSetup {
  /** The teacher's test predictions, once {@link #testPredictions} made them. */
  private List<Predictions> testPredictions;
  private final RunContext ctx;
  private final ArmSpec arm;
  private final long seed;
  private final long runSeed;
  private final TaskData data;
  private final NDManager manager;
  private final Teacher teacher;
  private final Map<String, HintRegressor> regressors = new LinkedHashMap<>();
  /** The data the teacher sees: the student's, or (teacherInput: clean) the same samples without the task's shift. */
  private final TaskData view;
  /** The teacher's own batches for clean inputs; null when it sees the student's. */
  private Batches batches;
  private TeacherCache cache;
  /** The content key of the cache in the shared output store (null without a store), and how many samples it held when loaded. */
  private String storeKey;
  private int storedSamples;
  /** A teacher running elsewhere (see {@link RunExecutor#setTeacherStreams}), opened when the run starts; null when the teacher runs here. */
  private RemoteTeacher remote;
  private boolean streamable;
  private String cacheNote;

  /**
   * The teacher of {@code arm}'s run at {@code runSeed} ({@code seed}: the student's own, which
   * draws the regressors), for a {@code student} whose inputs are standardised with {@code normalization}.
   */
  TeacherSetup(RunContext ctx, ArmSpec arm, long seed, long runSeed, TaskData data, StagedModel student, NDManager manager,
      Normalization normalization) throws IOException {
    this.ctx = ctx;
    this.arm = arm;
    this.seed = seed;
    this.runSeed = runSeed;
    this.data = data;
    this.manager = manager;
    DistillSpec distill = arm.distill();
    TaskSpec task = ctx.spec().tasks().get(arm.task());
    boolean clean = distill.teacherInput() == TeacherInput.CLEAN;
    TaskSpec teacherTask = clean
        ? new TaskSpec(task.classes(), task.perClass(), task.validationPerClass(), task.testPerClass(), null, task.ood(), task.allowOverlap())
        : task;
    view = clean ? TaskSplitter.cleanSplit(ctx.data().source(), ctx.spec().tasks(), arm.task(), runSeed) : data;
    ImageSet train = data.train();
    teacher = ctx.teachers().load(distill.teacher(), runSeed, data.numClasses(), new Shape(train.channels(), train.height(), train.width()), manager,
        normalization);
    if (clean) {
      batches = new Batches(view.train(), arm.batchSize(), normalization, augmentation(arm.augmentation()));
    }
    Map<String, Shape> studentShapes = student.stageOutputShapes();
    Map<String, Shape> teacherShapes = teacher.members().get(0).stageOutputShapes();
    int j = 0;
    for (FeatureTermSpec f : distill.features()) {
      if (!DistillationMethods.feature(f).regressed()) {
        continue;
      }
      for (StagePair pair : f.pairs()) {
        regressors.put(DistillationObjective.termName(f.method(), pair), HintRegressor.create(studentShapes.get(pair.student()),
            teacherShapes.get(pair.teacher()), manager, Seeds.mix(seed, 0x4117 + j++)));
      }
    }
    if (!augmentation(arm.augmentation()).isIdentity()) {
      streamable = ctx.streams() != null && !clean && arm.ensemble() == null;
      cacheNote = "live: augmentation changes the teacher's inputs every epoch";
    } else if (!distill.features().isEmpty()) {
      streamable = ctx.streams() != null && !clean && arm.ensemble() == null;
      cacheNote = "live: feature terms need the teacher's stage outputs";
    } else {
      String key = ctx.teachers().identity(distill.teacher(), runSeed) + "|" + SpecReader.toJson(ctx.teachers().model(distill.teacher())) + "|"
          + SpecReader.toJson(teacherTask) + "|seed " + runSeed;
      cache = ctx.teacherCaches().computeIfAbsent(key, k -> new TeacherCache(teacher.members().size() * data.numClasses()));
      cacheNote = "cached: teacher logits computed once per sample, reused across epochs and students";
      if (ctx.outputStore() != null) {
        storeKey = ctx.teachers().contentDigest(distill.teacher(), runSeed) + "|" + SpecReader.toJson(ctx.teachers().model(distill.teacher())) + "|"
            + SpecReader.toJson(ctx.spec().data()) + "|" + SpecReader.toJson(teacherTask) + "|seed " + runSeed + "|normalization "
            + normalization.mean() + " " + normalization.std();
        int before = cache.size();
        ctx.outputStore().load(storeKey, cache.floatsPerSample()).forEach(cache::put);
        storedSamples = cache.size();
        if (storedSamples > before) {
          cacheNote = "cached: teacher logits of " + (storedSamples - before) + " samples from the shared teacher-output store "
              + "(published by an earlier student of this teacher), the rest computed once";
        }
      }
    }
  }

  Teacher teacher() {
    return teacher;
  }

  /** The regressors' parameters, named for the run's checkpoint. */
  Map<String, Parameter> checkpointedParameters() {
    Map<String, Parameter> extra = new LinkedHashMap<>();
    regressors.forEach((term, r) -> r.namedParameters().forEach((name, p) -> extra.put("regressor:" + term + "/" + name, p)));
    return extra;
  }

  /** Opens the stream from a teacher running elsewhere when the teacher can be streamed and a stream is offered; from epoch {@code epochsDone + 1}. */
  void openStream(int epochsDone) {
    if (!streamable) {
      return;
    }
    remote = ctx.streams().open(new TeacherStreams.Request(ctx.spec().name(), arm.name(), runSeed, epochsDone, teacher.members().size(),
        data.numClasses()));
    if (remote != null) {
      cacheNote = "live, streamed: the teacher runs elsewhere and sends its logits" + (arm.distill().features().isEmpty() ? ""
          : " and stage outputs " + DistillationObjective.teacherStages(arm.distill())) + " for each of the student's batches";
    }
  }

  void closeStream() {
    if (remote != null) {
      remote.close();
    }
  }

  /** Keeps the logits computed in this run in the shared output store, for later students of this teacher. */
  void saveOutputs() throws IOException {
    if (storeKey != null && cache.size() > storedSamples) {
      ctx.outputStore().save(storeKey, cache.snapshot(), cache.floatsPerSample());
    }
  }

  /** The distillation objective of {@code phase}, counting cache lookups in {@code counter}. */
  Objective objective(Phase phase, TeacherCache.Counter counter) {
    DistillationObjective.Builder builder = DistillationObjective.builder().setSpec(arm.distill()).setTeacher(teacher)
        .setStore(new ParameterStore(manager, false)).setRegressors(regressors).optTeacherBatches(batches)
        .optHintPhase(phase.name().equals(Phase.HINT));
    if (cache != null) {
      builder.optCache(cache, counter);
    }
    if (remote != null) {
      builder.optRemoteTeacher(remote, teacher.members().size(), data.numClasses());
    }
    return builder.build();
  }

  /** The teacher's predictions on the test split its student sees, one per member (made once). */
  List<Predictions> testPredictions() {
    if (testPredictions == null) {
      List<Predictions> predictions = new ArrayList<>();
      for (int m = 0; m < teacher.members().size(); m++) {
        predictions.add(new Trainer(teacher.members().get(m), manager, seed).predict(evaluationBatches(view.test(), teacher.inputsOf(m))));
      }
      testPredictions = List.copyOf(predictions);
    }
    return testPredictions;
  }

  /** What the run record says of its distillation; {@code last}: the objective of the run's last phase. */
  DistillationInfo info(Objective last, TeacherCache.Counter counter) {
    DistillSpec distill = arm.distill();
    List<Predictions> teacherPredictions = testPredictions();
    double teacherAccuracy = Metrics.of(Ensembles.average(teacherPredictions)).accuracy();
    List<String> terms = new ArrayList<>(last instanceof DistillationObjective d
        ? d.compositeLoss().terms().stream().map(t -> t.name() + " ×" + t.weight()).toList() : List.of());
    if (distill.hintEpochs() > 0) {
      terms.add(0, DistillationObjective.termName(distill.hintTerm().method(), distill.hintTerm().pairs().get(0)) + " (hint phase, " + distill.hintEpochs() + " epochs)");
    }
    return new DistillationInfo(teacher.source(), RunExecutor.describe(ctx.teachers().model(distill.teacher())), teacher.members().size(),
        teacherAccuracy, DistillationObjective.describeLoss(distill, teacher.members().size()), terms, distill.logitTemperature(),
        distill.logitWeight(), Teacher.MODE,
        distill.teacherInput() == TeacherInput.CLEAN ? "clean inputs of the student's samples (the task without its shift)" : "the student's inputs",
        cacheNote, counter.lookups(), counter.hits());
  }
}
