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
import dev.mentor.training.data.DataDigests;
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
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.mentor.messages.record.DataProvenance;
import dev.mentor.messages.record.DistillationInfo;
import dev.mentor.messages.record.EnsembleMetrics;
import dev.mentor.messages.record.InferenceCost;
import dev.mentor.messages.spec.DistillSpec;
import dev.mentor.messages.spec.FeatureTermSpec;
import dev.mentor.messages.spec.ModelSpec;
import dev.mentor.messages.spec.StagePair;
import dev.mentor.messages.spec.TaskSpec;
import dev.mentor.training.data.Seeds;
import dev.mentor.training.distill.DistillationObjective;
import dev.mentor.training.distill.HintRegressor;
import dev.mentor.training.distill.Teacher;
import dev.mentor.training.distill.TeacherCache;
import dev.mentor.training.eval.Ensembles;
import dev.mentor.training.eval.Predictions;
import dev.mentor.training.loop.CrossEntropy;
import dev.mentor.training.loop.Objective;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Executes one run (an arm at a seed) end to end: carves the task, builds the model, loads
 * pretrained weights, trains phase by phase with a checkpoint after every epoch, selects the
 * epoch to report on validation data, evaluates on the test set and its shifted versions, and
 * writes the run's record last, so a directory with {@code results.json} is a finished run and
 * one without it resumes from its checkpoint. Every run at one seed is standardised with one
 * {@link Normalization}, fitted on the union of the experiment's tasks' training splits at that
 * seed (each training-file sample once, unshifted: no validation or test sample, no class no task
 * lists), so a model moved from one arm to another sees its inputs scaled as before; each record
 * carries its {@link DataProvenance}.
 */
public final class RunExecutor {
  static final int EVAL_BATCH = 500;
  /** The best validation-loss epoch, tracked as early stopping that never runs out of patience. */
  private static final dev.mentor.messages.spec.EarlyStoppingSpec BEST_BY_LOSS =
      new dev.mentor.messages.spec.EarlyStoppingSpec(Integer.MAX_VALUE, "loss", 0.0);
  private static final ObjectMapper JSON = SpecReader.json();

  private final ExperimentSpec spec;
  private final Path baseDir;
  private final RunPaths paths;
  private final SourceData source;
  /** The files the data was read from with their digests, computed once per experiment. */
  private final List<DataProvenance.DataFile> dataFiles;
  private final RunListener listener;
  /** Per seed: every task's sample indices and the normalisation fitted on their training samples. */
  private final Map<Long, SeedData> seedData = new java.util.concurrent.ConcurrentHashMap<>();
  private final TeacherLoader teachers;
  /** Shared by the runs executing at the same time (each cache is itself thread-safe). */
  private final Map<String, TeacherCache> teacherCaches = new java.util.concurrent.ConcurrentHashMap<>();
  private dev.mentor.training.distill.TeacherStreams streams;
  private dev.mentor.training.distill.TeacherOutputStore outputStore;

  /** {@code dataFiles}: the files {@code source} was read from, with their digests (see {@link DataDigests#describe}). */
  public RunExecutor(ExperimentSpec spec, Path baseDir, RunPaths paths, SourceData source, List<DataProvenance.DataFile> dataFiles,
      RunListener listener) {
    this.spec = spec;
    this.baseDir = baseDir;
    this.paths = paths;
    this.source = source;
    this.dataFiles = List.copyOf(dataFiles);
    this.listener = listener;
    this.teachers = new TeacherLoader(spec, baseDir, paths);
  }

  /** Every task's sample indices at one seed, and the normalisation fitted on the union of their training samples. */
  private record SeedData(Map<String, TaskSplitter.Indices> indices, Normalization normalization) {}

  private SeedData seedData(long seed) {
    return seedData.computeIfAbsent(seed, s -> {
      Map<String, TaskSplitter.Indices> indices = new LinkedHashMap<>();
      java.util.BitSet training = new java.util.BitSet(source.train().size());
      for (String task : spec.tasks().keySet()) {
        TaskSplitter.Indices drawn = TaskSplitter.indices(source, spec.tasks(), task, s);
        indices.put(task, drawn);
        for (int i : drawn.train()) {
          training.set(i);
        }
      }
      checkNoOverlap(indices, s);
      return new SeedData(Map.copyOf(indices), Normalization.fit(source.train(), training.stream().toArray()));
    });
  }

  /**
   * Refuses, before any run of the seed trains, a task whose training samples include another
   * task's validation samples unless it sets {@code allowOverlap} (the splitter keeps them apart;
   * this guards that promise).
   */
  private void checkNoOverlap(Map<String, TaskSplitter.Indices> indices, long seed) {
    for (String task : spec.tasks().keySet()) {
      if (spec.tasks().get(task).allowOverlap()) {
        continue;
      }
      for (String other : spec.tasks().keySet()) {
        int shared = other.equals(task) ? 0 : validationOverlap(indices.get(task), indices.get(other));
        if (shared > 0) {
          throw new IllegalStateException("task '" + task + "' would train on " + shared + " validation samples of task '" + other
              + "' at seed " + seed + "; set allowOverlap on task '" + task + "' if that is meant");
        }
      }
    }
  }

  /** How many of {@code task}'s training samples are {@code other}'s validation samples. */
  private int validationOverlap(TaskSplitter.Indices task, TaskSplitter.Indices other) {
    java.util.BitSet train = new java.util.BitSet(source.train().size());
    for (int i : task.train()) {
      train.set(i);
    }
    int shared = 0;
    for (int i : other.validation()) {
      shared += train.get(i) ? 1 : 0;
    }
    return shared;
  }

  /** The normalisation of every run at {@code seed} (a run's seed, not an ensemble member's). */
  Normalization normalization(long seed) {
    return seedData(seed).normalization();
  }

  /**
   * The standardisation of an arm's inputs at run seed {@code seed}: that recorded in the weights
   * it starts from ({@code init}), so a model trained elsewhere sees inputs scaled as in its
   * training, else the experiment's at that seed.
   */
  Normalization normalization(ArmSpec arm, long seed) throws IOException {
    if (arm.init() == null) {
      return normalization(seed);
    }
    Path file = initWeights(arm, seed);
    Normalization recorded = Files.isRegularFile(file) ? ModelWeights.normalization(file).orElse(null) : null;
    return recorded != null ? recorded : normalization(seed);
  }

  /** The data a run of {@code task} at {@code seed} used: source, files, normalisation ({@code n}), its splits and their overlap with other tasks. */
  DataProvenance provenance(String task, long seed, Normalization n) {
    SeedData at = seedData(seed);
    TaskSplitter.Indices mine = at.indices().get(task);
    Map<String, DataProvenance.Overlap> overlap = new LinkedHashMap<>();
    for (String other : spec.tasks().keySet()) {
      if (!other.equals(task)) {
        // Training samples come from the training file and test samples from the test file: their overlap is 0 by construction.
        overlap.put(other, new DataProvenance.Overlap(validationOverlap(mine, at.indices().get(other)), 0));
      }
    }
    return new DataProvenance(spec.data().source(), DataDigests.combined(dataFiles), dataFiles,
        new DataProvenance.Standardization(n.mean(), n.std()),
        new DataProvenance.Split(mine.train().length, DataDigests.ids("train", mine.train())),
        new DataProvenance.Split(mine.validation().length, DataDigests.ids("train", mine.validation())),
        new DataProvenance.Split(mine.test().length, DataDigests.ids("test", mine.test())),
        overlap);
  }

  /** The data part of a run's environment.json: source, files and digests. */
  private Map<String, Object> dataEnvironment() {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("source", spec.data().source());
    data.put("sha256", DataDigests.combined(dataFiles));
    data.put("files", dataFiles);
    return data;
  }

  /**
   * Lets students whose teacher must run live every epoch on logits only (augmented inputs, no
   * feature terms, the student's own inputs) get it from {@code streams} instead of running it in
   * their own loop; null (the default) keeps every teacher in the student's loop.
   */
  public void setTeacherStreams(dev.mentor.training.distill.TeacherStreams streams) {
    this.streams = streams;
  }

  /**
   * Keeps cached teachers' logits in {@code store} too: a student whose teacher, data view and
   * weights match stored outputs starts with them (its teacher never runs), and a student that
   * computed new ones saves them for later students of any experiment. Null (the default): the
   * cache lives in this executor only.
   */
  public void setTeacherOutputStore(dev.mentor.training.distill.TeacherOutputStore store) {
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
  public void streamTeacher(dev.mentor.training.distill.TeacherStreams.Request request, int member, ai.djl.Device device, FrameSink sink)
      throws IOException, InterruptedException {
    ArmSpec arm = spec.arm(request.studentArm());
    if (arm == null || arm.distill() == null) {
      throw new IllegalArgumentException("arm '" + request.studentArm() + "' of experiment '" + spec.name() + "' has no teacher");
    }
    TaskData data = TaskSplitter.split(source, spec.tasks(), arm.task(), request.seed());
    ImageSet train = data.train();
    try (NDManager manager = NDManager.newBaseManager(device)) {
      Normalization inputs = normalization(arm, request.seed());
      Teacher whole = teachers.load(arm.distill().teacher(), request.seed(), data.numClasses(),
          new Shape(train.channels(), train.height(), train.width()), manager, inputs);
      if (member >= whole.members().size()) {
        throw new IllegalArgumentException("the teacher of arm '" + arm.name() + "' has " + whole.members().size() + " members, not " + (member + 1));
      }
      Teacher teacher = member < 0 ? whole : whole.member(member, new ParameterStore(manager, false));
      Batches batches = new Batches(train, arm.batchSize(), inputs, augmentation(arm.augmentation()));
      int planned = plannedEpochs(arm);
      java.util.Set<String> stages = DistillationObjective.teacherStages(arm.distill());
      for (int epoch = request.epochsDone() + 1; epoch <= planned; epoch++) {
        // The student's trainer draws order and augmentation from (its seed, epoch); a student is not an ensemble, so its seed is the run's.
        batches.shuffle(request.seed(), epoch);
        for (int i = 0; i < batches.count(); i++) {
          long[] ids;
          long[] shape;
          float[] values;
          Map<String, float[]> tapValues = new LinkedHashMap<>();
          Map<String, long[]> tapShapes = new LinkedHashMap<>();
          try (NDManager step = manager.newSubManager(); dev.mentor.training.engine.GradMode off = dev.mentor.training.engine.GradMode.off()) {
            Batches.Batch batch = batches.get(i, step);
            Teacher.Output out = teacher.forward(batch.inputs(), stages);
            ai.djl.ndarray.NDArray sampleMajor = out.memberLogits().transpose(1, 0, 2);
            ids = batch.sampleIds();
            shape = sampleMajor.getShape().getShape();
            values = sampleMajor.toFloatArray();
            for (String stage : stages) {
              tapValues.put(stage, out.taps().get(stage).toFloatArray());
              tapShapes.put(stage, out.taps().get(stage).getShape().getShape());
            }
          }
          if (!sink.frame(epoch, i, ids, shape, values)) {
            return;
          }
          for (String stage : stages) {
            if (!sink.stage(epoch, i, stage, ids, tapShapes.get(stage), tapValues.get(stage))) {
              return;
            }
          }
        }
      }
    }
  }

  public RunRecord execute(ArmSpec arm, long seed) throws IOException {
    return execute(arm, seed, ai.djl.engine.Engine.getInstance().defaultDevice());
  }

  /**
   * Executes a run with its model, data and teacher on {@code device}. Thread-safe: runs of
   * different arms or seeds may execute at the same time on different threads (gradient
   * recording is per thread), as long as a run starts after the runs it depends on finished.
   */
  public RunRecord execute(ArmSpec arm, long seed, ai.djl.Device device) throws IOException {
    Path dir = paths.run(arm.name(), seed);
    Path results = dir.resolve("results.json");
    if (Files.exists(results)) {
      RunRecord done = JSON.readValue(results.toFile(), RunRecord.class);
      listener.runFinished(done, true);
      return done;
    }
    Files.createDirectories(dir);
    TaskData data = TaskSplitter.split(source, spec.tasks(), arm.task(), seed);
    RunRecord record;
    if (arm.ensemble() != null) {
      record = new EnsembleRun(arm, seed, dir, data, device).run();
    } else {
      try (NDManager manager = NDManager.newBaseManager(device)) {
        record = new Session(arm, seed, seed, arm.name(), dir, data, manager).run();
      }
    }
    AtomicFiles.writeString(results, SpecReader.toJson(record));
    Checkpoints.clear(dir);
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
  public RunRecord executeMember(ArmSpec arm, long seed, int m, ai.djl.Device device) throws IOException {
    if (arm.ensemble() == null || m < 0 || m >= arm.ensemble().members()) {
      throw new IllegalArgumentException("arm '" + arm.name() + "' has no ensemble member " + m);
    }
    Files.createDirectories(paths.run(arm.name(), seed));
    TaskData data = TaskSplitter.split(source, spec.tasks(), arm.task(), seed);
    return new EnsembleRun(arm, seed, paths.run(arm.name(), seed), data, device).member(m);
  }

  /** The seed of ensemble member {@code m}: the run's own seed for member 0, so a 1-member ensemble is the plain arm. */
  static long memberSeed(long seed, int m) {
    return m == 0 ? seed : Seeds.mix(seed, m);
  }

  /**
   * A deep ensemble's run: each member trained as a run of its own (resumable, in
   * {@code member-<m>/}) with its own seed on the same task data, then evaluated together.
   */
  private final class EnsembleRun {
    private final ArmSpec arm;
    private final long seed;
    private final Path dir;
    private final TaskData data;
    private final ai.djl.Device device;

    EnsembleRun(ArmSpec arm, long seed, Path dir, TaskData data, ai.djl.Device device) {
      this.device = device;
      this.arm = arm;
      this.seed = seed;
      this.dir = dir;
      this.data = data;
    }

    RunRecord run() throws IOException {
      int n = arm.ensemble().members();
      List<RunRecord> members = new ArrayList<>();
      List<Long> seeds = new ArrayList<>();
      for (int m = 0; m < n; m++) {
        seeds.add(memberSeed(seed, m));
      }
      if (arm.ensemble().codistill() == null) {
        for (int m = 0; m < n; m++) {
          members.add(member(m));
        }
      } else {
        members.addAll(membersTogether(n));
        for (int m = 0; m < n; m++) {
          try (var published = Files.list(paths.member(arm.name(), seed, m))) {
            for (Path f : published.filter(f -> f.getFileName().toString().startsWith("peer")).toList()) {
              Files.deleteIfExists(f);
            }
          }
        }
      }
      try (NDManager manager = NDManager.newBaseManager(device)) {
        List<StagedModel> models = new ArrayList<>();
        ImageSet train = data.train();
        for (int m = 0; m < n; m++) {
          StagedModel model = ModelZoo.create(arm.model(), data.numClasses(), new Shape(train.channels(), train.height(), train.width()), manager, 0);
          ModelWeights.loadBackbone(model, paths.memberWeights(arm.name(), seed, m), true);
          models.add(model);
        }
        ParameterStore store = new ParameterStore(manager, false);
        List<Predictions> validation = predictAll(models, data.validation(), manager);
        long start = System.nanoTime();
        Batches testBatches = evaluationBatches(data.test(), normalization(arm, seed));
        List<Predictions> test = predictAll(models, testBatches, manager);
        double testSeconds = (System.nanoTime() - start) / 1e9;
        Map<String, List<Predictions>> shiftedMembers = new LinkedHashMap<>();
        Map<String, EvalMetrics> shifted = new LinkedHashMap<>();
        for (Map.Entry<String, ImageSet> ood : TaskSplitter.oodSets(data, spec.tasks().get(arm.task()), seed).entrySet()) {
          List<Predictions> p = predictAll(models, ood.getValue(), manager);
          shiftedMembers.put(ood.getKey(), p);
          shifted.put(ood.getKey(), Metrics.of(Ensembles.average(p)));
        }
        EnsembleMetrics ensemble = Ensembles.metrics(seeds, validation, test, shiftedMembers);
        long bytes = 0;
        for (int m = 0; m < n; m++) {
          bytes += Files.size(paths.memberWeights(arm.name(), seed, m));
        }
        InferenceCost cost = new InferenceCost(InferenceCosts.latencyMs(models, store, firstSample(data.test(), normalization(arm, seed)), manager),
            data.test().size() / testSeconds, bytes);
        RunRecord first = members.get(0);
        List<RunEvent> events = new ArrayList<>();
        for (int m = 0; m < n; m++) {
          for (RunEvent e : members.get(m).events()) {
            events.add(new RunEvent(e.epoch(), e.kind(), "member " + m + ": " + e.message()));
          }
        }
        return new RunRecord(RunRecord.SCHEMA_VERSION, spec.name(), arm.name(), seed, arm.task(), arm.strategy(),
            describe(arm) + " ensemble of " + n, null, sum(members, RunRecord::parameters), sum(members, RunRecord::trainableParameters),
            sum(members, RunRecord::multiplyAdds), sum(members, RunRecord::bytes), first.trainSamples(), first.validationSamples(),
            first.epochsPlanned(), first.epochsRun(), first.selectedEpoch(), "each member: " + first.selection() + " (member 0; learning curve of member 0)",
            0, members.stream().mapToDouble(RunRecord::trainSeconds).sum(), first.samplesPerSecond(),
            Metrics.of(Ensembles.average(validation)), Metrics.of(Ensembles.average(test)), shifted, first.history(), events,
            null, ensemble, cost, provenance(arm.task(), seed, normalization(arm, seed)));
      }
    }

    /** Co-distilled members must train at the same time (each waits for its peers' recent weights): one thread each. */
    private List<RunRecord> membersTogether(int n) throws IOException {
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(n, r -> {
        Thread t = new Thread(r, "mentor-codistill-" + arm.name());
        t.setDaemon(true);
        return t;
      });
      try {
        List<java.util.concurrent.Future<RunRecord>> futures = new ArrayList<>();
        for (int m = 0; m < n; m++) {
          int member = m;
          futures.add(pool.submit(() -> member(member)));
        }
        List<RunRecord> records = new ArrayList<>();
        for (java.util.concurrent.Future<RunRecord> f : futures) {
          records.add(f.get());
        }
        return records;
      } catch (java.util.concurrent.ExecutionException e) {
        if (e.getCause() instanceof IOException io) {
          throw io;
        }
        if (e.getCause() instanceof RuntimeException re) {
          throw re;
        }
        throw new IllegalStateException(e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while the co-distilled members trained", e);
      } finally {
        pool.shutdownNow();
      }
    }

    /** Member {@code m}'s record: read when it finished before, else trained now (resuming from its checkpoint). */
    RunRecord member(int m) throws IOException {
      Path memberDir = paths.member(arm.name(), seed, m);
      Path results = memberDir.resolve("results.json");
      if (Files.exists(results)) {
        return JSON.readValue(results.toFile(), RunRecord.class);
      }
      Files.createDirectories(memberDir);
      try (NDManager manager = NDManager.newBaseManager(device)) {
        RunRecord record = new Session(arm, memberSeed(seed, m), seed, memberLabel(arm.name(), m), memberDir, data, manager).run();
        AtomicFiles.writeString(results, SpecReader.toJson(record));
        Checkpoints.clear(memberDir);
        return record;
      }
    }

    private List<Predictions> predictAll(List<StagedModel> models, ImageSet set, NDManager manager) throws IOException {
      return predictAll(models, evaluationBatches(set, normalization(arm, seed)), manager);
    }

    private List<Predictions> predictAll(List<StagedModel> models, Batches batches, NDManager manager) {
      List<Predictions> out = new ArrayList<>();
      for (StagedModel model : models) {
        out.add(new Trainer(model, manager, seed).predict(batches));
      }
      return out;
    }

    private static long sum(List<RunRecord> records, java.util.function.ToLongFunction<RunRecord> field) {
      return records.stream().mapToLong(field).sum();
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
    private final String label;
    private int epochsDone;
    private int selectedEpoch;
    private String selection;
    private long trainableCount;
    private Teacher teacher;
    private final Map<String, HintRegressor> regressors = new LinkedHashMap<>();
    private TeacherCache cache;
    /** The content key of the cache in the shared output store (null without a store), and how many samples it held when loaded. */
    private String storeKey;
    private int storedSamples;
    /** A teacher running elsewhere (see {@link #setTeacherStreams}), opened when the run starts; null when the teacher runs here. */
    private dev.mentor.training.distill.RemoteTeacher remote;
    private boolean streamable;
    private final TeacherCache.Counter cacheCounter = new TeacherCache.Counter();
    /** The cache lookups and hits already reported to the listener (restored with the counter on resume). */
    private final long[] cacheReported = new long[2];
    private Batches teacherBatches;
    private TaskData teacherView;
    private String cacheNote;
    /** The objective of the phase trained last in this process (null until a phase trains). */
    private Objective lastObjective;
    /** This member's co-distillation peers (null unless the arm co-distils its ensemble's members). */
    private Peers peers;

    /**
     * {@code seed} draws the model and its training; {@code runSeed} is the run's (equal but for
     * ensemble members); {@code label} names the run to the listener ("arm" or "arm/member-m").
     */
    Session(ArmSpec arm, long seed, long runSeed, String label, Path dir, TaskData data, NDManager manager) throws IOException {
      this.arm = arm;
      this.label = label;
      this.seed = seed;
      this.runSeed = runSeed;
      this.dir = dir;
      this.data = data;
      this.manager = manager;
      ImageSet train = data.train();
      model = ModelZoo.create(arm.model(), data.numClasses(), new Shape(train.channels(), train.height(), train.width()), manager, seed);
      if (arm.init() != null) {
        ModelWeights.loadBackbone(model, initWeights(arm, runSeed), arm.init().keepHead());
      }
      trainer = new Trainer(model, manager, seed);
      normalization = normalization(arm, runSeed);
      trainBatches = new Batches(train, arm.batchSize(), normalization, augmentation(arm.augmentation()));
      validation = evaluationBatches(data.validation(), normalization);
      pruning = arm.pruning() == null ? null : MagnitudePruning.prune(model, arm.pruning());
      Map<String, Parameter> extra = new LinkedHashMap<>();
      if (arm.distill() != null) {
        setUpTeacher();
        regressors.forEach((term, r) -> r.namedParameters().forEach((name, p) -> extra.put("regressor:" + term + "/" + name, p)));
      }
      checkpoints = new Checkpoints(dir, model, extra);
      overfitting = new OverfittingDetector(arm.overfitting().epochs());
      if (arm.ensemble() != null && arm.ensemble().codistill() != null) {
        peers = new Peers(this);
      }
    }

    private void setUpTeacher() throws IOException {
      DistillSpec distill = arm.distill();
      TaskSpec task = spec.tasks().get(arm.task());
      boolean clean = distill.teacherInput().equals("clean");
      TaskSpec teacherTask = clean
          ? new TaskSpec(task.classes(), task.perClass(), task.validationPerClass(), task.testPerClass(), null, task.ood(), task.allowOverlap())
          : task;
      teacherView = clean ? TaskSplitter.cleanSplit(source, spec.tasks(), arm.task(), runSeed) : data;
      ImageSet train = data.train();
      teacher = teachers.load(distill.teacher(), runSeed, data.numClasses(), new Shape(train.channels(), train.height(), train.width()), manager,
          normalization);
      if (clean) {
        teacherBatches = new Batches(teacherView.train(), arm.batchSize(), normalization, augmentation(arm.augmentation()));
      }
      Map<String, Shape> studentShapes = model.stageOutputShapes();
      Map<String, Shape> teacherShapes = teacher.members().get(0).stageOutputShapes();
      int j = 0;
      for (FeatureTermSpec f : distill.features()) {
        if (!f.method().equals("fitnets")) {
          continue;
        }
        for (StagePair pair : f.pairs()) {
          regressors.put(DistillationObjective.termName(f.method(), pair), HintRegressor.create(studentShapes.get(pair.student()),
              teacherShapes.get(pair.teacher()), manager, Seeds.mix(seed, 0x4117 + j++)));
        }
      }
      if (!augmentation(arm.augmentation()).isIdentity()) {
        streamable = streams != null && !clean && arm.ensemble() == null;
        cacheNote = "live: augmentation changes the teacher's inputs every epoch";
      } else if (!distill.features().isEmpty()) {
        streamable = streams != null && !clean && arm.ensemble() == null;
        cacheNote = "live: feature terms need the teacher's stage outputs";
      } else {
        String key = teachers.identity(distill.teacher(), runSeed) + "|" + SpecReader.toJson(teachers.model(distill.teacher())) + "|"
            + SpecReader.toJson(teacherTask) + "|seed " + runSeed;
        cache = teacherCaches.computeIfAbsent(key, k -> new TeacherCache(teacher.members().size() * data.numClasses()));
        cacheNote = "cached: teacher logits computed once per sample, reused across epochs and students";
        if (outputStore != null) {
          storeKey = teachers.contentDigest(distill.teacher(), runSeed) + "|" + SpecReader.toJson(teachers.model(distill.teacher())) + "|"
              + SpecReader.toJson(spec.data()) + "|" + SpecReader.toJson(teacherTask) + "|seed " + runSeed + "|normalization "
              + normalization.mean() + " " + normalization.std();
          int before = cache.size();
          outputStore.load(storeKey, cache.floatsPerSample()).forEach(cache::put);
          storedSamples = cache.size();
          if (storedSamples > before) {
            cacheNote = "cached: teacher logits of " + (storedSamples - before) + " samples from the shared teacher-output store "
                + "(published by an earlier student of this teacher), the rest computed once";
          }
        }
      }
    }

    private Objective objectiveFor(Phase phase) {
      if (teacher == null) {
        return Objective.of(new CrossEntropy());
      }
      DistillationObjective.Builder builder = DistillationObjective.builder().setSpec(arm.distill()).setTeacher(teacher)
          .setStore(new ParameterStore(manager, false)).setRegressors(regressors).optTeacherBatches(teacherBatches)
          .optHintPhase(phase.name().equals(Phase.HINT));
      if (cache != null) {
        builder.optCache(cache, cacheCounter);
      }
      if (remote != null) {
        builder.optRemoteTeacher(remote, teacher.members().size(), data.numClasses());
      }
      return builder.build();
    }

    RunRecord run() throws IOException {
      Map<String, Object> environment = Environment.describe();
      environment.put("data", dataEnvironment());
      AtomicFiles.writeString(dir.resolve("environment.json"), SpecReader.toJson(environment));
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
      listener.runStarted(label, runSeed, plannedEpochs(arm), state != null);
      boolean stoppedBefore = state != null && state.stopped();
      if (peers != null) {
        peers.publish(epochsDone, false);
      }
      if (streamable && !stoppedBefore && epochsDone < plannedEpochs(arm)) {
        remote = streams.open(new dev.mentor.training.distill.TeacherStreams.Request(spec.name(), arm.name(), runSeed, epochsDone,
            teacher.members().size(), data.numClasses()));
        if (remote != null) {
          cacheNote = "live, streamed: the teacher runs elsewhere and sends its logits" + (arm.distill().features().isEmpty() ? ""
              : " and stage outputs " + DistillationObjective.teacherStages(arm.distill())) + " for each of the student's batches";
        }
      }
      try {
        // A checkpoint of a run the overfitting detector stopped still enters its phase, which trains nothing but selects the weights to evaluate.
        boolean stopRun = false;
        for (int p = state == null ? 0 : state.phase(); p < phases.size() && !stopRun; p++) {
          stopRun = trainPhase(p, phases.get(p), state != null && state.phase() == p ? state : null);
        }
      } finally {
        if (remote != null) {
          remote.close();
        }
        if (peers != null) {
          // Peers waiting for this member's next epoch go on with its last weights.
          peers.publish(epochsDone, true);
        }
      }
      if (peers != null && peers.epochsUsed > 0) {
        events.add(new RunEvent(epochsDone, "note", String.format(java.util.Locale.ROOT,
            "co-distillation: peers' weights were %d to %d epochs old (mean %.2f) over %d epochs; bound %d", peers.minStaleness,
            peers.maxStaleness, peers.stalenessSum / (double) peers.epochsUsed, peers.epochsUsed, arm.ensemble().codistill().staleness())));
      }
      if (storeKey != null && cache.size() > storedSamples) {
        outputStore.save(storeKey, cache.snapshot(), cache.floatsPerSample());
      }
      switch (arm.strategy()) {
        case "bn-adapt" -> {
          trainer.recomputeBatchNormStatistics(evaluationBatches(data.train(), normalization));
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
      Map<String, Tensor> best = null;
      int phaseDone = 0;
      boolean stopRun = false;
      if (resume != null) {
        checkpoints.restoreOptimizer(optimizer, resume.optimizerStep());
        phaseDone = resume.phaseEpochsDone();
        stopRun = resume.stopped();
        if (stopping != null) {
          stopping.restore(resume.earlyStopping());
          if (stopping.bestEpoch() > 0) {
            best = checkpoints.loadBest();
          }
        }
        if (bestByLoss != null && resume.bestByLoss() != null) {
          bestByLoss.restore(resume.bestByLoss());
          if (bestByLoss.bestEpoch() > 0) {
            best = checkpoints.loadBest();
          }
        }
      } else if (bestByLoss != null && index > 0 && selectedEpoch > 0 && !Phase.of(arm).get(index - 1).name().equals(Phase.HINT)) {
        // The phase starts from the weights the previous phase selected: they are its first candidate.
        int start = selectedEpoch;
        bestByLoss.record(start, history.stream().filter(r -> r.epoch() == start).findFirst().orElseThrow().validationLoss(), Double.NaN);
        best = ModelWeights.snapshot(model);
        checkpoints.saveBest(best);
      }
      trainer.configure(plan, optimizer, pruning);
      boolean stopPhase = stopRun || (stopping != null && stopping.shouldStop());
      while (phaseDone < phase.epochs() && !stopPhase) {
        int epoch = ++epochsDone;
        phaseDone++;
        if (peers != null) {
          trainer.setObjective(peers.objective(epoch, objective));
        }
        EpochMetrics row = trainEpoch(epoch, phase);
        if (bestByLoss != null && bestByLoss.record(epoch, row.validationLoss(), row.validationAccuracy())) {
          best = ModelWeights.snapshot(model);
          checkpoints.saveBest(best);
        }
        // The hint phase's training loss is the FitNets hint, not comparable with validation cross-entropy.
        if (!phase.name().equals(Phase.HINT) && overfitting.record(row.trainLoss(), row.validationLoss())) {
          String stopped = !arm.overfitting().stop() ? ""
              : bestByLoss != null ? "; run stopped, evaluated at best validation epoch " + bestByLoss.bestEpoch() + " by loss"
              : "; run stopped";
          event(new RunEvent(epoch, "overfitting", "training loss fell while validation loss rose for "
              + arm.overfitting().epochs() + " epochs" + stopped));
          stopRun = arm.overfitting().stop();
          stopPhase = stopRun;
        }
        if (stopping != null) {
          if (stopping.record(epoch, row.validationLoss(), row.validationAccuracy())) {
            best = ModelWeights.snapshot(model);
            checkpoints.saveBest(best);
          }
          if (stopping.shouldStop()) {
            event(new RunEvent(epoch, "early-stopping", phase.name() + ": no validation " + stopping.metric()
                + " improvement for " + phase.earlyStopping().patience() + " epochs; best epoch " + stopping.bestEpoch()));
            stopPhase = true;
          }
        }
        checkpoints.save(new CheckpointState(index, phaseDone, epochsDone, optimizer.step(),
            stopping == null ? null : stopping.state(), overfitting.state(),
            stopping == null ? epoch : stopping.bestEpoch(), stopRun, history, events,
            new long[] {cacheCounter.lookups(), cacheCounter.hits()}, bestByLoss == null ? null : bestByLoss.state()), optimizer);
        CurveFile.write(dir.resolve("metrics.csv"), history);
        if (peers != null) {
          peers.publish(epoch, false);
        }
        if (cacheCounter.lookups() > cacheReported[0]) {
          listener.teacherCache(label, runSeed, cacheCounter.lookups() - cacheReported[0], cacheCounter.hits() - cacheReported[1]);
        }
        cacheReported[0] = cacheCounter.lookups();
        cacheReported[1] = cacheCounter.hits();
        listener.epochSaved(label, runSeed, epoch);
      }
      if (stopping != null && best != null) {
        ModelWeights.restore(model, best);
        selectedEpoch = stopping.bestEpoch();
        selection = "best validation epoch " + selectedEpoch + " by " + stopping.metric();
      } else if (stopRun && bestByLoss != null && best != null) {
        ModelWeights.restore(model, best);
        selectedEpoch = bestByLoss.bestEpoch();
        selection = "best validation epoch " + selectedEpoch + " by loss";
      } else {
        selectedEpoch = epochsDone;
        selection = "last epoch " + selectedEpoch;
      }
      return stopRun;
    }

    /** Records an event of the run and tells the listener at once, so a monitor sees it as it happens. */
    private void event(RunEvent event) {
      events.add(event);
      listener.runEvent(label, runSeed, event);
    }

    private EpochMetrics trainEpoch(int epoch, Phase phase) {
      Trainer.EpochStats stats = trainer.trainEpoch(trainBatches, epoch, done -> listener.batchDone(done, trainBatches.count()));
      EvalMetrics val = Metrics.of(trainer.predict(validation));
      EpochMetrics row = new EpochMetrics(epoch, phase.name(), stats.loss(), stats.accuracy(), val.nll(), val.accuracy(),
          stats.learningRate(), stats.samplesPerSecond(), stats.seconds(), stats.terms());
      history.add(row);
      listener.epochFinished(label, runSeed, row);
      return row;
    }

    /** Evaluates the selected weights on validation, test and shifted test data, and saves them. */
    private RunRecord evaluate() throws IOException {
      EvalMetrics validationMetrics = Metrics.of(trainer.predict(validation));
      Batches testBatches = evaluationBatches(data.test(), normalization);
      long start = System.nanoTime();
      EvalMetrics test = Metrics.of(trainer.predict(testBatches));
      double testSeconds = (System.nanoTime() - start) / 1e9;
      Map<String, EvalMetrics> shifted = new LinkedHashMap<>();
      // The run's seed, not an ensemble member's: every member and the ensemble see the same shifted draws.
      for (Map.Entry<String, ImageSet> ood : TaskSplitter.oodSets(data, spec.tasks().get(arm.task()), runSeed).entrySet()) {
        shifted.put(ood.getKey(), Metrics.of(trainer.predict(evaluationBatches(ood.getValue(), normalization))));
      }
      ModelWeights.save(model, dir.resolve("model.params"), data.sourceClasses(), normalization);
      InferenceCost cost = new InferenceCost(InferenceCosts.latencyMs(List.of(model), new ParameterStore(manager, false),
          firstSample(data.test(), normalization), manager),
          data.test().size() / testSeconds, Files.size(dir.resolve("model.params")));
      ModelStats stats = ModelStats.of(model);
      double seconds = history.stream().mapToDouble(EpochMetrics::seconds).sum();
      double throughput = history.stream().mapToDouble(EpochMetrics::samplesPerSecond).average().orElse(0);
      return new RunRecord(RunRecord.SCHEMA_VERSION, spec.name(), arm.name(), seed, arm.task(), arm.strategy(),
          describe(arm), teacher == null ? null : teacher.source(), stats.parameters(), trainableCount, stats.multiplyAdds(), stats.bytes(),
          data.train().size(), data.validation().size(), plannedEpochs(arm), epochsDone, selectedEpoch, selection,
          pruning == null ? 0 : pruning.sparsity(), seconds, throughput, validationMetrics, test, shifted, history, events,
          teacher == null ? null : distillationInfo(), null, cost, provenance(arm.task(), runSeed, normalization));
    }

    private DistillationInfo distillationInfo() {
      DistillSpec distill = arm.distill();
      List<Predictions> teacherPredictions = new ArrayList<>();
      for (int m = 0; m < teacher.members().size(); m++) {
        teacherPredictions.add(new Trainer(teacher.members().get(m), manager, seed).predict(evaluationBatches(teacherView.test(), teacher.inputsOf(m))));
      }
      double teacherAccuracy = Metrics.of(Ensembles.average(teacherPredictions)).accuracy();
      List<Phase> phases = Phase.of(arm);
      // A run resumed after its last phase ended trains nothing here: its final objective is built only to name the terms.
      Objective last = lastObjective != null ? lastObjective : objectiveFor(phases.get(phases.size() - 1));
      List<String> terms = new ArrayList<>(last instanceof DistillationObjective d
          ? d.compositeLoss().terms().stream().map(t -> t.name() + " ×" + t.weight()).toList() : List.of());
      if (distill.hintEpochs() > 0) {
        terms.add(0, DistillationObjective.termName("fitnets", distill.hintTerm().pairs().get(0)) + " (hint phase, " + distill.hintEpochs() + " epochs)");
      }
      return new DistillationInfo(teacher.source(), describe(teachers.model(distill.teacher())), teacher.members().size(), teacherAccuracy,
          DistillationObjective.describeLoss(distill, teacher.members().size()), terms, distill.logitTemperature(), distill.logitWeight(), Teacher.MODE,
          distill.teacherInput().equals("clean") ? "clean inputs of the student's samples (the task without its shift)" : "the student's inputs",
          cacheNote, cacheCounter.lookups(), cacheCounter.hits());
    }
  }

  /**
   * One co-distilled member's view of its peers (the ensemble's other members, training at the
   * same time): it publishes its own weights after every epoch into its member folder
   * ({@code peer-<epoch>.params}, then {@code peer.epoch}), and before each epoch loads every
   * peer's latest published weights — waiting while a peer is more than the staleness bound
   * behind — as a frozen teacher whose averaged prediction is the member's soft target.
   */
  private final class Peers {
    private static final java.time.Duration PATIENCE = java.time.Duration.ofMinutes(10);
    private final Session self;
    private final dev.mentor.messages.spec.CodistillSpec spec;
    private final List<Integer> others = new ArrayList<>();
    private final List<StagedModel> models = new ArrayList<>();
    private final DistillSpec distill;
    int minStaleness = Integer.MAX_VALUE;
    int maxStaleness;
    long stalenessSum;
    int epochsUsed;

    Peers(Session self) {
      this.self = self;
      this.spec = self.arm.ensemble().codistill();
      int me = Integer.parseInt(self.label.substring(self.label.lastIndexOf('-') + 1));
      ImageSet train = self.data.train();
      for (int m = 0; m < self.arm.ensemble().members(); m++) {
        if (m != me) {
          others.add(m);
          models.add(ModelZoo.create(self.arm.model(), self.data.numClasses(), new Shape(train.channels(), train.height(), train.width()),
              self.manager, 0));
        }
      }
      distill = new DistillSpec(new dev.mentor.messages.spec.TeacherSpec("peers", null, null, null), "soft-targets", spec.temperature(),
          spec.weight(), null, null, null, null);
    }

    private Path dir(int m) {
      return paths.member(self.arm.name(), self.runSeed, m);
    }

    void publish(int epoch, boolean last) throws IOException {
      Path weights = self.dir.resolve("peer-" + epoch + ".params");
      Path temp = self.dir.resolve("peer-" + epoch + ".params.tmp");
      ModelWeights.save(self.model, temp);
      Files.move(temp, weights, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      AtomicFiles.writeString(self.dir.resolve("peer.epoch"), epoch + (last ? " final" : "") + "\n");
      // Keep the two latest: a peer may be loading the previous one right now.
      Files.deleteIfExists(self.dir.resolve("peer-" + (epoch - 2) + ".params"));
    }

    /** The objective of {@code epoch}: cross-entropy during burn-in, else distillation towards the peers' fresh weights. */
    Objective objective(int epoch, Objective plain) throws IOException {
      if (epoch <= spec.burnIn()) {
        return plain;
      }
      int oldest = Integer.MAX_VALUE;
      for (int i = 0; i < others.size(); i++) {
        oldest = Math.min(oldest, load(others.get(i), models.get(i), epoch));
      }
      int staleness = Math.max(0, epoch - 1 - oldest);
      minStaleness = Math.min(minStaleness, staleness);
      maxStaleness = Math.max(maxStaleness, staleness);
      stalenessSum += staleness;
      epochsUsed++;
      Teacher teacher = new Teacher(models, new ParameterStore(self.manager, false), "co-distillation peers");
      return DistillationObjective.builder().setSpec(distill).setTeacher(teacher).setStore(new ParameterStore(self.manager, false)).build();
    }

    /** Loads peer {@code m}'s newest weights once they are recent enough for {@code epoch}; returns their epoch. */
    private int load(int m, StagedModel into, int epoch) throws IOException {
      long deadline = System.nanoTime() + PATIENCE.toNanos();
      int needed = epoch - 1 - spec.staleness();
      while (true) {
        Path marker = dir(m).resolve("peer.epoch");
        if (Files.exists(marker)) {
          String[] published = Files.readString(marker).trim().split(" ");
          int at = Integer.parseInt(published[0]);
          boolean last = published.length > 1;
          if (at >= needed || last) {
            // Bound 0 is synchronous mutual learning: exactly the peers' previous epoch, so the run is reproducible.
            int use = spec.staleness() == 0 ? Math.min(at, epoch - 1) : at;
            try {
              ModelWeights.loadBackbone(into, dir(m).resolve("peer-" + use + ".params"), true);
              return use;
            } catch (java.nio.file.NoSuchFileException e) {
              // replaced by a newer epoch meanwhile: read the marker again
              continue;
            }
          }
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("co-distillation: member " + m + " of arm '" + self.arm.name() + "' has not published epoch "
              + needed + " within " + PATIENCE.toMinutes() + " minutes (members must train at the same time)");
        }
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for co-distillation peers", e);
        }
      }
    }
  }

  /** The first sample of {@code set} alone, for latency measurements. */
  private static Batches firstSample(ImageSet set, Normalization normalization) {
    return new Batches(set.subset(new int[] {0}), 1, normalization, Augmentation.none());
  }

  private static Batches evaluationBatches(ImageSet set, Normalization normalization) {
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
    return describe(arm.model());
  }

  /** The model as the report names it, e.g. {@code cnn [8, 16] fc32}. */
  static String describe(ModelSpec m) {
    return switch (m.type()) {
      case "mlp" -> "mlp " + m.widths();
      case "cnn" -> "cnn " + m.channels() + " fc" + m.hidden();
      case "resnet" -> "resnet " + m.channels() + "x" + m.blocks();
      default -> m.type();
    } + (m.dropout() > 0 ? " dropout " + m.dropout() : "");
  }
}
