package dev.mentor.training.run;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.messages.spec.Check;
import dev.mentor.messages.spec.DataSpec;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecException;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.messages.spec.TaskSpec;
import dev.mentor.training.data.DataDigests;
import dev.mentor.training.data.DataException;
import dev.mentor.training.data.DataSources;
import dev.mentor.training.data.SourceData;
import dev.mentor.training.data.TaskSplitter;
import dev.mentor.training.files.AtomicFiles;
import dev.mentor.training.model.ModelWeights;
import dev.mentor.training.model.ModelZoo;
import dev.mentor.training.model.StagedModel;
import dev.mentor.training.report.ExperimentReport;
import dev.mentor.training.timing.Timeline;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs a whole experiment in-process: validates everything that can be checked before training
 * (data, class indices, sample counts, checkpoint files and their architecture, the output
 * directory), then every arm at every seed in spec order, then the report. Finished runs are
 * not repeated and interrupted ones resume, so the same command can simply be started again.
 */
public final class ExperimentRunner {
  private final ExperimentSpec spec;
  private final Path baseDir;
  private final RunPaths paths;
  /** Arms other arms learn from or start from, found once: {@link #role} is asked once per run. */
  private final RunPlan plan;
  private SourceData source;
  /** The files the data was read from (see {@link DataSources.Loaded}), known once validated. */
  private List<Path> dataFiles;
  /** Whether {@link #validate()} has passed (the data read and every check clean). */
  private boolean validated;

  /**
   * {@code baseDir} is the folder of the experiment file, against which relative paths of the spec
   * (data, checkpoints) are resolved; null for a spec that came without a file (a job sent to the
   * service), whose relative paths are refused since nothing says what they are relative to.
   */
  public ExperimentRunner(ExperimentSpec spec, Path baseDir, Path outputRoot) {
    this.spec = spec;
    this.baseDir = baseDir;
    this.paths = new RunPaths(outputRoot.resolve(spec.name()));
    this.plan = RunPlan.of(spec);
  }

  /** Every task of the experiment with what it needs finished first. */
  public RunPlan plan() {
    return plan;
  }

  public ExperimentSpec spec() {
    return spec;
  }

  public RunPaths paths() {
    return paths;
  }

  /** The folder relative paths of the spec are resolved against; null for a spec without a file. */
  public Path baseDir() {
    return baseDir;
  }

  /** Whether {@link #validate()} has passed: {@link #prepare} then reads no data again. */
  public boolean isValidated() {
    return validated;
  }

  /**
   * Every check that needs the data or files; throws one {@link SpecException} holding every
   * problem found, each naming its field (the data first: without it nothing else can be checked).
   */
  public void validate() {
    try (Timeline.Span span = Timeline.process().start("validate: data and spec")) {
      validateNow();
    }
  }

  private void validateNow() {
    List<SpecException> errors = new ArrayList<>();
    if (baseDir == null) {
      SpecException.throwIfAny(relativePaths(spec));
    }
    try {
      DataSources.Loaded loaded = DataSources.open(spec.data(), baseDir);
      source = loaded.data();
      dataFiles = loaded.files();
    } catch (DataException e) {
      throw new SpecException("data", e.getMessage());
    }
    for (Map.Entry<String, TaskSpec> task : spec.tasks().entrySet()) {
      List<Integer> classes = task.getValue().classes();
      boolean classesExist = true;
      for (int i = 0; i < classes.size(); i++) {
        if (classes.get(i) >= source.numClasses()) {
          errors.add(new SpecException("tasks." + task.getKey() + ".classes[" + i + "]", "the data has classes 0.." + (source.numClasses() - 1)
              + ", got " + classes.get(i)));
          classesExist = false;
        }
      }
      if (!classesExist) {
        continue;
      }
      try {
        // Which samples a task draws changes with the seed, whether they fit does not.
        TaskSplitter.indices(source, spec.tasks(), task.getKey(), spec.seeds().get(0));
      } catch (DataException e) {
        errors.add(new SpecException("tasks." + task.getKey(), e.getMessage()));
      } catch (SpecException e) {
        errors.add(e);
      }
    }
    if (!errors.isEmpty()) {
      // The arms' checks build models for the tasks' classes: they would only repeat these errors.
      throw SpecException.of(errors);
    }
    TeacherLoader teachers = new TeacherLoader(spec, baseDir, paths);
    Set<DistillChecks.Inputs> passed = new HashSet<>();
    for (int i = 0; i < spec.arms().size(); i++) {
      ArmSpec arm = spec.arms().get(i);
      try {
        if (arm.init() != null && arm.init().checkpoint() != null) {
          checkCheckpoint(arm, spec.armField(i) + ".init.checkpoint");
        }
        DistillChecks.Inputs inputs = arm.distill() == null ? null : DistillChecks.Inputs.of(spec, arm, teachers);
        if (inputs != null && !passed.contains(inputs)) {
          DistillChecks.check(spec, arm, spec.armField(i) + ".distill", source, teachers);
          passed.add(inputs);
        }
      } catch (SpecException e) {
        errors.add(e);
      }
    }
    String resolved = SpecReader.toJson(spec);
    try {
      if (Files.exists(paths.spec()) && !Files.readString(paths.spec()).equals(resolved)) {
        errors.add(new SpecException("name", "the output directory " + paths.experimentDir() + (sameMeaning(Files.readString(paths.spec()))
            ? " holds this experiment as an earlier version of Mentor wrote it, whose samples, normalisation or records may differ from this"
                + " version's: its runs cannot be continued here; choose another --output to run it again"
            : " holds a different spec for experiment '" + spec.name() + "'") + "; rename the experiment, choose another --output, or remove"
            + " that directory"));
      }
    } catch (IOException e) {
      errors.add(new SpecException("name", "cannot read " + paths.spec() + ": " + e.getMessage()));
    }
    SpecException.throwIfAny(errors);
    validated = true;
  }

  /**
   * What a valid spec does that its author may not expect, one sentence each: a task without
   * {@code perClass} that trains on fewer samples than it would alone, because another task
   * sharing its classes holds back a larger validation block that no task may train on.
   * Validates first if that has not been done.
   */
  public List<String> notes() {
    if (!validated) {
      validate();
    }
    long seed = spec.seeds().get(0);
    List<String> notes = new ArrayList<>();
    for (Map.Entry<String, TaskSpec> task : spec.tasks().entrySet()) {
      TaskSpec mine = task.getValue();
      if (mine.perClass() != null || mine.allowOverlap()) {
        continue;
      }
      int alone = TaskSplitter.indices(source, Map.of(task.getKey(), mine), task.getKey(), seed).train().length;
      TaskSplitter.Indices drawn = TaskSplitter.indices(source, spec.tasks(), task.getKey(), seed);
      if (drawn.train().length >= alone) {
        continue;
      }
      double ownValidation = (double) drawn.validation().length / mine.classes().size();
      List<String> holders = new ArrayList<>();
      for (Map.Entry<String, TaskSpec> other : spec.tasks().entrySet()) {
        if (!other.getKey().equals(task.getKey()) && other.getValue().classes().stream().anyMatch(mine.classes()::contains)
            && (double) TaskSplitter.indices(source, spec.tasks(), other.getKey(), seed).validation().length / other.getValue().classes().size()
                > ownValidation) {
          holders.add("'" + other.getKey() + "'");
        }
      }
      notes.add("task '" + task.getKey() + "' trains on " + drawn.train().length + " samples, " + (alone - drawn.train().length)
          + " fewer than on its own: they are validation samples of task " + String.join(", ", holders)
          + ", which no task trains on; set allowOverlap: true on task '" + task.getKey() + "' to train on them anyway");
    }
    return notes;
  }

  /**
   * Validates, then describes what every arm will train, for a person to read before running it
   * ({@code mentor validate --explain}).
   */
  public String explain() {
    if (!validated) {
      validate();
    }
    return new SpecExplainer(spec, source, DataDigests.describe(dataFiles), (task, seed) -> TaskSplitter.split(source, spec.tasks(), task, seed))
        .explain();
  }

  /** Whether a stored resolved spec reads, with this version's defaults, as this experiment. */
  private boolean sameMeaning(String stored) {
    try {
      return SpecReader.parseResolved(stored).equals(spec);
    } catch (SpecException e) {
      return false;
    }
  }

  /**
   * The paths of a spec that are relative (data, checkpoints), each an error: a spec sent to a
   * service comes without its file, so there is no folder they could be relative to.
   */
  public static List<SpecException> relativePaths(ExperimentSpec spec) {
    List<SpecException> errors = new ArrayList<>();
    requireAbsolutePaths(spec, errors);
    return errors;
  }

  private static void requireAbsolutePaths(ExperimentSpec spec, List<SpecException> errors) {
    if (spec.data().path() != null && spec.data().source() != DataSpec.Source.SYNTHETIC) {
      requireAbsolute(errors, "data.path", spec.data().path());
    }
    for (int i = 0; i < spec.arms().size(); i++) {
      ArmSpec arm = spec.arms().get(i);
      if (arm.init() != null && arm.init().checkpoint() != null) {
        requireAbsolute(errors, spec.armField(i) + ".init.checkpoint", arm.init().checkpoint());
      }
      if (arm.distill() != null && arm.distill().teacher().checkpoint() != null) {
        requireAbsolute(errors, spec.armField(i) + ".distill.teacher.checkpoint", arm.distill().teacher().checkpoint());
      }
    }
  }

  private static void requireAbsolute(List<SpecException> errors, String field, String path) {
    boolean absolute;
    try {
      absolute = Path.of(path).isAbsolute();
    } catch (InvalidPathException e) {
      errors.add(new SpecException(field, "is not a valid path: " + e.getMessage()));
      return;
    }
    if (!absolute) {
      errors.add(new SpecException(field, "is relative (" + Check.quote(path) + "), but this experiment came without a spec file (a job sent to"
          + " the service) whose folder it could be relative to; give an absolute path on the machine that runs it"));
    }
  }

  private void checkCheckpoint(ArmSpec arm, String field) {
    Path file = Path.of(arm.init().checkpoint());
    file = file.isAbsolute() ? file : baseDir.resolve(file);
    if (!ModelWeights.exists(file)) {
      throw new SpecException(field, "file not found: " + file);
    }
    int classes = spec.tasks().get(arm.task()).classes().size();
    var train = source.train();
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = ModelZoo.create(arm.model(), classes, new Shape(train.channels(), train.height(), train.width()), manager, 0);
      ModelWeights.loadBackbone(model, file, arm.init().keepHead());
    } catch (IOException | IllegalArgumentException e) {
      throw new SpecException(field, "cannot start arm '" + arm.name() + "' from " + file + ": " + e.getMessage());
    }
    if (arm.init().keepHead()) {
      HeadClasses.check(file, field, field.replaceFirst("checkpoint$", "classes"), arm.init().classes(), spec.tasks().get(arm.task()).classes());
    }
  }

  /** Validates, runs every arm at every seed, writes the report; returns the run records. */
  public List<RunRecord> run(RunListener listener) throws IOException {
    RunExecutor executor = prepare(listener);
    List<RunRecord> records = new ArrayList<>();
    Device device;
    try (Timeline.Span span = Timeline.process().start("engine: load")) {
      device = Engine.getInstance().defaultDevice();
    }
    for (RunPlan.Task task : plan.tasks()) {
      ArmSpec arm = spec.arm(task.arm());
      if (task.isMember()) {
        executor.executeMember(arm, task.seed(), task.member(), device);
      } else {
        records.add(executor.execute(arm, task.seed(), device));
      }
    }
    writeReport(records);
    return records;
  }

  /**
   * Validates (when not done yet), writes the resolved spec and returns the executor of single
   * runs, for callers that run them one at a time (the actor runtime, to honour cancellation
   * between runs). A task may start once what it needs in the {@link #plan} has finished; runs without a
   * dependency between them may execute at the same time on different threads.
   */
  public RunExecutor prepare(RunListener listener) throws IOException {
    if (!validated) {
      validate();
    }
    Files.createDirectories(paths.experimentDir());
    AtomicFiles.writeString(paths.spec(), SpecReader.toJson(spec));
    // Once per experiment: the IDX files of Fashion-MNIST are some 30 MB.
    try (Timeline.Span span = Timeline.process().start("prepare: data digests")) {
      return new RunExecutor(spec, baseDir, paths, source, DataDigests.describe(dataFiles), listener);
    }
  }

  public void writeReport(List<RunRecord> records) {
    try (Timeline.Span span = Timeline.process().start("report")) {
      GenerationEnsembles.write(spec, baseDir, paths, source);
      ExperimentReport.write(paths.experimentDir(), spec, records, Environment.summary(), DarkKnowledgeFiles.readAll(spec, paths),
          GenerationEnsembles.readAll(spec, paths));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the teachers' views or write the born-again ensembles under " + paths.experimentDir(), e);
    }
  }
}
