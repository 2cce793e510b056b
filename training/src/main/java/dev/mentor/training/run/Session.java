package dev.mentor.training.run;

import static dev.mentor.training.run.ExperimentData.augmentation;
import static dev.mentor.training.run.ExperimentData.evaluationBatches;
import static dev.mentor.training.run.ExperimentData.statisticsBatches;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.mentor.messages.record.DistillationInfo;
import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.record.EvalMetrics;
import dev.mentor.messages.record.RunEvent;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.messages.spec.EarlyStoppingSpec;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.training.data.ImageSet;
import dev.mentor.training.data.Normalization;
import dev.mentor.training.data.TaskData;
import dev.mentor.training.distill.ProgressiveSelfDistillation;
import dev.mentor.training.distill.TeacherCache;
import dev.mentor.training.engine.ParameterFile;
import dev.mentor.training.eval.Metrics;
import dev.mentor.training.eval.Predictions;
import dev.mentor.training.files.AtomicFiles;
import dev.mentor.training.loop.Batches;
import dev.mentor.training.loop.CrossEntropy;
import dev.mentor.training.loop.EarlyStopping;
import dev.mentor.training.loop.FreezePlan;
import dev.mentor.training.loop.MagnitudePruning;
import dev.mentor.training.loop.Objective;
import dev.mentor.training.loop.OverfittingDetector;
import dev.mentor.training.loop.Trainer;
import dev.mentor.training.model.ModelWeights;
import dev.mentor.training.model.ModelZoo;
import dev.mentor.training.model.StagedModel;
import dev.mentor.training.optim.MentorOptimizer;
import dev.mentor.training.timing.Timeline;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The state of one run while it trains: model, loop, learning curve, events and selection. */
final class Session {
  private static final Timeline TIMELINE = Timeline.process();
  /** The best validation-loss epoch, tracked as early stopping that never runs out of patience. */
  private static final EarlyStoppingSpec BEST_BY_LOSS = new EarlyStoppingSpec(Integer.MAX_VALUE, EarlyStoppingSpec.Metric.LOSS, 0.0);

  private final RunContext ctx;
  private final ArmSpec arm;
  private final long seed;
  private final Path dir;
  private final TaskData data;
  private final StagedModel model;
  private final Trainer trainer;
  private final Normalization normalization;
  private final Batches trainBatches;
  private final Batches validation;
  private final MagnitudePruning pruning;
  private final Checkpoints checkpoints;
  private final OverfittingDetector overfitting;
  private final List<EpochMetrics> history = new ArrayList<>();
  private final List<RunEvent> events = new ArrayList<>();
  private final NDManager manager;
  private final long runSeed;
  /** The ensemble member this session trains, -1 for an arm's run. */
  private final int member;
  private final String label;
  private int epochsDone;
  private int selectedEpoch;
  private String selection;
  private long trainableCount;
  /** The student's teacher; null unless the arm distils. */
  private TeacherSetup teacher;
  private final TeacherCache.Counter cacheCounter = new TeacherCache.Counter();
  /** The cache lookups and hits already reported to the listener (restored with the counter on resume). */
  private final long[] cacheReported = new long[2];
  /** The objective of the phase trained last in this process (null until a phase trains). */
  private Objective lastObjective;
  /**
   * The validation predictions of the weights as they are now, when the last thing that changed
   * them was an epoch of this process (null after weights were restored or statistics recomputed):
   * the final evaluation then reuses them instead of predicting the same weights again.
   */
  private Predictions currentValidation;
  /** This member's co-distillation peers (null unless the arm co-distils its ensemble's members). */
  private Peers peers;
  /** The arm's own past predictions as its teacher (null unless the arm has psKd). */
  private ProgressiveSelfDistillation psKd;

  /**
   * {@code seed} draws the model and its training; {@code runSeed} is the run's (equal but for
   * ensemble members); {@code member} is the ensemble member this session trains, -1 for an arm's
   * run. The listener hears the run as "arm" or "arm/member-m".
   */
  Session(RunContext ctx, ArmSpec arm, long seed, long runSeed, int member, Path dir, TaskData data, NDManager manager) throws IOException {
    this.ctx = ctx;
    this.arm = arm;
    this.label = member < 0 ? arm.name() : RunExecutor.memberLabel(arm.name(), member);
    this.seed = seed;
    this.runSeed = runSeed;
    this.member = member;
    this.dir = dir;
    this.data = data;
    this.manager = manager;
    ImageSet train = data.train();
    model = ModelZoo.create(arm.model(), data.numClasses(), new Shape(train.channels(), train.height(), train.width()), manager, seed);
    if (arm.init() != null) {
      ModelWeights.loadBackbone(model, ctx.data().initWeights(arm, runSeed), arm.init().keepHead());
    }
    trainer = new Trainer(model, manager, seed);
    normalization = ctx.data().normalization(arm, runSeed);
    trainBatches = new Batches(train, arm.batchSize(), normalization, augmentation(arm.augmentation()));
    validation = evaluationBatches(data.validation(), normalization);
    pruning = arm.pruning() == null ? null : MagnitudePruning.prune(model, arm.pruning());
    Map<String, Parameter> extra = Map.of();
    if (arm.distill() != null) {
      teacher = new TeacherSetup(ctx, arm, seed, runSeed, data, model, manager, normalization);
      extra = teacher.checkpointedParameters();
    }
    Checkpoints.State state = null;
    if (arm.psKd() != null) {
      psKd = new ProgressiveSelfDistillation(arm.psKd(), RunExecutor.plannedEpochs(arm), train, data.numClasses());
      state = new Checkpoints.State() {
        @Override
        public Map<String, ParameterFile.Tensor> save() {
          return psKd.state();
        }

        @Override
        public void restore(Map<String, ParameterFile.Tensor> saved) {
          psKd.restore(saved);
        }
      };
    }
    checkpoints = new Checkpoints(dir, model, extra, state);
    overfitting = new OverfittingDetector(arm.overfitting().epochs());
    if (arm.ensemble() != null && arm.ensemble().codistill() != null) {
      peers = new Peers(ctx.paths(), arm, member, runSeed, dir, model, data, manager);
    }
  }

  private Objective objectiveFor(Phase phase) {
    if (psKd != null) {
      return psKd;
    }
    return teacher == null ? Objective.of(new CrossEntropy()) : teacher.objective(phase, cacheCounter);
  }

  RunRecord run() throws IOException {
    try (Timeline.Span span = TIMELINE.start("run: environment")) {
      Map<String, Object> environment = Environment.describe();
      environment.put("data", ctx.data().environment());
      AtomicFiles.writeString(dir.resolve("environment.json"), SpecReader.toJson(environment));
    }
    CheckpointState state = checkpoints.load();
    List<Phase> phases = Phase.of(arm);
    if (state != null) {
      history.addAll(state.history());
      events.addAll(state.events());
      epochsDone = state.epochsDone();
      overfitting.restore(state.overfitting());
      if (state.teacherCache() != null) {
        cacheCounter.restore(state.teacherCache()[0], state.teacherCache()[1]);
        cacheReported[0] = state.teacherCache()[0];
        cacheReported[1] = state.teacherCache()[1];
      }
    } else if (arm.batchSize() >= data.train().size() && !phases.isEmpty()) {
      events.add(new RunEvent(0, "note", "batch size " + arm.batchSize() + " >= " + data.train().size()
          + " training samples: one optimiser step per epoch"));
    }
    ctx.listener().runStarted(label, runSeed, RunExecutor.plannedEpochs(arm), state != null);
    boolean stoppedBefore = state != null && state.stopped();
    if (peers != null) {
      peers.publish(epochsDone, false);
    }
    if (teacher != null && !stoppedBefore && epochsDone < RunExecutor.plannedEpochs(arm)) {
      teacher.openStream(epochsDone);
    }
    try {
      // A checkpoint of a run the overfitting detector stopped still enters its phase, which trains nothing but selects the weights to evaluate.
      boolean stopRun = false;
      for (int p = state == null ? 0 : state.phase(); p < phases.size() && !stopRun; p++) {
        stopRun = trainPhase(p, phases.get(p), state != null && state.phase() == p ? state : null);
      }
    } finally {
      if (teacher != null) {
        teacher.closeStream();
      }
      if (peers != null) {
        // Peers waiting for this member's next epoch go on with its last weights.
        peers.publish(epochsDone, true);
      }
    }
    if (peers != null && peers.epochsUsed > 0) {
      events.add(new RunEvent(epochsDone, "note", String.format(Locale.ROOT,
          "co-distillation: peers' weights were %d to %d epochs old (mean %.2f) over %d epochs; bound %d", peers.minStaleness,
          peers.maxStaleness, peers.stalenessSum / (double) peers.epochsUsed, peers.epochsUsed, arm.ensemble().codistill().staleness())));
    }
    if (teacher != null) {
      teacher.saveOutputs();
    }
    switch (arm.strategy()) {
      case BN_ADAPT -> {
        trainer.recomputeBatchNormStatistics(statisticsBatches(data.train(), normalization));
        currentValidation = null;
        events.add(new RunEvent(0, "note", "BatchNorm statistics recomputed on " + data.train().size()
            + " target samples; no weight changed"));
        selection = "no training (BatchNorm statistics only)";
      }
      case NONE -> selection = "no training (initial weights)";
      default -> { }
    }
    return evaluate();
  }

  /** Trains one phase from its start or from {@code resume}; returns true when the whole run must stop. */
  private boolean trainPhase(int index, Phase phase, CheckpointState resume) throws IOException {
    FreezePlan plan = FreezePlan.apply(model, phase.trainedStages(), arm.batchNorm());
    trainableCount = Math.max(trainableCount, plan.trainableCount());
    Objective objective = objectiveFor(phase);
    lastObjective = objective;
    trainer.setObjective(objective);
    MentorOptimizer optimizer = MentorOptimizer.create(model, phase.optimizer(), phase.schedule(), trainBatches.count(), phase.epochs(),
        objective.extraParameters());
    EarlyStopping stopping = phase.earlyStopping() == null ? null : new EarlyStopping(phase.earlyStopping());
    // Without early stopping, a phase the overfitting detector may stop keeps its best validation-loss weights,
    // so that a stopped run is evaluated with them rather than after the epochs of rising validation loss.
    EarlyStopping bestByLoss = stopping == null && arm.overfitting().stop() && !phase.name().equals(Phase.HINT)
        ? new EarlyStopping(BEST_BY_LOSS) : null;
    PhaseProgress progress = new PhaseProgress(model, checkpoints);
    if (resume != null) {
      checkpoints.restoreOptimizer(optimizer, resume.optimizerStep());
      progress.epochsDone = resume.phaseEpochsDone();
      if (resume.stopped()) {
        progress.stopRun();
      }
      if (stopping != null) {
        stopping.restore(resume.earlyStopping());
        if (stopping.bestEpoch() > 0) {
          progress.restoreBest();
        }
      }
      if (bestByLoss != null && resume.bestByLoss() != null) {
        bestByLoss.restore(resume.bestByLoss());
        if (bestByLoss.bestEpoch() > 0) {
          progress.restoreBest();
        }
      }
    } else if (bestByLoss != null && index > 0 && selectedEpoch > 0 && !Phase.of(arm).get(index - 1).name().equals(Phase.HINT)) {
      // The phase starts from the weights the previous phase selected: they are its first candidate.
      int start = selectedEpoch;
      bestByLoss.record(start, history.stream().filter(r -> r.epoch() == start).findFirst().orElseThrow().validationLoss(), Double.NaN);
      progress.keepBest();
    }
    if (stopping != null && stopping.shouldStop()) {
      progress.stopPhase();
    }
    trainer.configure(plan, optimizer, pruning);
    List<EpochListener> listeners = epochListeners(index, phase, optimizer, stopping, bestByLoss, progress);
    while (progress.epochsDone < phase.epochs() && !progress.phaseStopped()) {
      int epoch = ++epochsDone;
      progress.epochsDone++;
      if (peers != null) {
        trainer.setObjective(peers.objective(epoch, objective));
      }
      EpochMetrics row = trainEpoch(epoch, phase);
      for (EpochListener listener : listeners) {
        listener.epochEnded(epoch, row);
      }
    }
    if (stopping != null && progress.best() != null) {
      ModelWeights.restore(model, progress.best());
      currentValidation = null;
      selectedEpoch = stopping.bestEpoch();
      selection = "best validation epoch " + selectedEpoch + " by " + stopping.metric();
    } else if (progress.runStopped() && bestByLoss != null && progress.best() != null) {
      ModelWeights.restore(model, progress.best());
      currentValidation = null;
      selectedEpoch = bestByLoss.bestEpoch();
      selection = "best validation epoch " + selectedEpoch + " by loss";
    } else {
      selectedEpoch = epochsDone;
      selection = "last epoch " + selectedEpoch;
    }
    return progress.runStopped();
  }

  /**
   * What happens after each epoch of a phase, in order: the selection trackers and stopping rules
   * (best by loss, overfitting, early stopping), then the checkpoint with everything a resumed run
   * needs, the learning curve, the weights published to co-distillation peers, the teacher-cache
   * counters and the listener's notice that the epoch is saved.
   */
  private List<EpochListener> epochListeners(int index, Phase phase, MentorOptimizer optimizer, EarlyStopping stopping, EarlyStopping bestByLoss,
      PhaseProgress progress) {
    List<EpochListener> listeners = new ArrayList<>();
    if (bestByLoss != null) {
      listeners.add(new BestByLossTracker(bestByLoss, progress));
    }
    // The hint phase's training loss is the FitNets hint, not comparable with validation cross-entropy.
    if (!phase.name().equals(Phase.HINT)) {
      listeners.add(new OverfittingRule(overfitting, arm.overfitting(), bestByLoss, progress, this::event));
    }
    if (stopping != null) {
      listeners.add(new EarlyStoppingRule(stopping, phase, progress, this::event));
    }
    listeners.add((epoch, row) -> {
      try (Timeline.Span span = TIMELINE.start("epoch: checkpoint")) {
        checkpoints.save(new CheckpointState(index, progress.epochsDone, epochsDone, optimizer.step(), stopping == null ? null : stopping.state(),
            overfitting.state(), stopping == null ? epoch : stopping.bestEpoch(), progress.runStopped(), history, events,
            new long[] {cacheCounter.lookups(), cacheCounter.hits()}, bestByLoss == null ? null : bestByLoss.state()), optimizer);
        CurveFile.write(dir.resolve("metrics.csv"), history);
      }
    });
    if (peers != null) {
      listeners.add((epoch, row) -> peers.publish(epoch, false));
    }
    listeners.add((epoch, row) -> reportCacheCounters());
    listeners.add((epoch, row) -> ctx.listener().epochSaved(label, runSeed, epoch));
    return listeners;
  }

  /** Tells the listener the teacher-cache lookups and hits since it last heard of them. */
  private void reportCacheCounters() {
    if (cacheCounter.lookups() > cacheReported[0]) {
      ctx.listener().teacherCache(label, runSeed, cacheCounter.lookups() - cacheReported[0], cacheCounter.hits() - cacheReported[1]);
    }
    cacheReported[0] = cacheCounter.lookups();
    cacheReported[1] = cacheCounter.hits();
  }

  /** Records an event of the run and tells the listener at once, so a monitor sees it as it happens. */
  private void event(RunEvent event) {
    events.add(event);
    ctx.listener().runEvent(label, runSeed, event);
  }

  private EpochMetrics trainEpoch(int epoch, Phase phase) {
    Trainer.EpochStats stats;
    try (Timeline.Span span = TIMELINE.start("epoch: training steps")) {
      stats = trainer.trainEpoch(trainBatches, epoch, done -> ctx.listener().batchDone(done, trainBatches.count()));
    }
    EvalMetrics val;
    try (Timeline.Span span = TIMELINE.start("epoch: validation")) {
      currentValidation = trainer.predict(validation);
      val = Metrics.of(currentValidation);
    }
    EpochMetrics row = new EpochMetrics(epoch, phase.name(), stats.loss(), stats.accuracy(), val.nll(), val.accuracy(),
        stats.learningRate(), stats.samplesPerSecond(), stats.seconds(), stats.terms());
    history.add(row);
    ctx.listener().epochFinished(label, runSeed, row);
    return row;
  }

  /** Evaluates the selected weights on validation, test and shifted test data, saves them, and has {@link RunRecordBuilder} assemble the record. */
  private RunRecord evaluate() throws IOException {
    // A member's record carries its own seed; an arm's run (a born-again generation's included), the run's.
    RunRecordBuilder record = FinalEvaluation.evaluate(ctx, arm, member < 0 ? runSeed : seed, runSeed, data, trainer, normalization, validation,
        currentValidation, dir,
            trainableCount, history)
        .setEpochs(RunExecutor.plannedEpochs(arm), epochsDone, selectedEpoch, selection)
        .setCurve(history, events);
    if (teacher != null) {
      record.optDistillation(teacher.teacher().source(), distillationInfo());
      DarkKnowledgeFiles.writeForStudent(arm, data, teacher.testPredictions(), dir);
    }
    if (pruning != null) {
      record.optSparsity(pruning.sparsity());
    }
    return record.build();
  }

  private DistillationInfo distillationInfo() {
    List<Phase> phases = Phase.of(arm);
    // A run resumed after its last phase ended trains nothing here: its final objective is built only to name the terms.
    Objective last = lastObjective != null ? lastObjective : objectiveFor(phases.get(phases.size() - 1));
    return teacher.info(last, cacheCounter);
  }
}
