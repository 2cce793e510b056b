package dev.mentor.training.run;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mentor.messages.record.DataProvenance;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.ModelSpec;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.training.data.DataDigests;
import dev.mentor.training.data.Normalization;
import dev.mentor.training.data.Seeds;
import dev.mentor.training.data.SourceData;
import dev.mentor.training.data.TaskData;
import dev.mentor.training.distill.TeacherCache;
import dev.mentor.training.distill.TeacherOutputStore;
import dev.mentor.training.distill.TeacherStreams;
import dev.mentor.training.files.AtomicFiles;
import dev.mentor.training.timing.Timeline;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Executes one run (an arm at a seed) end to end: carves the task, builds the model, loads
 * pretrained weights, trains phase by phase with a checkpoint after every epoch, selects the
 * epoch to report on validation data, evaluates on the test set and its shifted versions, and
 * writes the run's record last, so a directory with {@code results.json} is a finished run and
 * one without it resumes from its checkpoint. The work is split by responsibility:
 * {@link ExperimentData} (splits, standardisation, provenance), {@link Session} (one model's
 * training), {@link EnsembleRun} (a deep ensemble's members and their evaluation), {@link Peers}
 * (co-distillation), {@link TeacherReplay} (a teacher streamed to a student elsewhere).
 */
public final class RunExecutor {
  private static final ObjectMapper JSON = SpecReader.json();

  private final ExperimentSpec spec;
  private final RunPaths paths;
  private final ExperimentData data;
  private final RunListener listener;
  private final TeacherLoader teachers;
  /** Shared by the runs executing at the same time (each cache is itself thread-safe). */
  private final Map<String, TeacherCache> teacherCaches = new ConcurrentHashMap<>();
  private TeacherStreams streams;
  private TeacherOutputStore outputStore;

  /** {@code dataFiles}: the files {@code source} was read from, with their digests (see {@link DataDigests#describe}). */
  public RunExecutor(ExperimentSpec spec, Path baseDir, RunPaths paths, SourceData source, List<DataProvenance.DataFile> dataFiles,
      RunListener listener) {
    this.spec = spec;
    this.paths = paths;
    this.data = new ExperimentData(spec, baseDir, paths, source, dataFiles);
    this.listener = listener;
    this.teachers = new TeacherLoader(spec, baseDir, paths);
  }

  /** The normalisation of every run at {@code seed} (a run's seed, not an ensemble member's). */
  Normalization normalization(long seed) {
    return data.normalization(seed);
  }

  /** The experiment's data as its runs see it (splits, standardisation), for measuring a finished run's weights again. */
  ExperimentData data() {
    return data;
  }

  private RunContext context() {
    return new RunContext(spec, paths, data, listener, teachers, teacherCaches, streams, outputStore);
  }

  /**
   * Lets students whose teacher must run live every epoch on logits only (augmented inputs, no
   * feature terms, the student's own inputs) get it from {@code streams} instead of running it in
   * their own loop; null (the default) keeps every teacher in the student's loop.
   */
  public void setTeacherStreams(TeacherStreams streams) {
    this.streams = streams;
  }

  /**
   * Keeps cached teachers' logits in {@code store} too: a student whose teacher, data view and
   * weights match stored outputs starts with them (its teacher never runs), and a student that
   * computed new ones saves them for later students of any experiment. Null (the default): the
   * cache lives in this executor only.
   */
  public void setTeacherOutputStore(TeacherOutputStore store) {
    this.outputStore = store;
  }

  /** Receives a streamed teacher's frames; returns false when the student no longer needs more. */
  public interface FrameSink {
    boolean frame(int epoch, int batch, long[] sampleIds, long[] shape, float[] sampleMajorLogits) throws InterruptedException;

    /** A teacher stage's output for the batch just sent ({@code stage}: its name; shape batch first). */
    default boolean stage(int epoch, int batch, String stage, long[] sampleIds, long[] shape, float[] values) throws InterruptedException {
      throw new UnsupportedOperationException("this sink takes logits only");
    }
  }

  /**
   * The teacher's side of a stream: replays the student run's training batches — the same task
   * split, order and augmentation draws per (seed, epoch) as the student's trainer — from epoch
   * {@code epochsDone + 1} to the student's last planned epoch, and hands the teacher's logits of
   * each batch (samples × members × classes, with the batch's sample ids) to {@code sink}, then
   * the outputs of the teacher stages the student's feature terms need, one per stage.
   * {@code member} ≥ 0 streams that member of an ensemble teacher alone (samples × 1 × classes),
   * so an ensemble's members can publish side by side; -1 streams the whole teacher.
   */
  public void streamTeacher(TeacherStreams.Request request, int member, Device device, FrameSink sink) throws IOException, InterruptedException {
    TeacherReplay.stream(context(), request, member, device, sink);
  }

  public RunRecord execute(ArmSpec arm, long seed) throws IOException {
    return execute(arm, seed, Engine.getInstance().defaultDevice());
  }

  /**
   * Executes a run with its model, data and teacher on {@code device}. Thread-safe: runs of
   * different arms or seeds may execute at the same time on different threads (gradient
   * recording is per thread), as long as a run starts after the runs it depends on finished.
   */
  public RunRecord execute(ArmSpec arm, long seed, Device device) throws IOException {
    Path dir = paths.run(arm.name(), seed);
    Path results = dir.resolve("results.json");
    if (Files.exists(results)) {
      RunRecord done = JSON.readValue(results.toFile(), RunRecord.class);
      listener.runFinished(done, true);
      return done;
    }
    Files.createDirectories(dir);
    TaskData task;
    try (Timeline.Span span = Timeline.process().start("run: task data")) {
      task = data.split(arm.task(), seed);
    }
    RunRecord record;
    if (arm.ensemble() != null) {
      record = new EnsembleRun(context(), arm, seed, dir, task, device).run();
    } else {
      try (NDManager manager = NDManager.newBaseManager(device)) {
        Session session;
        try (Timeline.Span span = Timeline.process().start("run: model and loop")) {
          session = new Session(context(), arm, generationSeed(arm, seed), seed, -1, dir, task, manager);
        }
        record = session.run();
      }
    }
    try (Timeline.Span span = Timeline.process().start("run: record")) {
      AtomicFiles.writeString(results, SpecReader.toJson(record));
      Checkpoints.clear(dir);
    }
    listener.runFinished(record, false);
    return record;
  }

  /** How an ensemble member's run is named to the listener: {@code arm/member-m}. */
  public static String memberLabel(String arm, int m) {
    return arm + "/member-" + m;
  }

  /**
   * Trains member {@code m} of ensemble arm {@code arm} at {@code seed} alone (or reads it when
   * finished), so members can train at the same time on different threads; {@link #execute}
   * then only evaluates the ensemble. Thread-safe for different members.
   */
  public RunRecord executeMember(ArmSpec arm, long seed, int m, Device device) throws IOException {
    if (arm.ensemble() == null || m < 0 || m >= arm.ensemble().members()) {
      throw new IllegalArgumentException("arm '" + arm.name() + "' has no ensemble member " + m);
    }
    Files.createDirectories(paths.run(arm.name(), seed));
    TaskData task = data.split(arm.task(), seed);
    return new EnsembleRun(context(), arm, seed, paths.run(arm.name(), seed), task, device).member(m);
  }

  /** The seed of ensemble member {@code m}: the run's own seed for member 0, so a 1-member ensemble is the plain arm. */
  static long memberSeed(long seed, int m) {
    return m == 0 ? seed : Seeds.mix(seed, m);
  }

  /**
   * The seed that draws a run's initialisation, data order, augmentation and dropout: the run's
   * own, but for born-again generation k >= 2, whose own mix of it makes each generation a new
   * initialisation (Furlanello et al.) while its task's samples stay the run's. Generation 1 and
   * the equal-budget baseline keep the run's seed, so generation 1 is the plain scratch arm.
   */
  static long generationSeed(ArmSpec arm, long seed) {
    return arm.generation() == null || arm.generation().number() < 2 ? seed : Seeds.mix(seed, 0xB0A9L + arm.generation().number());
  }

  /** The epochs an arm plans over all its phases. */
  public static int plannedEpochs(ArmSpec arm) {
    return Phase.of(arm).stream().mapToInt(Phase::epochs).sum();
  }

  static String describe(ArmSpec arm) {
    return describe(arm.model());
  }

  /** The model as the report names it, e.g. {@code cnn [8, 16] fc32}. */
  public static String describe(ModelSpec m) {
    return switch (m.type()) {
      case MLP -> "mlp " + m.widths();
      case CNN -> "cnn " + m.channels() + " fc" + m.hidden();
      case RESNET -> "resnet " + m.channels() + "x" + m.blocks();
      case LOGISTIC -> m.type().specName();
    } + (m.dropout() > 0 ? " dropout " + m.dropout() : "");
  }
}
