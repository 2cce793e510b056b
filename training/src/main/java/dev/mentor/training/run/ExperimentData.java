package dev.mentor.training.run;

import dev.mentor.messages.record.DataProvenance;
import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.messages.spec.AugmentationSpec;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.training.data.Augmentation;
import dev.mentor.training.data.DataDigests;
import dev.mentor.training.data.ImageSet;
import dev.mentor.training.data.Normalization;
import dev.mentor.training.data.SourceData;
import dev.mentor.training.data.TaskData;
import dev.mentor.training.data.TaskSplitter;
import dev.mentor.training.loop.Batches;
import dev.mentor.training.model.ModelWeights;
import java.io.IOException;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The data of one experiment as its runs see it: each task's split at a seed, the standardisation
 * of every run's inputs, the weights an arm starts from, and the provenance a run records. Every
 * run at one seed is standardised with one {@link Normalization}, fitted on the union of the
 * experiment's tasks' training splits at that seed (each training-file sample once, unshifted: no
 * validation or test sample, no class no task lists), so a model moved from one arm to another
 * sees its inputs scaled as before. Thread-safe.
 */
final class ExperimentData {
  /**
   * Samples per inference batch. Larger batches are slower on the CPU, not faster: a convolution's
   * unfolded input grows with the batch (500 Fashion-MNIST images through cnn [32, 64] unfold to
   * some 110 MB), the allocator returns such blocks to the kernel after each use, and the process
   * then spends its time faulting fresh pages in (docs/benchmarks.md: validation of 1,000 images
   * took 1.5 s at 500 a batch, 0.24 s at 128). Predictions do not depend on it.
   */
  static final int EVAL_BATCH = 128;
  /**
   * Samples per batch when BatchNorm statistics are recomputed ({@code bn-adapt}): the running
   * averages are means of per-batch statistics, so this size is part of the result and stays.
   */
  static final int STATISTICS_BATCH = 500;

  private final ExperimentSpec spec;
  private final Path baseDir;
  private final RunPaths paths;
  private final SourceData source;
  /** The files the data was read from with their digests, computed once per experiment. */
  private final List<DataProvenance.DataFile> dataFiles;
  /** Per seed: every task's sample indices and the normalisation fitted on their training samples. */
  private final Map<Long, SeedData> seedData = new ConcurrentHashMap<>();

  ExperimentData(ExperimentSpec spec, Path baseDir, RunPaths paths, SourceData source, List<DataProvenance.DataFile> dataFiles) {
    this.spec = spec;
    this.baseDir = baseDir;
    this.paths = paths;
    this.source = source;
    this.dataFiles = List.copyOf(dataFiles);
  }

  SourceData source() {
    return source;
  }

  /** The samples of {@code task} at {@code seed}: training, validation and test splits. */
  TaskData split(String task, long seed) {
    return TaskSplitter.split(source, spec.tasks(), task, seed);
  }

  /** Every task's sample indices at one seed, and the normalisation fitted on the union of their training samples. */
  private record SeedData(Map<String, TaskSplitter.Indices> indices, Normalization normalization) {}

  private SeedData seedData(long seed) {
    return seedData.computeIfAbsent(seed, s -> {
      Map<String, TaskSplitter.Indices> indices = new LinkedHashMap<>();
      BitSet training = new BitSet(source.train().size());
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
    BitSet train = new BitSet(source.train().size());
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
    Normalization recorded = ModelWeights.exists(file) ? ModelWeights.normalization(file).orElse(null) : null;
    return recorded != null ? recorded : normalization(seed);
  }

  /** The weights file an arm with {@code init} starts from at {@code seed}. */
  Path initWeights(ArmSpec arm, long seed) {
    return initWeights(arm, seed, paths, baseDir);
  }

  /** The weights file an arm with {@code init} starts from at {@code seed}, relative checkpoints resolved against {@code baseDir}. */
  static Path initWeights(ArmSpec arm, long seed, RunPaths paths, Path baseDir) {
    if (arm.init().from() != null) {
      return paths.finalWeights(arm.init().from(), seed);
    }
    Path file = Path.of(arm.init().checkpoint());
    return file.isAbsolute() ? file : baseDir.resolve(file);
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
    return new DataProvenance(spec.data().source().specName(), DataDigests.combined(dataFiles), dataFiles,
        new DataProvenance.Standardization(n.mean(), n.std()),
        new DataProvenance.Split(mine.train().length, DataDigests.ids("train", mine.train())),
        new DataProvenance.Split(mine.validation().length, DataDigests.ids("train", mine.validation())),
        new DataProvenance.Split(mine.test().length, DataDigests.ids("test", mine.test())),
        overlap);
  }

  /** The data part of a run's environment.json: source, files and digests. */
  Map<String, Object> environment() {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("source", spec.data().source().specName());
    data.put("sha256", DataDigests.combined(dataFiles));
    data.put("files", dataFiles);
    return data;
  }

  /** The first sample of {@code set} alone, for latency measurements. */
  static Batches firstSample(ImageSet set, Normalization normalization) {
    return new Batches(set.subset(new int[] {0}), 1, normalization, Augmentation.none());
  }

  static Batches evaluationBatches(ImageSet set, Normalization normalization) {
    return new Batches(set, EVAL_BATCH, normalization, Augmentation.none());
  }

  /** {@code set} in order, in the batches BatchNorm statistics are recomputed over. */
  static Batches statisticsBatches(ImageSet set, Normalization normalization) {
    return new Batches(set, STATISTICS_BATCH, normalization, Augmentation.none());
  }

  static Augmentation augmentation(AugmentationSpec spec) {
    return new Augmentation(spec.cropPadding(), spec.flip(), spec.noise());
  }
}
