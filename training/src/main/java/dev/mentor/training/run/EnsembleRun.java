package dev.mentor.training.run;

import static dev.mentor.training.run.ExperimentData.evaluationBatches;
import static dev.mentor.training.run.ExperimentData.firstSample;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mentor.messages.record.EnsembleMetrics;
import dev.mentor.messages.record.EvalMetrics;
import dev.mentor.messages.record.InferenceCost;
import dev.mentor.messages.record.RunEvent;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.training.data.ImageSet;
import dev.mentor.training.data.Normalization;
import dev.mentor.training.data.TaskData;
import dev.mentor.training.data.TaskSplitter;
import dev.mentor.training.eval.Ensembles;
import dev.mentor.training.eval.Metrics;
import dev.mentor.training.eval.Predictions;
import dev.mentor.training.files.AtomicFiles;
import dev.mentor.training.loop.Batches;
import dev.mentor.training.loop.Trainer;
import dev.mentor.training.model.ModelWeights;
import dev.mentor.training.model.ModelZoo;
import dev.mentor.training.model.StagedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.ToLongFunction;

/**
 * A deep ensemble's run: each member trained as a run of its own (resumable, in
 * {@code member-<m>/}) with its own seed on the same task data, then evaluated together. A
 * stacked ensemble's members train as one model in {@link StackedEnsembleRun}, which writes the
 * same member runs.
 */
final class EnsembleRun {
  private static final ObjectMapper JSON = SpecReader.json();

  private final RunContext ctx;
  private final ArmSpec arm;
  private final long seed;
  private final Path dir;
  private final TaskData data;
  private final Device device;

  EnsembleRun(RunContext ctx, ArmSpec arm, long seed, Path dir, TaskData data, Device device) {
    this.ctx = ctx;
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
      seeds.add(RunExecutor.memberSeed(seed, m));
    }
    if (arm.stacksMembers()) {
      // Stacked ensemble: the members train as one model in StackedEnsembleRun, which writes each member's run as its own would be.
      members.addAll(new StackedEnsembleRun(ctx, arm, seed, data, device).members());
    } else if (arm.ensemble().codistill() == null) {
      for (int m = 0; m < n; m++) {
        members.add(member(m));
      }
    } else {
      members.addAll(membersTogether(n));
      for (int m = 0; m < n; m++) {
        try (var published = Files.list(ctx.paths().member(arm.name(), seed, m))) {
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
        ModelWeights.loadBackbone(model, ctx.paths().memberWeights(arm.name(), seed, m), true);
        models.add(model);
      }
      ParameterStore store = new ParameterStore(manager, false);
      // Read once: with init it comes from the weights file the members started from.
      Normalization inputs = ctx.data().normalization(arm, seed);
      List<Predictions> validation = predictAll(models, evaluationBatches(data.validation(), inputs), manager);
      long start = System.nanoTime();
      Batches testBatches = evaluationBatches(data.test(), inputs);
      List<Predictions> test = predictAll(models, testBatches, manager);
      double testSeconds = (System.nanoTime() - start) / 1e9;
      DarkKnowledgeFiles.writeIfTeacher(ctx, arm, seed, data, test, dir);
      Map<String, List<Predictions>> shiftedMembers = new LinkedHashMap<>();
      Map<String, EvalMetrics> shifted = new LinkedHashMap<>();
      for (Map.Entry<String, ImageSet> ood : TaskSplitter.oodSets(data, ctx.spec().tasks().get(arm.task()), seed).entrySet()) {
        List<Predictions> p = predictAll(models, evaluationBatches(ood.getValue(), inputs), manager);
        shiftedMembers.put(ood.getKey(), p);
        shifted.put(ood.getKey(), Metrics.of(Ensembles.average(p)));
      }
      EnsembleMetrics ensemble = Ensembles.metrics(seeds, validation, test, shiftedMembers);
      long bytes = 0;
      for (int m = 0; m < n; m++) {
        bytes += Files.size(ctx.paths().memberWeights(arm.name(), seed, m));
      }
      InferenceCost cost = new InferenceCost(InferenceCosts.latencyMs(models, store, firstSample(data.test(), inputs), manager),
          data.test().size() / testSeconds, bytes);
      RunRecord first = members.get(0);
      List<RunEvent> events = new ArrayList<>();
      for (int m = 0; m < n; m++) {
        for (RunEvent e : members.get(m).events()) {
          events.add(new RunEvent(e.epoch(), e.kind(), "member " + m + ": " + e.message()));
        }
      }
      return RunRecordBuilder.of(ctx.spec().name(), arm, seed)
          .setModel(RunExecutor.describe(arm) + " ensemble of " + n, sum(members, RunRecord::parameters), sum(members, RunRecord::trainableParameters),
              sum(members, RunRecord::multiplyAdds), sum(members, RunRecord::bytes))
          .setSamples(first.trainSamples(), first.validationSamples())
          .setEpochs(first.epochsPlanned(), first.epochsRun(), first.selectedEpoch(),
              "each member: " + first.selection() + " (member 0; learning curve of member 0)")
          .setCurve(first.history(), events)
          .setTrainingTime(members.stream().mapToDouble(RunRecord::trainSeconds).sum(), first.samplesPerSecond())
          .setMetrics(Metrics.of(Ensembles.average(validation)), Metrics.of(Ensembles.average(test)), shifted)
          .optEnsemble(ensemble)
          .setInference(cost)
          .setProvenance(ctx.data().provenance(arm.task(), seed, inputs))
          .build();
    }
  }

  /** Co-distilled members must train at the same time (each waits for its peers' recent weights): one thread each. */
  private List<RunRecord> membersTogether(int n) throws IOException {
    ExecutorService pool = Executors.newFixedThreadPool(n, r -> {
      Thread t = new Thread(r, "mentor-codistill-" + arm.name());
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<RunRecord>> futures = new ArrayList<>();
      for (int m = 0; m < n; m++) {
        int member = m;
        futures.add(pool.submit(() -> member(member)));
      }
      List<RunRecord> records = new ArrayList<>();
      for (Future<RunRecord> f : futures) {
        records.add(f.get());
      }
      return records;
    } catch (ExecutionException e) {
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
    Path memberDir = ctx.paths().member(arm.name(), seed, m);
    Path results = memberDir.resolve("results.json");
    if (Files.exists(results)) {
      return JSON.readValue(results.toFile(), RunRecord.class);
    }
    Files.createDirectories(memberDir);
    try (NDManager manager = NDManager.newBaseManager(device)) {
      RunRecord record = new Session(ctx, arm, RunExecutor.memberSeed(seed, m), seed, m, memberDir, data, manager).run();
      AtomicFiles.writeString(results, SpecReader.toJson(record));
      Checkpoints.clear(memberDir);
      return record;
    }
  }

  private List<Predictions> predictAll(List<StagedModel> models, Batches batches, NDManager manager) {
    List<Predictions> out = new ArrayList<>();
    for (StagedModel model : models) {
      out.add(new Trainer(model, manager, seed).predict(batches));
    }
    return out;
  }

  private static long sum(List<RunRecord> records, ToLongFunction<RunRecord> field) {
    return records.stream().mapToLong(field).sum();
  }
}
