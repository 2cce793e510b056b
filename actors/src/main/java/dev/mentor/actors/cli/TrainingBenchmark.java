package dev.mentor.actors.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mentor.messages.spec.ArmSpec.BatchNormMode;
import dev.mentor.messages.spec.DataSpec;
import dev.mentor.messages.spec.DistillSpec;
import dev.mentor.messages.spec.FeatureTermSpec;
import dev.mentor.messages.spec.ModelSpec;
import dev.mentor.messages.spec.OptimizerSpec;
import dev.mentor.messages.spec.ScheduleSpec;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.messages.spec.StagePair;
import dev.mentor.messages.spec.TeacherSpec;
import dev.mentor.training.data.Augmentation;
import dev.mentor.training.data.DataSources;
import dev.mentor.training.data.ImageSet;
import dev.mentor.training.data.Normalization;
import dev.mentor.training.data.SourceData;
import dev.mentor.training.distill.DistillationObjective;
import dev.mentor.training.distill.Teacher;
import dev.mentor.training.distill.TeacherCache;
import dev.mentor.training.engine.EngineKernels;
import dev.mentor.training.engine.EngineSelfCheck;
import dev.mentor.training.engine.GradMode;
import dev.mentor.training.files.AtomicFiles;
import dev.mentor.training.history.HistoryQueryBenchmark;
import dev.mentor.training.loop.Batches;
import dev.mentor.training.loop.CrossEntropy;
import dev.mentor.training.loop.FreezePlan;
import dev.mentor.training.loop.Objective;
import dev.mentor.training.loop.StackedTrainer;
import dev.mentor.training.loop.Trainer;
import dev.mentor.training.model.ModelStats;
import dev.mentor.training.model.ModelZoo;
import dev.mentor.training.model.StackedModel;
import dev.mentor.training.model.StagedModel;
import dev.mentor.training.optim.MentorOptimizer;
import dev.mentor.training.run.Environment;
import dev.mentor.training.run.InferenceCosts;
import dev.mentor.training.run.RunExecutor;
import dev.mentor.training.timing.Timeline;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Training throughput, side by side and interleaved in one run: Mentor's loop and the same
 * models and loop in PyTorch ({@code bench/pytorch_peer.py}), for the example CNN and MLP, full
 * training and linear probing, at each thread count; then the machine's measured matrix-multiply
 * peak and the share of it a training step reaches; then resident memory after each epoch.
 */
@Command(name = "bench", description = "Throughput and memory benchmark (prints tables).")
public final class TrainingBenchmark implements Callable<Integer> {
  @Option(names = "--threads", split = ",", defaultValue = "1,2")
  int[] threads;

  @Option(names = "--samples", defaultValue = "8192", description = "timed training samples per measurement")
  int samples;

  @Option(names = "--repeats", defaultValue = "3")
  int repeats;

  @Option(names = "--batch", defaultValue = "128")
  int batch;

  /** The BLAS library (and OpenBLAS kernel) the peer reported, for the record under the table. */
  private String peerBlas = "unknown";

  @Option(names = "--python", defaultValue = "/usr/bin/python3")
  String python;

  @Option(names = "--peer", defaultValue = "bench/pytorch_peer.py")
  Path peer;

  @Option(names = "--memory-epochs", defaultValue = "6")
  int memoryEpochs;

  @Option(names = "--sections", split = ",", defaultValue = "throughput,peak,memory,distill,compression,concurrency,isa,stacked,overheads,startup,history",
      description = "which tables to print: throughput, peak, memory, distill, compression, concurrency, isa, stacked, overheads, startup, history"
          + " (default: all)")
  Set<String> sections;

  @Option(names = "--check", description = "compare every ratio measured with the figures recorded in --recorded and exit 1 when one is more"
      + " than 10 % worse (for a person to run after a change; not a test)")
  boolean check;

  @Option(names = "--recorded", defaultValue = "docs/benchmarks.md", description = "the document whose '| figure | recorded | better |'"
      + " table --check compares with (default: ${DEFAULT-VALUE})")
  Path recorded;

  @Option(names = "--overheads-spec", defaultValue = "bench/overheads-cnn.yaml", description = "the one-arm run of the overheads section")
  Path overheadsSpec;

  @Option(names = "--startup-spec", defaultValue = "bench/service-distill.yaml", description = "the experiment of the startup section")
  Path startupSpec;

  /** Every ratio this run measured, for --check. */
  private final BenchFigures figures = new BenchFigures();

  @Option(names = "--isas", split = ",", defaultValue = "native,default,SSE41",
      description = "engine settings the isa section compares, each in fresh JVMs: values of MENTOR_ONEDNN_ISA (native = oneDNN"
          + " uncapped; an ISA = oneDNN capped there) or default (Mentor's default: PyTorch's convolution kernels)")
  List<String> isas;

  /** Set in the isa section's child JVMs: print one JSON line of full-training throughput per model and stop. */
  @Option(names = "--throughput-json", hidden = true)
  boolean throughputJson;

  @Override
  public Integer call() throws Exception {
    EngineSelfCheck.ensurePassed();
    SourceData data = DataSources.load(DataSpec.fashionMnist(), Path.of("."));
    Normalization norm = Normalization.fit(data.train());
    if (throughputJson) {
      Map<String, Double> rates = new LinkedHashMap<>();
      for (String model : List.of("cnn", "mlp")) {
        rates.put(model, mentorThroughput(model, "full", threads[0], data.train(), norm));
      }
      System.out.println(SpecReader.toJson(rates).replace("\n", " "));
      return 0;
    }
    System.out.println("# Mentor benchmark\nmachine: " + Environment.summary() + "\n");
    if (sections.contains("throughput")) {
      throughput(data.train(), norm);
    }
    if (sections.contains("peak")) {
      peakShare(data.train(), norm);
    }
    if (sections.contains("memory")) {
      memory(data.train(), norm);
    }
    if (sections.contains("distill")) {
      distillation(data.train(), norm);
    }
    if (sections.contains("compression")) {
      compression(data.test(), norm);
    }
    if (sections.contains("concurrency")) {
      concurrency(data.train(), norm);
    }
    if (sections.contains("isa")) {
      isaCost();
    }
    if (sections.contains("stacked")) {
      stacked(data.train(), norm);
    }
    if (sections.contains("overheads")) {
      overheads();
    }
    if (sections.contains("startup")) {
      startup();
    }
    if (sections.contains("history")) {
      history();
    }
    if (check) {
      List<BenchFigures.Comparison> comparisons = figures.compare(BenchFigures.recorded(recorded));
      System.out.println("\n## Check against the figures recorded in " + recorded + "\n");
      System.out.print(BenchFigures.table(comparisons));
      long regressed = comparisons.stream().filter(BenchFigures.Comparison::regressed).count();
      System.out.println(regressed == 0 ? "\ncheck: no figure regressed" : "\ncheck: " + regressed + " figure(s) more than 10 % worse than recorded");
      return regressed == 0 ? 0 : 1;
    }
    return 0;
  }

  /** Reading a history of 1,000 experiments: {@code mentor compare} and {@code mentor history}'s listing (HistoryQueryBenchmark). */
  private void history() throws Exception {
    System.out.println("\n## History: compare and listing over 1,000 experiments (SQLite, one file)\n");
    Path dir = Files.createTempDirectory("mentor-bench-history-");
    try {
      System.out.print(HistoryQueryBenchmark.run(dir.resolve("history.db"), 1000, Math.max(5, repeats)));
    } finally {
      AtomicFiles.deleteTree(dir);
    }
  }

  /**
   * A 5-member ensemble trained stacked ({@link StackedTrainer}: one model with grouped layers)
   * against its members one after another (5 {@link Trainer}s), one training epoch each over 1,000
   * Fashion-MNIST images at batch 64, alternately in this JVM after one warm-up epoch each, so
   * that machine load falls on both alike; each pair's seconds and the median ratio.
   */
  private void stacked(ImageSet train, Normalization norm) {
    int t = threads[threads.length - 1];
    JniUtils.setNumThreads(t);
    System.out.println("\n## Stacked ensemble: 5 members as one model vs one after another (one epoch of 1,000 images, batch 64, Adam, " + t
        + " threads; " + repeats + " interleaved pairs after a warm-up)");
    System.out.println("| model | stacked s (each pair) | one after another s (each pair) | one after another / stacked (median) |");
    System.out.println("|---|---|---|---|");
    ImageSet slice = train.subset(range(Math.min(train.size(), 1000)));
    long[] seeds = {1, 2, 3, 4, 5};
    OptimizerSpec adam = new OptimizerSpec(OptimizerSpec.Type.ADAM, 1e-3, null, null, null);
    for (ModelSpec spec : List.of(new ModelSpec(ModelSpec.Type.CNN, null, List.of(16, 32), 64, 0.0, null), exampleModel("mlp"))) {
      try (NDManager manager = NDManager.newBaseManager()) {
        List<StagedModel> members = new ArrayList<>();
        List<Trainer> alone = new ArrayList<>();
        List<Batches> batches = new ArrayList<>();
        for (long seed : seeds) {
          StagedModel model = ModelZoo.create(spec, 10, new Shape(1, 28, 28), manager, seed);
          Batches memberBatches = new Batches(slice, 64, norm, Augmentation.none());
          Trainer trainer = new Trainer(model, manager, seed);
          trainer.configure(FreezePlan.apply(model, Set.copyOf(model.stageNames()), BatchNormMode.FOLLOW_STAGE),
              MentorOptimizer.create(model, adam, ScheduleSpec.constant(), memberBatches.count(), repeats + 1), null);
          members.add(model);
          batches.add(memberBatches);
          alone.add(trainer);
        }
        StackedModel stackedModel = StackedModel.stack(members, manager);
        StackedTrainer stacked = new StackedTrainer(stackedModel, manager, seeds);
        stacked.configure(StackedTrainer.optimizer(stackedModel, adam, ScheduleSpec.constant(), batches.get(0).count(), repeats + 1));
        double[] together = new double[repeats];
        double[] sequential = new double[repeats];
        double[] ratio = new double[repeats];
        for (int epoch = 1; epoch <= repeats + 1; epoch++) {
          long start = System.nanoTime();
          stacked.trainEpoch(batches, epoch, done -> { });
          double a = (System.nanoTime() - start) / 1e9;
          start = System.nanoTime();
          for (int m = 0; m < seeds.length; m++) {
            alone.get(m).trainEpoch(batches.get(m), epoch);
          }
          double b = (System.nanoTime() - start) / 1e9;
          if (epoch > 1) {
            together[epoch - 2] = a;
            sequential[epoch - 2] = b;
            ratio[epoch - 2] = b / a;
          }
        }
        String name = "5 x " + RunExecutor.describe(spec);
        System.out.printf(Locale.ROOT, "| %s | %s | %s | %.2f |%n", name, joined(together, "%.2f"), joined(sequential, "%.2f"), median(ratio));
        figures.record("stacked " + name + ": one after another / stacked", median(ratio), BenchFigures.Better.HIGHER);
      }
    }
  }

  /**
   * Where a run's wall time goes around its training steps: {@link #overheadsSpec} run in-process
   * in a fresh JVM per repetition with {@code --timeline}, each phase's milliseconds (median) and
   * share of the wall time, and the process's system share of its CPU time.
   */
  private void overheads() throws IOException, InterruptedException {
    System.out.println("\n## Around the training steps: " + overheadsSpec + " in-process (a fresh JVM each, median of " + repeats + ")");
    Map<String, double[]> phases = new LinkedHashMap<>();
    double[] wall = new double[repeats];
    double[] overhead = new double[repeats];
    double[] system = new double[repeats];
    for (int r = 0; r < repeats; r++) {
      ChildRun run = ChildRun.start(overheadsSpec, List.of("--in-process"));
      wall[r] = run.wallSeconds();
      for (Map.Entry<String, Double> phase : run.phaseMs().entrySet()) {
        phases.computeIfAbsent(phase.getKey(), k -> new double[repeats])[r] = phase.getValue();
        if (ChildRun.isOverhead(phase.getKey())) {
          overhead[r] += phase.getValue() / 1000;
        }
      }
      system[r] = run.systemShare();
    }
    double medianWall = median(wall);
    System.out.println("| phase | ms | share of wall |");
    System.out.println("|---|---|---|");
    for (Map.Entry<String, double[]> phase : phases.entrySet()) {
      double ms = median(phase.getValue());
      System.out.printf(Locale.ROOT, "| %s%s | %.0f | %.1f %% |%n", phase.getKey(), ChildRun.isOverhead(phase.getKey()) ? " (overhead)" : "", ms,
          ms / 10 / medianWall);
    }
    double share = median(overhead) / medianWall;
    System.out.printf(Locale.ROOT, "| **overheads together** | %.0f | **%.1f %%** |%n| wall, JVM start to exit | %.0f | 100 %% |%n",
        1000 * median(overhead), 100 * share, 1000 * medianWall);
    System.out.printf(Locale.ROOT, "%nSystem CPU: %.1f %% of the process's CPU time (median).%n", 100 * median(system));
    figures.record("overheads: share of wall", share, BenchFigures.Better.LOWER);
    figures.record("overheads: system share of cpu", median(system), BenchFigures.Better.LOWER);
  }

  /**
   * Start-up through the service: {@link #startupSpec} in-process and through {@code mentor run}
   * (embedded broker, actors, one CPU slot), each a fresh JVM, interleaved; wall times and the
   * service run's start-up timeline (each phase's start and end after the JVM started).
   */
  private void startup() throws IOException, InterruptedException {
    System.out.println("\n## Start-up: " + startupSpec + ", in-process vs mentor run (a fresh JVM each, interleaved, median of " + repeats + ")");
    double[] inProcess = new double[repeats];
    double[] service = new double[repeats];
    ChildRun last = null;
    for (int r = 0; r < repeats; r++) {
      inProcess[r] = ChildRun.start(startupSpec, List.of("--in-process")).wallSeconds();
      last = ChildRun.start(startupSpec, List.of());
      service[r] = last.wallSeconds();
    }
    double ratio = median(service) / median(inProcess);
    System.out.println("| mode | wall s (each) | median | / in-process |");
    System.out.println("|---|---|---|---|");
    System.out.printf(Locale.ROOT, "| in-process | %s | %.1f | 1.00 |%n", joined(inProcess), median(inProcess));
    System.out.printf(Locale.ROOT, "| mentor run (broker + actors, 1 slot) | %s | %.1f | %.2f |%n", joined(service), median(service), ratio);
    System.out.println("\nThe service run's timeline (last repetition; ms after the JVM started):\n");
    System.out.println("| phase | count | total ms | first start | last end |");
    System.out.println("|---|---|---|---|---|");
    for (Timeline.Phase phase : last.phases()) {
      System.out.printf(Locale.ROOT, "| %s | %d | %.0f | %d | %d |%n", phase.name(), phase.count(), phase.totalMs(), phase.firstStartMs(),
          phase.lastEndMs());
    }
    figures.record("startup: mentor run / in-process wall", ratio, BenchFigures.Better.LOWER);
  }

  private static String joined(double[] values) {
    return joined(values, "%.1f");
  }

  private static String joined(double[] values, String format) {
    StringBuilder out = new StringBuilder();
    for (double v : values) {
      out.append(out.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, format, v));
    }
    return out.toString();
  }

  /**
   * The cost of the engine settings that keep convolutions exact (docs/engine.md): full-training
   * throughput of the CNN and the MLP in a fresh JVM per setting (oneDNN reads its cap once, at
   * its first primitive), the settings interleaved in each repetition so that machine noise
   * spreads over all of them. Uncapped oneDNN computes wrong convolutions on some shapes (not on
   * these models' block-aligned channels), so the children report a failed self-check and go on.
   */
  private void isaCost() throws IOException, InterruptedException {
    int t = threads[threads.length - 1];
    System.out.println("\n## Cost of the engine settings (samples/s of full training, median of " + repeats + " fresh JVMs per setting, interleaved, "
        + t + " threads, batch " + batch + "; CPU offers " + EngineKernels.widestIsa() + ")");
    Map<String, Map<String, double[]>> rates = new LinkedHashMap<>();
    for (String model : List.of("cnn", "mlp")) {
      rates.put(model, new LinkedHashMap<>());
      isas.forEach(isa -> rates.get(model).put(isa, new double[repeats]));
    }
    for (int r = 0; r < repeats; r++) {
      for (String isa : isas) {
        JsonNode measured = childThroughput(isa, t);
        for (String model : rates.keySet()) {
          rates.get(model).get(isa)[r] = measured.path(model).asDouble(Double.NaN);
        }
      }
    }
    String reference = isas.get(0);
    System.out.println("| model | " + String.join(" | ", isas) + " | " + String.join(" | ",
        isas.stream().skip(1).map(isa -> isa + " / " + reference).toList()) + " |");
    System.out.println("|---|" + "---|".repeat(2 * isas.size() - 1));
    for (Map.Entry<String, Map<String, double[]>> model : rates.entrySet()) {
      StringBuilder row = new StringBuilder("| " + model.getKey() + " |");
      double base = median(model.getValue().get(reference));
      for (String isa : isas) {
        row.append(String.format(Locale.ROOT, " %.0f |", median(model.getValue().get(isa))));
      }
      for (String isa : isas.subList(1, isas.size())) {
        row.append(String.format(Locale.ROOT, " %.3f |", median(model.getValue().get(isa)) / base));
      }
      System.out.println(row);
    }
  }

  private JsonNode childThroughput(String isa, int threadCount) throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-Dai.djl.offline=true", "-Xmx2g", "-XX:MaxDirectMemorySize=512m",
        "-D" + EngineSelfCheck.REPORT_ONLY_PROPERTY + "=true",
        "-cp", System.getProperty("java.class.path"), MentorMain.class.getName(), "bench", "--throughput-json",
        "--threads", String.valueOf(threadCount), "--samples", String.valueOf(samples), "--batch", String.valueOf(batch));
    Map<String, String> environment = pb.environment();
    environment.remove(EngineKernels.ISA_VARIABLE);
    if (isa.equals("default")) {
      environment.remove(EngineKernels.SETTING);
    } else {
      environment.put(EngineKernels.SETTING, isa);
    }
    EngineKernels.applyTo(pb);
    pb.redirectError(ProcessBuilder.Redirect.DISCARD);
    Process process = pb.start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (process.waitFor() != 0 || out.isEmpty()) {
      return SpecReader.json().createObjectNode();
    }
    return SpecReader.json().readTree(out.lines().reduce((a, b) -> b).orElse("{}"));
  }

  private void throughput(ImageSet train, Normalization norm) throws IOException, InterruptedException {
    System.out.println("## Training throughput (samples/s, median of " + repeats + ", batch " + batch + ", Adam, Fashion-MNIST)");
    System.out.println("| model | mode | threads | Mentor | PyTorch | Mentor / PyTorch |");
    System.out.println("|---|---|---|---|---|---|");
    boolean peerAvailable = Files.isRegularFile(peer) && Files.isExecutable(Path.of(python));
    for (String model : List.of("cnn", "mlp")) {
      for (String mode : List.of("full", "linear-probe")) {
        for (int t : threads) {
          double[] mentor = new double[repeats];
          double[] torch = new double[repeats];
          for (int r = 0; r < repeats; r++) {
            mentor[r] = mentorThroughput(model, mode, t, train, norm);
            torch[r] = peerAvailable ? peerThroughput(model, mode, t) : Double.NaN;
          }
          double m = median(mentor);
          double p = median(torch);
          System.out.printf(Locale.ROOT, "| %s | %s | %d | %.0f | %.0f | %.2f |%n", model, mode, t, m, p, m / p);
          if (peerAvailable) {
            figures.record("throughput " + model + " " + mode + " " + t + "t: Mentor / PyTorch", m / p, BenchFigures.Better.HIGHER);
          }
        }
      }
    }
    if (peerAvailable) {
      System.out.println("\nPeer: PyTorch on " + peerBlas + (peerBlas.startsWith("reference") ? " (the reference BLAS is several times slower than"
          + " OpenBLAS: install libopenblas0-pthread for a fair peer)" : "") + ".");
    }
  }

  static ModelSpec exampleModel(String type) {
    return type.equals("cnn")
        ? new ModelSpec(ModelSpec.Type.CNN, null, List.of(32, 64), 128, 0.0, null)
        : new ModelSpec(ModelSpec.Type.MLP, List.of(256, 128), null, null, 0.0, null);
  }

  private double mentorThroughput(String type, String mode, int threadCount, ImageSet train, Normalization norm) {
    JniUtils.setNumThreads(threadCount);
    int warmup = 1024;
    ImageSet slice = train.subset(range(Math.min(train.size(), samples + warmup)));
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = ModelZoo.create(exampleModel(type), 10, new Shape(1, 28, 28), manager, 1);
      Trainer trainer = trainer(model, manager, mode, slice.size());
      trainer.trainEpoch(new Batches(train.subset(range(warmup)), batch, norm, Augmentation.none()), 1);
      Trainer.EpochStats stats = trainer.trainEpoch(new Batches(train.subset(range(samples)), batch, norm, Augmentation.none()), 2);
      return stats.samplesPerSecond();
    }
  }

  private Trainer trainer(StagedModel model, NDManager manager, String mode, int size) {
    Set<String> stages = mode.equals("full") ? Set.copyOf(model.stageNames()) : Set.of("head");
    FreezePlan plan = FreezePlan.apply(model, stages, BatchNormMode.FOLLOW_STAGE);
    OptimizerSpec adam = new OptimizerSpec(OptimizerSpec.Type.ADAM, 1e-3, null, null, null);
    Trainer trainer = new Trainer(model, manager, 1);
    trainer.configure(plan, MentorOptimizer.create(model, adam, ScheduleSpec.constant(), (size + batch - 1) / batch, 1), null);
    return trainer;
  }

  private double peerThroughput(String type, String mode, int threadCount) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(python, peer.toString(), "--model", type, "--mode", mode, "--threads",
        String.valueOf(threadCount), "--batch", String.valueOf(batch), "--samples", String.valueOf(samples));
    pb.environment().put("OPENBLAS_NUM_THREADS", "1");
    // Machines set these for older OpenBLAS builds; they force a kernel slower than the CPU's own
    // for the peer. Removed for the peer's command alone (never for Mentor, tests or CI).
    pb.environment().remove("OPENBLAS_CORETYPE");
    pb.environment().remove("OPENBLAS_L2_SIZE");
    // The peer gets the environment Mentor's engine runs in: the same oneDNN cap (the same kernels)
    // and the same allocator and OpenMP settings. They matter as much to PyTorch: with the C
    // library's defaults the peer's MLP step ran 3-6x slower (docs/benchmarks.md), which would
    // flatter Mentor.
    EngineKernels.applyTo(pb);
    pb.redirectError(ProcessBuilder.Redirect.INHERIT);
    Process process = pb.start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (process.waitFor() != 0 || out.isEmpty()) {
      return Double.NaN;
    }
    JsonNode json = SpecReader.json().readTree(out.lines().reduce((a, b) -> b).orElse("{}"));
    peerBlas = json.path("blas").asText(peerBlas);
    return json.path("samples_per_second").asDouble(Double.NaN);
  }

  private void peakShare(ImageSet train, Normalization norm) {
    System.out.println("\n## Share of the measured matrix-multiply peak");
    System.out.println("| threads | 1024x1024 matmul GFLOP/s | CNN step GFLOP/s (6 x MACs x samples/s) | share |");
    System.out.println("|---|---|---|---|");
    long macs;
    try (NDManager manager = NDManager.newBaseManager()) {
      macs = ModelStats.of(ModelZoo.create(exampleModel("cnn"), 10, new Shape(1, 28, 28), manager, 1)).multiplyAdds();
    }
    for (int t : threads) {
      JniUtils.setNumThreads(t);
      double peak = matmulGflops();
      double step = 6.0 * macs * mentorThroughput("cnn", "full", t, train, norm) / 1e9;
      System.out.printf(Locale.ROOT, "| %d | %.1f | %.1f | %.0f%% |%n", t, peak, step, 100 * step / peak);
      figures.record("peak share cnn " + t + "t", step / peak, BenchFigures.Better.HIGHER);
    }
  }

  private static double matmulGflops() {
    try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
      NDArray a = manager.randomUniform(-1, 1, new Shape(1024, 1024));
      NDArray b = manager.randomUniform(-1, 1, new Shape(1024, 1024));
      for (int i = 0; i < 3; i++) {
        a.matMul(b).close();
      }
      int reps = 20;
      long start = System.nanoTime();
      for (int i = 0; i < reps; i++) {
        a.matMul(b).close();
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      return reps * 2.0 * 1024 * 1024 * 1024 / seconds / 1e9;
    }
  }

  private void memory(ImageSet train, Normalization norm) {
    System.out.println("\n## Resident memory after each epoch (CNN, full training, 60,000 samples, " + threads[threads.length - 1] + " threads)");
    System.out.println("| epoch | RSS MiB | JVM heap used MiB | JVM heap committed MiB | GCs so far | live NDArrays | direct buffers | samples/s |");
    System.out.println("|---|---|---|---|---|---|---|---|");
    JniUtils.setNumThreads(threads[threads.length - 1]);
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = ModelZoo.create(exampleModel("cnn"), 10, new Shape(1, 28, 28), manager, 1);
      Trainer trainer = trainer(model, manager, "full", train.size());
      Batches batches = new Batches(train, batch, norm, Augmentation.none());
      for (int e = 1; e <= memoryEpochs; e++) {
        Trainer.EpochStats stats = trainer.trainEpoch(batches, e);
        Runtime runtime = Runtime.getRuntime();
        long gcs = ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(GarbageCollectorMXBean::getCollectionCount).sum();
        long direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
            .filter(pool -> pool.getName().equals("direct")).mapToLong(BufferPoolMXBean::getCount).sum();
        System.out.printf(Locale.ROOT, "| %d | %d | %d | %d | %d | %d | %d | %.0f |%n", e, residentMiB(),
            (runtime.totalMemory() - runtime.freeMemory()) >> 20, runtime.totalMemory() >> 20, gcs,
            manager.getManagedArrays().size(), direct, stats.samplesPerSecond());
      }
    }
  }

  /** The student and teacher of examples/distill-fashion.yaml. */
  static final ModelSpec STUDENT = new ModelSpec(ModelSpec.Type.CNN, null, List.of(8, 16), 32, 0.0, null);
  private static final List<String> DISTILL_MODES = List.of("student alone", "KD, cached teacher", "KD, live teacher",
      "KD + attention, live teacher");

  /**
   * Epoch throughput of the distill-fashion student trained alone, with soft targets from a
   * cached teacher, from a live teacher, and with attention transfer added (which needs the
   * teacher's feature maps, so it is always live). Each measurement runs one epoch over the timed
   * samples first (it fills the cache) and times the second.
   */
  private void distillation(ImageSet train, Normalization norm) {
    System.out.println("\n## Distillation overhead (samples/s of a training epoch, median of " + repeats + ", batch " + batch
        + ", student cnn [8, 16] fc32, teacher cnn [32, 64] fc128)");
    System.out.println("| threads | mode | samples/s | epoch time / student alone |");
    System.out.println("|---|---|---|---|");
    for (int t : threads) {
      double[][] measured = new double[DISTILL_MODES.size()][repeats];
      for (int r = 0; r < repeats; r++) {
        for (int m = 0; m < DISTILL_MODES.size(); m++) {
          measured[m][r] = distillThroughput(DISTILL_MODES.get(m), t, train, norm);
        }
      }
      double alone = median(measured[0]);
      for (int m = 0; m < DISTILL_MODES.size(); m++) {
        double rate = median(measured[m]);
        System.out.printf(Locale.ROOT, "| %d | %s | %.0f | %.2f |%n", t, DISTILL_MODES.get(m), rate, alone / rate);
        if (m > 0) {
          figures.record("distill " + DISTILL_MODES.get(m) + " " + t + "t: epoch / student alone", alone / rate, BenchFigures.Better.LOWER);
        }
      }
    }
  }

  private double distillThroughput(String mode, int threadCount, ImageSet train, Normalization norm) {
    JniUtils.setNumThreads(threadCount);
    ImageSet slice = train.subset(range(Math.min(train.size(), samples)));
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel student = ModelZoo.create(STUDENT, 10, new Shape(1, 28, 28), manager, 1);
      Trainer trainer = new Trainer(student, manager, 1);
      Objective objective = Objective.of(new CrossEntropy());
      if (!mode.equals("student alone")) {
        Teacher teacher = new Teacher(List.of(ModelZoo.create(exampleModel("cnn"), 10, new Shape(1, 28, 28), manager, 2)),
            new ParameterStore(manager, false), "benchmark");
        List<FeatureTermSpec> features = mode.contains("attention") ? List.of(new FeatureTermSpec(FeatureTermSpec.Method.ATTENTION,
            List.of(new StagePair("stage1", "stage1"), new StagePair("stage2", "stage2")), 2.0, null, null, null)) : List.of();
        DistillSpec spec = new DistillSpec(TeacherSpec.ofArm("teacher"), null, 4.0, 0.9, null, null, null, features);
        DistillationObjective.Builder builder = DistillationObjective.builder().setSpec(spec).setTeacher(teacher)
            .setStore(new ParameterStore(manager, false));
        if (mode.contains("cached")) {
          builder.optCache(new TeacherCache(10), new TeacherCache.Counter());
        }
        objective = builder.build();
      }
      trainer.setObjective(objective);
      FreezePlan plan = FreezePlan.apply(student, Set.copyOf(student.stageNames()), BatchNormMode.FOLLOW_STAGE);
      Batches batches = new Batches(slice, batch, norm, Augmentation.none());
      trainer.configure(plan, MentorOptimizer.create(student, new OptimizerSpec(OptimizerSpec.Type.ADAM, 1e-3, null, null, null), ScheduleSpec.constant(),
          batches.count(), 2), null);
      trainer.trainEpoch(batches, 1);
      return trainer.trainEpoch(batches, 2).samplesPerSecond();
    }
  }

  /**
   * What deployment costs for the distill-fashion teacher and student and a 5-member ensemble of
   * ensemble-fashion's CNN: parameters, multiply-adds, single-sample latency (median) and
   * throughput at batch 500 over the test set, all models measured in one run.
   */
  private void compression(ImageSet test, Normalization norm) {
    System.out.println("\n## Inference cost (untrained weights; the cost does not depend on them), threads " + threads[threads.length - 1]);
    System.out.println("| model | parameters | multiply-adds / sample | latency ms / sample (median of 101) | samples/s at batch 500 |");
    System.out.println("|---|---|---|---|---|");
    JniUtils.setNumThreads(threads[threads.length - 1]);
    Map<String, List<ModelSpec>> models = new LinkedHashMap<>();
    models.put("teacher cnn [32, 64] fc128", List.of(exampleModel("cnn")));
    models.put("student cnn [8, 16] fc32", List.of(STUDENT));
    ModelSpec member = new ModelSpec(ModelSpec.Type.CNN, null, List.of(16, 32), 64, 0.0, null);
    models.put("ensemble 5 x cnn [16, 32] fc64", Collections.nCopies(5, member));
    models.put("single cnn [16, 32] fc64", List.of(member));
    for (Map.Entry<String, List<ModelSpec>> entry : models.entrySet()) {
      try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
        List<StagedModel> built = new ArrayList<>();
        long params = 0;
        long macs = 0;
        for (ModelSpec spec : entry.getValue()) {
          StagedModel model = ModelZoo.create(spec, 10, new Shape(1, 28, 28), manager, built.size() + 1);
          built.add(model);
          params += ModelStats.of(model).parameters();
          macs += ModelStats.of(model).multiplyAdds();
        }
        ParameterStore store = new ParameterStore(manager, false);
        Batches one = new Batches(test.subset(range(1)), 1, norm, Augmentation.none());
        double latency = InferenceCosts.latencyMs(built, store, one, manager, 101);
        Batches all = new Batches(test, 500, norm, Augmentation.none());
        long start = System.nanoTime();
        for (int i = 0; i < all.count(); i++) {
          try (NDManager step = manager.newSubManager()) {
            NDArray x = all.get(i, step).inputs();
            for (StagedModel model : built) {
              model.forward(store, x, false, Set.of()).logits().toFloatArray();
            }
          }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "| %s | %,d | %,d | %.3f | %.0f |%n", entry.getKey(), params, macs, latency, test.size() / seconds);
      }
    }
  }

  /**
   * Two trainers (the example CNN, full training, one epoch of {@code samples} images each, after
   * a warm-up) one after the other with all engine threads, against both at once on two Java
   * threads — each with its own gradient scope ({@code GradMode}) — with the engine's intra-op
   * threads split between them or not. Wall time of the pair, median of the repetitions.
   */
  private void concurrency(ImageSet train, Normalization norm) throws Exception {
    int cores = threads[threads.length - 1];
    System.out.println("\n## Two trainers: one after the other vs at the same time (CNN full training, " + samples
        + " samples each, batch " + batch + ", median of " + repeats + ")");
    System.out.println("| mode | engine intra-op threads (per operation) | wall s for both | samples/s (both) | speed-up |");
    System.out.println("|---|---|---|---|---|");
    ImageSet slice = train.subset(range(Math.min(train.size(), samples)));
    double[] sequential = new double[repeats];
    double[] concurrentSplit = new double[repeats];
    double[] concurrentAll = new double[repeats];
    for (int r = 0; r < repeats; r++) {
      JniUtils.setNumThreads(cores);
      long start = System.nanoTime();
      trainOnce(slice, norm, 1);
      trainOnce(slice, norm, 2);
      sequential[r] = (System.nanoTime() - start) / 1e9;
      concurrentSplit[r] = concurrently(slice, norm, Math.max(1, cores / 2));
      concurrentAll[r] = concurrently(slice, norm, cores);
    }
    double base = median(sequential);
    System.out.printf(Locale.ROOT, "| one after the other | %d | %.2f | %.0f | 1.00 |%n", cores, base, 2 * slice.size() / base);
    double split = median(concurrentSplit);
    System.out.printf(Locale.ROOT, "| at the same time | %d | %.2f | %.0f | %.2f |%n", Math.max(1, cores / 2), split,
        2 * slice.size() / split, base / split);
    double all = median(concurrentAll);
    System.out.printf(Locale.ROOT, "| at the same time | %d | %.2f | %.0f | %.2f |%n", cores, all, 2 * slice.size() / all,
        base / all);
  }

  private double concurrently(ImageSet slice, Normalization norm, int intraOpThreads) throws Exception {
    JniUtils.setNumThreads(intraOpThreads);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      long start = System.nanoTime();
      Future<?> a = pool.submit(() -> trainOnce(slice, norm, 1));
      Future<?> b = pool.submit(() -> trainOnce(slice, norm, 2));
      a.get();
      b.get();
      return (System.nanoTime() - start) / 1e9;
    } finally {
      pool.shutdownNow();
    }
  }

  private void trainOnce(ImageSet slice, Normalization norm, long seed) {
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = ModelZoo.create(exampleModel("cnn"), 10, new Shape(1, 28, 28), manager, seed);
      Trainer trainer = trainer(model, manager, "full", slice.size());
      trainer.trainEpoch(new Batches(slice, batch, norm, Augmentation.none()), 1);
    }
  }

  static long residentMiB() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("\\D+", "")) / 1024;
        }
      }
    } catch (IOException e) {
      // not Linux
    }
    return -1;
  }

  private static int[] range(int n) {
    int[] idx = new int[n];
    Arrays.setAll(idx, i -> i);
    return idx;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
