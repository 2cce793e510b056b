package dev.mentor.training.run;

import dev.mentor.training.files.AtomicFiles;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.record.EvalMetrics;
import dev.mentor.messages.record.RunEvent;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.messages.spec.AugmentationSpec;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.messages.spec.TaskSpec;
import dev.mentor.training.data.Augmentation;
import dev.mentor.training.data.ImageSet;
import dev.mentor.training.data.Normalization;
import dev.mentor.training.data.SourceData;
import dev.mentor.training.data.TaskData;
import dev.mentor.training.data.TaskSplitter;
import dev.mentor.training.engine.ParameterFile;
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
import java.nio.file.StandardCopyOption;
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
    TaskSpec task = spec.tasks().get(arm.task());
    TaskData data = TaskSplitter.split(source, task, seed);
    ImageSet train = data.train();
    Shape input = new Shape(train.channels(), train.height(), train.width());
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = ModelZoo.create(arm.model(), data.numClasses(), input, manager, seed);
      if (arm.init() != null) {
        ModelWeights.loadBackbone(model, initWeights(arm, seed), arm.init().keepHead());
      }
      Files.writeString(dir.resolve("environment.json"), SpecReader.toJson(Environment.describe()));
      Trainer trainer = new Trainer(model, manager, seed);
      Batches trainBatches = new Batches(train, arm.batchSize(), normalization, augmentation(arm.augmentation()));
      Batches validation = new Batches(data.validation(), EVAL_BATCH, normalization, Augmentation.none());
      MagnitudePruning pruning = arm.pruning() == null ? null : MagnitudePruning.prune(model, arm.pruning());

      Checkpoints checkpoints = new Checkpoints(dir, model);
      CheckpointState state = checkpoints.load();
      List<EpochMetrics> history = new ArrayList<>(state == null ? List.of() : state.history());
      List<RunEvent> events = new ArrayList<>(state == null ? List.of() : state.events());
      if (state == null && arm.batchSize() >= train.size() && !Phase.of(arm).isEmpty()) {
        events.add(new RunEvent(0, "note", "batch size " + arm.batchSize() + " >= " + train.size()
            + " training samples: one optimiser step per epoch"));
      }
      listener.runStarted(arm.name(), seed, plannedEpochs(arm), state != null);

      List<Phase> phases = Phase.of(arm);
      int epochsDone = state == null ? 0 : state.epochsDone();
      int selectedEpoch = state == null ? 0 : state.bestEpoch();
      String selection = "last epoch";
      long trainableCount = 0;
      OverfittingDetector overfitting = new OverfittingDetector(arm.overfitting().epochs());
      if (state != null) {
        overfitting.restore(state.overfitting());
      }
      boolean stopRun = false;
      for (int p = state == null ? 0 : state.phase(); p < phases.size() && !stopRun; p++) {
        Phase phase = phases.get(p);
        boolean resumingHere = state != null && state.phase() == p;
        FreezePlan plan = FreezePlan.apply(model, phase.trainedStages(), arm.batchNorm());
        trainableCount = Math.max(trainableCount, plan.trainableCount());
        MentorOptimizer optimizer = MentorOptimizer.create(model, phase.optimizer(), phase.schedule(), trainBatches.count(), phase.epochs());
        if (resumingHere) {
          checkpoints.restoreOptimizer(optimizer, state.optimizerStep());
        }
        trainer.configure(plan, optimizer, pruning);
        EarlyStopping stopping = phase.earlyStopping() == null ? null : new EarlyStopping(phase.earlyStopping());
        Map<String, Tensor> best = null;
        if (stopping != null && resumingHere) {
          stopping.restore(state.earlyStopping());
          best = checkpoints.loadBest();
        }
        int phaseDone = resumingHere ? state.phaseEpochsDone() : 0;
        boolean stopPhase = stopping != null && resumingHere && stopping.shouldStop();
        while (phaseDone < phase.epochs() && !stopPhase) {
          int epoch = ++epochsDone;
          phaseDone++;
          Trainer.EpochStats stats = trainer.trainEpoch(trainBatches, epoch, done -> listener.batchDone(done, trainBatches.count()));
          EvalMetrics val = Metrics.of(trainer.predict(validation));
          EpochMetrics row = new EpochMetrics(epoch, phase.name(), stats.loss(), stats.accuracy(), val.nll(), val.accuracy(),
              stats.learningRate(), stats.samplesPerSecond(), stats.seconds());
          history.add(row);
          listener.epochFinished(arm.name(), seed, row);
          if (overfitting.record(stats.loss(), val.nll())) {
            events.add(new RunEvent(epoch, "overfitting", "training loss fell while validation loss rose for "
                + arm.overfitting().epochs() + " epochs" + (arm.overfitting().stop() ? "; run stopped" : "")));
            if (arm.overfitting().stop()) {
              stopPhase = true;
              stopRun = true;
            }
          }
          if (stopping != null) {
            if (stopping.record(epoch, val.nll(), val.accuracy())) {
              best = ModelWeights.snapshot(model);
              checkpoints.saveBest(best);
            }
            if (stopping.shouldStop()) {
              events.add(new RunEvent(epoch, "early-stopping", phase.name() + ": no validation " + stopping.metric()
                  + " improvement for " + phase.earlyStopping().patience() + " epochs; best epoch " + stopping.bestEpoch()));
              stopPhase = true;
            }
          }
          checkpoints.save(new CheckpointState(p, phaseDone, epochsDone, optimizer.step(),
              stopping == null ? null : stopping.state(), overfitting.state(),
              stopping == null ? epoch : stopping.bestEpoch(), history, events), optimizer);
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
        state = null;
      }
      if (arm.strategy().equals("bn-adapt")) {
        trainer.recomputeBatchNormStatistics(new Batches(train, EVAL_BATCH, normalization, Augmentation.none()));
        events.add(new RunEvent(0, "note", "BatchNorm statistics recomputed on " + train.size() + " target samples; no weight changed"));
        selection = "no training (BatchNorm statistics only)";
      }
      if (arm.strategy().equals("none")) {
        selection = "no training (initial weights)";
      }

      EvalMetrics validationMetrics = Metrics.of(trainer.predict(validation));
      EvalMetrics test = Metrics.of(trainer.predict(new Batches(data.test(), EVAL_BATCH, normalization, Augmentation.none())));
      Map<String, EvalMetrics> shifted = new LinkedHashMap<>();
      for (Map.Entry<String, ImageSet> ood : TaskSplitter.oodSets(data, task, seed).entrySet()) {
        shifted.put(ood.getKey(), Metrics.of(trainer.predict(new Batches(ood.getValue(), EVAL_BATCH, normalization, Augmentation.none()))));
      }
      ModelWeights.save(model, dir.resolve("model.params"));
      ModelStats stats = ModelStats.of(model);
      double seconds = history.stream().mapToDouble(EpochMetrics::seconds).sum();
      double throughput = history.stream().mapToDouble(EpochMetrics::samplesPerSecond).average().orElse(0);
      RunRecord record = new RunRecord(RunRecord.SCHEMA_VERSION, spec.name(), arm.name(), seed, arm.task(), arm.strategy(),
          describe(arm), null, stats.parameters(), trainableCount, stats.multiplyAdds(), stats.bytes(),
          train.size(), data.validation().size(), plannedEpochs(arm), epochsDone, selectedEpoch,
          selection,
          pruning == null ? 0 : pruning.sparsity(), seconds, throughput, validationMetrics, test, shifted, history, events);
      AtomicFiles.writeString(results, SpecReader.toJson(record));
      checkpoints.clear();
      listener.runFinished(record, false);
      return record;
    }
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

  /** Checkpoint files of one run: the latest epoch's state, and the best weights so far. */
  static final class Checkpoints {
    private final Path dir;
    private final StagedModel model;

    Checkpoints(Path runDir, StagedModel model) {
      this.dir = runDir.resolve("checkpoint");
      this.model = model;
    }

    /**
     * Writes the new checkpoint beside the old one and swaps them with renames, so at every
     * instant one complete checkpoint exists ({@code state.json} is written last and marks it
     * complete), whatever moment the process dies at.
     */
    void save(CheckpointState state, MentorOptimizer optimizer) throws IOException {
      Path staging = dir.resolveSibling("checkpoint.tmp");
      Path old = dir.resolveSibling("checkpoint.old");
      AtomicFiles.deleteTree(staging);
      Files.createDirectories(staging);
      ModelWeights.save(model, staging.resolve("model.params"));
      ParameterFile.write(staging.resolve("optimizer.params"), optimizerState(optimizer));
      AtomicFiles.writeString(staging.resolve("state.json"), SpecReader.toJson(state));
      AtomicFiles.deleteTree(old);
      if (Files.exists(dir)) {
        Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
      }
      Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
      AtomicFiles.deleteTree(old);
    }

    /** The last complete checkpoint, restoring the model's weights; null when there is none. */
    CheckpointState load() throws IOException {
      Path staging = dir.resolveSibling("checkpoint.tmp");
      Path old = dir.resolveSibling("checkpoint.old");
      if (!Files.exists(dir.resolve("state.json"))) {
        AtomicFiles.deleteTree(dir);
        if (Files.exists(staging.resolve("state.json"))) {
          Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
        } else if (Files.exists(old.resolve("state.json"))) {
          Files.move(old, dir, StandardCopyOption.ATOMIC_MOVE);
        }
      }
      AtomicFiles.deleteTree(staging);
      AtomicFiles.deleteTree(old);
      if (!Files.exists(dir.resolve("state.json"))) {
        return null;
      }
      ModelWeights.restore(model, ParameterFile.read(dir.resolve("model.params")));
      return JSON.readValue(dir.resolve("state.json").toFile(), CheckpointState.class);
    }

    void restoreOptimizer(MentorOptimizer optimizer, int step) throws IOException {
      Map<String, String> idByName = new LinkedHashMap<>();
      model.namedParameters().forEach((name, p) -> idByName.put(name, p.getId()));
      for (Map.Entry<String, Tensor> entry : ParameterFile.read(dir.resolve("optimizer.params")).entrySet()) {
        String key = entry.getKey();
        Parameter parameter = model.namedParameters().get(key.substring(2));
        NDArray array = parameter.getArray().getManager().create(entry.getValue().values(), new Shape(entry.getValue().shape()));
        optimizer.restoreState(key.substring(0, 2) + parameter.getId(), array);
      }
      optimizer.restoreStep(step);
    }

    private Map<String, Tensor> optimizerState(MentorOptimizer optimizer) {
      Map<String, String> nameById = new LinkedHashMap<>();
      model.namedParameters().forEach((name, p) -> nameById.put(p.getId(), name));
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      optimizer.state().forEach((key, array) ->
          tensors.put(key.substring(0, 2) + nameById.get(key.substring(2)), new Tensor(array.toFloatArray(), array.getShape().getShape())));
      return tensors;
    }

    void saveBest(Map<String, Tensor> best) throws IOException {
      ParameterFile.write(dir.resolveSibling("best.params"), best);
    }

    Map<String, Tensor> loadBest() throws IOException {
      Path file = dir.resolveSibling("best.params");
      return Files.exists(file) ? ParameterFile.read(file) : null;
    }

    void clear() throws IOException {
      AtomicFiles.deleteTree(dir);
      Files.deleteIfExists(dir.resolveSibling("best.params"));
    }
  }
}
