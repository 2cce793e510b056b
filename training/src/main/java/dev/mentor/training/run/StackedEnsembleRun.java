package dev.mentor.training.run;

import static dev.mentor.training.run.ExperimentData.augmentation;
import static dev.mentor.training.run.ExperimentData.evaluationBatches;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.record.EvalMetrics;
import dev.mentor.messages.record.RunEvent;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.training.data.ImageSet;
import dev.mentor.training.data.Normalization;
import dev.mentor.training.data.TaskData;
import dev.mentor.training.eval.Metrics;
import dev.mentor.training.eval.Predictions;
import dev.mentor.training.files.AtomicFiles;
import dev.mentor.training.loop.Batches;
import dev.mentor.training.loop.FreezePlan;
import dev.mentor.training.loop.OverfittingDetector;
import dev.mentor.training.loop.StackedTrainer;
import dev.mentor.training.loop.Trainer;
import dev.mentor.training.model.ModelZoo;
import dev.mentor.training.model.StackedModel;
import dev.mentor.training.model.StagedModel;
import dev.mentor.training.optim.MentorOptimizer;
import dev.mentor.training.timing.Timeline;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The members of an ensemble arm trained stacked (see {@link StackedModel}, {@link StackedTrainer})
 * and unstacked into member runs: each member's {@code member-<m>/} gets what its own run would
 * write (weights in {@code model.params}, learning curve in {@code metrics.csv}, environment and
 * {@code results.json} with its own record), so the ensemble's evaluation ({@link EnsembleRun})
 * and the report read them unchanged. Each member starts from the initial weights its seed gives
 * it alone, sees its own data order, augmentation and dropout draws, and is evaluated alone.
 *
 * <p>The run follows {@link Session} for the arms the stacker accepts
 * ({@link ArmSpec#stackingObstacle()}): one phase trained every epoch, validation after each
 * epoch, the overfitting detector's events (never a stop), evaluation at the last epoch. A member's
 * epoch seconds are its share (1/M) of the stacked epoch, so that the members' training times add
 * up to the time the stacked training took. After each epoch the stacked state is checkpointed
 * ({@link StackedCheckpoint}) before listeners hear that the epoch is saved: a stacked run stopped
 * or killed goes on from its last finished epoch, as a member trained alone does.
 */
final class StackedEnsembleRun {
  private static final ObjectMapper JSON = SpecReader.json();

  private final RunContext ctx;
  private final ArmSpec arm;
  private final long seed;
  private final TaskData data;
  private final Device device;
  private final int members;
  private final long[] seeds;

  StackedEnsembleRun(RunContext ctx, ArmSpec arm, long seed, TaskData data, Device device) {
    String obstacle = arm.stackingObstacle();
    if (obstacle != null || arm.ensemble() == null || arm.ensemble().codistill() != null) {
      throw new IllegalArgumentException("arm '" + arm.name() + "' cannot train its members stacked: "
          + (obstacle != null ? obstacle : "it is not an independently trained ensemble"));
    }
    this.ctx = ctx;
    this.arm = arm;
    this.seed = seed;
    this.data = data;
    this.device = device;
    this.members = arm.ensemble().members();
    this.seeds = new long[members];
    for (int m = 0; m < members; m++) {
      seeds[m] = RunExecutor.memberSeed(seed, m);
    }
  }

  /** Every member's record: read when every member finished before, else all trained now, stacked. */
  List<RunRecord> members() throws IOException {
    List<RunRecord> done = new ArrayList<>();
    for (int m = 0; m < members; m++) {
      Path results = ctx.paths().member(arm.name(), seed, m).resolve("results.json");
      if (Files.exists(results)) {
        done.add(JSON.readValue(results.toFile(), RunRecord.class));
      }
    }
    if (done.size() == members) {
      return done;
    }
    try (NDManager manager = NDManager.newBaseManager(device)) {
      return train(manager);
    }
  }

  /** Per member: where its files go, how listeners name it, and its learning curve and events. */
  private static final class Member {
    final int index;
    final Path dir;
    final String label;
    final OverfittingDetector overfitting;
    final List<EpochMetrics> history = new ArrayList<>();
    final List<RunEvent> events = new ArrayList<>();

    Member(int index, Path dir, String label, OverfittingDetector overfitting) {
      this.index = index;
      this.dir = dir;
      this.label = label;
      this.overfitting = overfitting;
    }
  }

  private List<RunRecord> train(NDManager manager) throws IOException {
    ImageSet train = data.train();
    Shape input = new Shape(train.channels(), train.height(), train.width());
    List<StagedModel> models = new ArrayList<>();
    for (int m = 0; m < members; m++) {
      models.add(ModelZoo.create(arm.model(), data.numClasses(), input, manager, seeds[m]));
    }
    // Each member's weights start where its own seed puts them, then are copied into the stacked parameters.
    StackedModel stacked = StackedModel.stack(models, manager);
    StackedTrainer trainer = new StackedTrainer(stacked, manager, seeds);
    Normalization normalization = ctx.data().normalization(arm, seed);
    List<Batches> trainBatches = new ArrayList<>();
    for (int m = 0; m < members; m++) {
      trainBatches.add(new Batches(train, arm.batchSize(), normalization, augmentation(arm.augmentation())));
    }
    Batches validation = evaluationBatches(data.validation(), normalization);
    int planned = RunExecutor.plannedEpochs(arm);
    Map<String, Object> environment = Environment.describe();
    environment.put("data", ctx.data().environment());
    StackedCheckpoint checkpoint = new StackedCheckpoint(ctx.paths().run(arm.name(), seed), stacked);
    StackedCheckpoint.State resume = checkpoint.load();
    if (resume != null && resume.members().size() != members) {
      throw new IOException(ctx.paths().run(arm.name(), seed).resolve(StackedCheckpoint.FOLDER) + " holds " + resume.members().size()
          + " members, the arm has " + members + "; delete it to train this arm again from its first epoch");
    }
    List<Member> state = new ArrayList<>();
    for (int m = 0; m < members; m++) {
      Member member = new Member(m, ctx.paths().member(arm.name(), seed, m), RunExecutor.memberLabel(arm.name(), m),
          new OverfittingDetector(arm.overfitting().epochs()));
      Files.createDirectories(member.dir);
      AtomicFiles.writeString(member.dir.resolve("environment.json"), SpecReader.toJson(environment));
      if (resume != null) {
        StackedCheckpoint.Member saved = resume.members().get(m);
        member.history.addAll(saved.history());
        member.events.addAll(saved.events());
        member.overfitting.restore(saved.overfitting());
      } else {
        if (arm.batchSize() >= train.size()) {
          member.events.add(new RunEvent(0, "note", "batch size " + arm.batchSize() + " >= " + train.size()
              + " training samples: one optimiser step per epoch"));
        }
        member.events.add(new RunEvent(0, "note", "trained stacked with the ensemble's " + members
            + " members as one model (grouped layers); epoch seconds are this member's 1/" + members + " share"));
      }
      ctx.listener().runStarted(member.label, seed, planned, resume != null);
      state.add(member);
    }
    int epochsDone = resume == null ? 0 : resume.epochsDone();
    long trainable = 0;
    // The last epoch's validation predictions: the members' final weights, evaluated once.
    List<Predictions> validated = null;
    List<Phase> phases = Phase.of(arm);
    for (int p = 0; p < phases.size(); p++) {
      Phase phase = phases.get(p);
      for (StagedModel model : models) {
        trainable = Math.max(trainable, FreezePlan.apply(model, phase.trainedStages(), arm.batchNorm()).trainableCount());
      }
      if (resume != null && p < resume.phase()) {
        continue;
      }
      int steps = trainBatches.get(0).count();
      MentorOptimizer optimizer = StackedTrainer.optimizer(stacked, phase.optimizer(), phase.schedule(), steps, phase.epochs());
      int phaseEpochsDone = 0;
      if (resume != null && p == resume.phase()) {
        checkpoint.restoreOptimizer(optimizer, resume.optimizerStep());
        phaseEpochsDone = resume.phaseEpochsDone();
      }
      trainer.configure(optimizer);
      for (int e = phaseEpochsDone; e < phase.epochs(); e++) {
        int epoch = ++epochsDone;
        List<Trainer.EpochStats> stats = trainer.trainEpoch(trainBatches, epoch, done -> ctx.listener().batchDone(done, steps));
        validated = trainer.predict(validation);
        for (Member member : state) {
          Trainer.EpochStats s = stats.get(member.index);
          EvalMetrics val = Metrics.of(validated.get(member.index));
          double share = s.seconds() / members;
          EpochMetrics row = new EpochMetrics(epoch, phase.name(), s.loss(), s.accuracy(), val.nll(), val.accuracy(), s.learningRate(),
              s.samples() / Math.max(share, 1e-9), share, s.terms());
          member.history.add(row);
          ctx.listener().epochFinished(member.label, seed, row);
          if (member.overfitting.record(row.trainLoss(), row.validationLoss())) {
            RunEvent event = new RunEvent(epoch, "overfitting", "training loss fell while validation loss rose for "
                + arm.overfitting().epochs() + " epochs");
            member.events.add(event);
            ctx.listener().runEvent(member.label, seed, event);
          }
          CurveFile.write(member.dir.resolve("metrics.csv"), member.history);
        }
        try (Timeline.Span span = Timeline.process().start("epoch: checkpoint")) {
          checkpoint.save(new StackedCheckpoint.State(p, e + 1, epoch, optimizer.step(), state.stream()
              .map(member -> new StackedCheckpoint.Member(List.copyOf(member.history), List.copyOf(member.events), member.overfitting.state()))
              .toList()), optimizer);
        }
        for (Member member : state) {
          ctx.listener().epochSaved(member.label, seed, epoch);
        }
      }
    }
    stacked.unstack(models);
    List<RunRecord> records = new ArrayList<>();
    for (Member member : state) {
      RunRecord record = FinalEvaluation.evaluate(ctx, arm, seeds[member.index], seed, data, new Trainer(models.get(member.index), manager,
              seeds[member.index]), normalization, validation, validated == null ? null : validated.get(member.index), member.dir, trainable,
              member.history)
          .setEpochs(RunExecutor.plannedEpochs(arm), epochsDone, epochsDone, "last epoch " + epochsDone)
          .setCurve(member.history, member.events)
          .build();
      AtomicFiles.writeString(member.dir.resolve("results.json"), SpecReader.toJson(record));
      // A checkpoint of an earlier attempt that trained this member alone is no longer this member's state.
      Checkpoints.clear(member.dir);
      records.add(record);
    }
    checkpoint.clear();
    return records;
  }
}
