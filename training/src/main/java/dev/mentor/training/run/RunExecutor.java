package dev.mentor.training.run;

import dev.mentor.training.files.AtomicFiles;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.record.EvalMetrics;
import dev.mentor.messages.record.RunEvent;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.messages.spec.AugmentationSpec;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.training.data.Augmentation;
import dev.mentor.training.data.ImageSet;
import dev.mentor.training.data.Normalization;
import dev.mentor.training.data.SourceData;
import dev.mentor.training.data.TaskData;
import dev.mentor.training.data.TaskSplitter;
import dev.mentor.training.engine.ParameterFile.Tensor;
import dev.mentor.training.eval.Metrics;
import dev.mentor.training.loop.Batches;
import dev.mentor.training.loop.EarlyStopping;
import dev.mentor.training.loop.FreezePlan;
import dev.mentor.training.loop.MagnitudePruning;
import dev.mentor.training.loop.OverfittingDetector;
import dev.mentor.training.loop.Trainer;
import dev.mentor.training.model.ModelStats;
import dev.mentor.training.model.ModelWeights;
import dev.mentor.training.model.ModelZoo;
import dev.mentor.training.model.StagedModel;
import dev.mentor.training.optim.MentorOptimizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Executes one run (an arm at a seed) end to end: carves the task, builds the model, loads
 * pretrained weights, trains phase by phase with a checkpoint after every epoch, selects the
 * epoch to report on validation data, evaluates on the test set and its shifted versions, and
 * writes the run's record last, so a directory with {@code results.json} is a finished run and
 * one without it resumes from its checkpoint.
 */
public final class RunExecutor {
  static final int EVAL_BATCH = 500;
  private static final ObjectMapper JSON = SpecReader.json();

  private final ExperimentSpec spec;
  private final Path baseDir;
  private final RunPaths paths;
  private final SourceData source;
  private final Normalization normalization;
  private final RunListener listener;

  public RunExecutor(ExperimentSpec spec, Path baseDir, RunPaths paths, SourceData source, Normalization normalization, RunListener listener) {
    this.spec = spec;
    this.baseDir = baseDir;
    this.paths = paths;
    this.source = source;
    this.normalization = normalization;
    this.listener = listener;
  }

  public RunRecord execute(ArmSpec arm, long seed) throws IOException {
    Path dir = paths.run(arm.name(), seed);
    Path results = dir.resolve("results.json");
    if (Files.exists(results)) {
      RunRecord done = JSON.readValue(results.toFile(), RunRecord.class);
      listener.runFinished(done, true);
      return done;
    }
    Files.createDirectories(dir);
    TaskData data = TaskSplitter.split(source, spec.tasks().get(arm.task()), seed);
    try (NDManager manager = NDManager.newBaseManager()) {
      RunRecord record = new Session(arm, seed, dir, data, manager).run();
      AtomicFiles.writeString(results, SpecReader.toJson(record));
      Checkpoints.clear(dir);
      listener.runFinished(record, false);
      return record;
    }
  }

  /** The state of one run while it trains: model, loop, learning curve, events and selection. */
  private final class Session {
    private final ArmSpec arm;
    private final long seed;
    private final Path dir;
    private final TaskData data;
    private final StagedModel model;
    private final Trainer trainer;
    private final Batches trainBatches;
    private final Batches validation;
    private final MagnitudePruning pruning;
    private final Checkpoints checkpoints;
    private final OverfittingDetector overfitting;
    private final List<EpochMetrics> history = new ArrayList<>();
    private final List<RunEvent> events = new ArrayList<>();
    private int epochsDone;
    private int selectedEpoch;
    private String selection;
    private long trainableCount;

    Session(ArmSpec arm, long seed, Path dir, TaskData data, NDManager manager) throws IOException {
      this.arm = arm;
      this.seed = seed;
      this.dir = dir;
      this.data = data;
      ImageSet train = data.train();
      model = ModelZoo.create(arm.model(), data.numClasses(), new Shape(train.channels(), train.height(), train.width()), manager, seed);
      if (arm.init() != null) {
        ModelWeights.loadBackbone(model, initWeights(arm, seed), arm.init().keepHead());
      }
      trainer = new Trainer(model, manager, seed);
      trainBatches = new Batches(train, arm.batchSize(), normalization, augmentation(arm.augmentation()));
      validation = evaluationBatches(data.validation());
      pruning = arm.pruning() == null ? null : MagnitudePruning.prune(model, arm.pruning());
      checkpoints = new Checkpoints(dir, model);
      overfitting = new OverfittingDetector(arm.overfitting().epochs());
    }

    RunRecord run() throws IOException {
      AtomicFiles.writeString(dir.resolve("environment.json"), SpecReader.toJson(Environment.describe()));
      CheckpointState state = checkpoints.load();
      List<Phase> phases = Phase.of(arm);
      if (state != null) {
        history.addAll(state.history());
        events.addAll(state.events());
        epochsDone = state.epochsDone();
        overfitting.restore(state.overfitting());
      } else if (arm.batchSize() >= data.train().size() && !phases.isEmpty()) {
        events.add(new RunEvent(0, "note", "batch size " + arm.batchSize() + " >= " + data.train().size()
            + " training samples: one optimiser step per epoch"));
      }
      listener.runStarted(arm.name(), seed, plannedEpochs(arm), state != null);
      boolean stopRun = state != null && state.stopped();
      for (int p = state == null ? 0 : state.phase(); p < phases.size() && !stopRun; p++) {
        stopRun = trainPhase(p, phases.get(p), state != null && state.phase() == p ? state : null);
      }
      switch (arm.strategy()) {
        case "bn-adapt" -> {
          trainer.recomputeBatchNormStatistics(evaluationBatches(data.train()));
          events.add(new RunEvent(0, "note", "BatchNorm statistics recomputed on " + data.train().size()
              + " target samples; no weight changed"));
          selection = "no training (BatchNorm statistics only)";
        }
        case "none" -> selection = "no training (initial weights)";
        default -> { }
      }
      return evaluate();
    }

    /** Trains one phase from its start or from {@code resume}; returns true when the whole run must stop. */
    private boolean trainPhase(int index, Phase phase, CheckpointState resume) throws IOException {
      FreezePlan plan = FreezePlan.apply(model, phase.trainedStages(), arm.batchNorm());
      trainableCount = Math.max(trainableCount, plan.trainableCount());
      MentorOptimizer optimizer = MentorOptimizer.create(model, phase.optimizer(), phase.schedule(), trainBatches.count(), phase.epochs());
      EarlyStopping stopping = phase.earlyStopping() == null ? null : new EarlyStopping(phase.earlyStopping());
      Map<String, Tensor> best = null;
      int phaseDone = 0;
      if (resume != null) {
        checkpoints.restoreOptimizer(optimizer, resume.optimizerStep());
        phaseDone = resume.phaseEpochsDone();
        if (stopping != null) {
          stopping.restore(resume.earlyStopping());
          if (stopping.bestEpoch() > 0) {
            best = checkpoints.loadBest();
          }
        }
      }
      trainer.configure(plan, optimizer, pruning);
      boolean stopPhase = stopping != null && stopping.shouldStop();
      boolean stopRun = false;
      while (phaseDone < phase.epochs() && !stopPhase) {
        int epoch = ++epochsDone;
        phaseDone++;
        EpochMetrics row = trainEpoch(epoch, phase);
        if (overfitting.record(row.trainLoss(), row.validationLoss())) {
          events.add(new RunEvent(epoch, "overfitting", "training loss fell while validation loss rose for "
              + arm.overfitting().epochs() + " epochs" + (arm.overfitting().stop() ? "; run stopped" : "")));
          stopRun = arm.overfitting().stop();
          stopPhase = stopRun;
        }
        if (stopping != null) {
          if (stopping.record(epoch, row.validationLoss(), row.validationAccuracy())) {
            best = ModelWeights.snapshot(model);
            checkpoints.saveBest(best);
          }
          if (stopping.shouldStop()) {
            events.add(new RunEvent(epoch, "early-stopping", phase.name() + ": no validation " + stopping.metric()
                + " improvement for " + phase.earlyStopping().patience() + " epochs; best epoch " + stopping.bestEpoch()));
            stopPhase = true;
          }
        }
        checkpoints.save(new CheckpointState(index, phaseDone, epochsDone, optimizer.step(),
            stopping == null ? null : stopping.state(), overfitting.state(),
            stopping == null ? epoch : stopping.bestEpoch(), stopRun, history, events), optimizer);
        CurveFile.write(dir.resolve("metrics.csv"), history);
      }
      if (stopping != null && best != null) {
        ModelWeights.restore(model, best);
        selectedEpoch = stopping.bestEpoch();
        selection = "best validation epoch " + selectedEpoch + " by " + stopping.metric();
      } else {
        selectedEpoch = epochsDone;
        selection = "last epoch " + selectedEpoch;
      }
      return stopRun;
    }

    private EpochMetrics trainEpoch(int epoch, Phase phase) {
      Trainer.EpochStats stats = trainer.trainEpoch(trainBatches, epoch, done -> listener.batchDone(done, trainBatches.count()));
      EvalMetrics val = Metrics.of(trainer.predict(validation));
      EpochMetrics row = new EpochMetrics(epoch, phase.name(), stats.loss(), stats.accuracy(), val.nll(), val.accuracy(),
          stats.learningRate(), stats.samplesPerSecond(), stats.seconds(), null);
      history.add(row);
      listener.epochFinished(arm.name(), seed, row);
      return row;
    }

    /** Evaluates the selected weights on validation, test and shifted test data, and saves them. */
    private RunRecord evaluate() throws IOException {
      EvalMetrics validationMetrics = Metrics.of(trainer.predict(validation));
      EvalMetrics test = Metrics.of(trainer.predict(evaluationBatches(data.test())));
      Map<String, EvalMetrics> shifted = new LinkedHashMap<>();
      for (Map.Entry<String, ImageSet> ood : TaskSplitter.oodSets(data, spec.tasks().get(arm.task()), seed).entrySet()) {
        shifted.put(ood.getKey(), Metrics.of(trainer.predict(evaluationBatches(ood.getValue()))));
      }
      ModelWeights.save(model, dir.resolve("model.params"));
      ModelStats stats = ModelStats.of(model);
      double seconds = history.stream().mapToDouble(EpochMetrics::seconds).sum();
      double throughput = history.stream().mapToDouble(EpochMetrics::samplesPerSecond).average().orElse(0);
      return new RunRecord(RunRecord.SCHEMA_VERSION, spec.name(), arm.name(), seed, arm.task(), arm.strategy(),
          describe(arm), null, stats.parameters(), trainableCount, stats.multiplyAdds(), stats.bytes(),
          data.train().size(), data.validation().size(), plannedEpochs(arm), epochsDone, selectedEpoch, selection,
          pruning == null ? 0 : pruning.sparsity(), seconds, throughput, validationMetrics, test, shifted, history, events,
          null, null, null);
    }
  }

  private Batches evaluationBatches(ImageSet set) {
    return new Batches(set, EVAL_BATCH, normalization, Augmentation.none());
  }

  private Path initWeights(ArmSpec arm, long seed) {
    if (arm.init().from() != null) {
      return paths.finalWeights(arm.init().from(), seed);
    }
    Path file = Path.of(arm.init().checkpoint());
    return file.isAbsolute() ? file : baseDir.resolve(file);
  }

  static int plannedEpochs(ArmSpec arm) {
    return Phase.of(arm).stream().mapToInt(Phase::epochs).sum();
  }

  private static Augmentation augmentation(AugmentationSpec spec) {
    return new Augmentation(spec.cropPadding(), spec.flip(), spec.noise());
  }

  private static String describe(ArmSpec arm) {
    var m = arm.model();
    return switch (m.type()) {
      case "mlp" -> "mlp " + m.widths();
      case "cnn" -> "cnn " + m.channels() + " fc" + m.hidden();
      case "resnet" -> "resnet " + m.channels() + "x" + m.blocks();
      default -> m.type();
    } + (m.dropout() > 0 ? " dropout " + m.dropout() : "");
  }
}
