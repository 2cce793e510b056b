package dev.mentor.training.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.training.engine.ParameterFile.Tensor;
import dev.mentor.training.engine.ParameterFile;
import dev.mentor.training.model.ModelWeights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One small transfer experiment run end to end (a pretrain arm on source classes, every transfer
 * strategy on target classes, two seeds), then its files checked run by run.
 */
class ExperimentRunnerTest {
  private static final long[] SEEDS = {11, 12};
  private static final int HIDDEN = 16;
  private static final ExperimentSpec SPEC = SpecReader.parse("""
      name: transfer
      seeds: [11, 12]
      data: {source: synthetic, syntheticClasses: 6, syntheticPerClass: 60}
      tasks:
        source: {classes: [0, 1, 2]}
        target: {classes: [3, 4, 5], perClass: 30}
      defaults:
        model: {type: cnn, channels: [4, 8], hidden: 16}
        epochs: 2
        batchSize: 32
        optimizer: {lr: 0.01}
      arms:
        - {name: pretrain, task: source}
        - {name: scratch, task: target}
        - {name: logistic, task: target, model: {type: logistic}}
        - {name: probe, task: target, strategy: linear-probe, init: {from: pretrain}}
        - {name: partial, task: target, strategy: partial, lastStages: 1, init: {from: pretrain}}
        - {name: full, task: target, strategy: full, init: {from: pretrain}, optimizer: {lr: 0.001}}
        - {name: lpft, task: target, strategy: lp-ft, init: {from: pretrain}, lpFt: {epochs: 2, patience: 5, lr: 0.01}, optimizer: {lr: 0.001}}
        - {name: bnadapt, task: source, strategy: bn-adapt, init: {from: pretrain, keepHead: true}}
      """);

  @TempDir static Path output;
  private static RunPaths paths;
  private static List<RunRecord> returned;
  private static final List<String> finished = new ArrayList<>();

  @BeforeAll
  static void runExperiment() throws IOException {
    ExperimentRunner runner = new ExperimentRunner(SPEC, output, output);
    paths = runner.paths();
    returned = runner.run(new RunListener() {
      @Override
      public void runFinished(RunRecord record, boolean fromCache) {
        finished.add(record.arm() + "-s" + record.seed() + (fromCache ? " cached" : ""));
      }
    });
  }

  @Test
  void everyArmRunsAtEverySeedInSpecOrder() {
    List<String> expected = new ArrayList<>();
    for (ArmSpec arm : SPEC.arms()) {
      for (long seed : SEEDS) {
        expected.add(arm.name() + "-s" + seed);
      }
    }
    assertThat(finished).containsExactlyElementsOf(expected);
    assertThat(returned).extracting(r -> r.arm() + "-s" + r.seed()).containsExactlyElementsOf(expected);
  }

  @Test
  void everyRunWritesARecordMatchingItsArmAndSeed() throws IOException {
    for (ArmSpec arm : SPEC.arms()) {
      for (long seed : SEEDS) {
        RunRecord record = record(arm.name(), seed);
        assertThat(record.experiment()).isEqualTo("transfer");
        assertThat(record.arm()).isEqualTo(arm.name());
        assertThat(record.seed()).isEqualTo(seed);
        assertThat(record.task()).isEqualTo(arm.task());
        assertThat(record.strategy()).isEqualTo(arm.strategy().specName());
        assertThat(record.schemaVersion()).isEqualTo(RunRecord.SCHEMA_VERSION);
        int planned = arm.strategy() == ArmSpec.Strategy.BN_ADAPT ? 0 : arm.strategy() == ArmSpec.Strategy.LP_FT ? 4 : 2;
        assertThat(record.epochsPlanned()).as(arm.name()).isEqualTo(planned);
        assertThat(record.epochsRun()).as(arm.name()).isEqualTo(planned);
        assertThat(record.history()).as(arm.name()).hasSize(planned);
        assertThat(record.test().samples()).as(arm.name()).isEqualTo(3 * 15);
        assertThat(record.test().accuracy()).as(arm.name()).isBetween(0.0, 1.0);
        assertThat(record.trainSamples()).as(arm.name()).isEqualTo(arm.task().equals("target") ? 3 * 30 : 3 * 54);
      }
    }
    assertThat(returned).usingRecursiveFieldByFieldElementComparator().containsExactlyElementsOf(readAllRecords());
  }

  @Test
  void metricsCsvHasAHeaderAndOneRowPerEpochRun() throws IOException {
    for (ArmSpec arm : SPEC.arms()) {
      for (long seed : SEEDS) {
        RunRecord record = record(arm.name(), seed);
        Path csv = paths.run(arm.name(), seed).resolve("metrics.csv");
        if (record.epochsRun() == 0) {
          // bn-adapt trains no epoch; a curve file, if any, holds the header only
          if (Files.exists(csv)) {
            assertThat(Files.readAllLines(csv)).containsExactly(CurveFile.HEADER);
          }
          continue;
        }
        List<String> lines = Files.readAllLines(csv);
        assertThat(lines.get(0)).isEqualTo(CurveFile.HEADER);
        assertThat(lines).as(arm.name()).hasSize(1 + record.epochsRun());
        for (int i = 0; i < record.epochsRun(); i++) {
          EpochMetrics row = record.history().get(i);
          assertThat(lines.get(i + 1)).startsWith(row.epoch() + "," + row.phase() + ",");
        }
      }
    }
  }

  @Test
  void everyRunKeepsEnvironmentAndFinalWeights() {
    for (ArmSpec arm : SPEC.arms()) {
      for (long seed : SEEDS) {
        Path dir = paths.run(arm.name(), seed);
        assertThat(dir.resolve("environment.json")).isRegularFile();
        assertThat(dir.resolve("model.params")).isRegularFile();
        assertThat(dir.resolve("results.json")).isRegularFile();
      }
    }
  }

  @Test
  void finalWeightsRecordTheSourceClassesTheirHeadPredicts() throws IOException {
    for (ArmSpec arm : SPEC.arms()) {
      assertThat(ModelWeights.classes(paths.run(arm.name(), SEEDS[0]).resolve("model.params"))).as(arm.name())
          .contains(SPEC.tasks().get(arm.task()).classes());
    }
  }

  @Test
  void finishedRunsLeaveNoCheckpointsOrTemporaryFiles() throws IOException {
    try (Stream<Path> walk = Files.walk(output)) {
      List<String> leftovers = walk.map(p -> output.relativize(p).toString())
          .filter(p -> p.endsWith(".tmp") || p.contains(".tmp/") || p.endsWith("checkpoint") || p.contains("checkpoint/")
              || p.endsWith("best.params"))
          .toList();
      assertThat(leftovers).isEmpty();
    }
  }

  @Test
  void writesReportChartsAndTheResolvedSpec() throws IOException {
    assertThat(paths.experimentDir().resolve("report.md")).isRegularFile();
    try (Stream<Path> charts = Files.list(paths.experimentDir().resolve("charts"))) {
      assertThat(charts.map(p -> p.getFileName().toString())).isNotEmpty().allMatch(n -> n.endsWith(".png"));
    }
    assertThat(Files.readString(paths.spec())).isEqualTo(SpecReader.toJson(SPEC));
  }

  @Test
  void lpFtHistoryHasProbeEpochsThenFinetuneEpochs() throws IOException {
    for (long seed : SEEDS) {
      List<EpochMetrics> history = record("lpft", seed).history();
      assertThat(history).extracting(EpochMetrics::phase).containsExactly("probe", "probe", "finetune", "finetune");
      assertThat(history).extracting(EpochMetrics::epoch).containsExactly(1, 2, 3, 4);
    }
  }

  @Test
  void linearProbeTrainsOnlyTheHead() throws IOException {
    for (long seed : SEEDS) {
      assertThat(record("probe", seed).trainableParameters()).isEqualTo(3L * (HIDDEN + 1));
      // parameters counts weights, not BatchNorm running statistics: full fine-tuning trains every one of them
      assertThat(record("full", seed).trainableParameters()).isEqualTo(record("full", seed).parameters());
      assertThat(record("partial", seed).trainableParameters())
          .isGreaterThan(record("probe", seed).trainableParameters())
          .isLessThan(record("full", seed).trainableParameters());
    }
  }

  @Test
  void linearProbeKeepsThePretrainedBackboneAndChangesTheHead() throws IOException {
    for (long seed : SEEDS) {
      Map<String, Tensor> pretrain = ParameterFile.read(paths.finalWeights("pretrain", seed));
      Map<String, Tensor> probe = ParameterFile.read(paths.finalWeights("probe", seed));
      assertThat(probe.keySet()).containsExactlyElementsOf(pretrain.keySet());
      for (String name : probe.keySet()) {
        if (name.startsWith("head/") || name.equals(ModelWeights.CLASSES)) {
          continue;
        }
        assertThat(probe.get(name).values()).as("seed %d %s", seed, name).containsExactly(pretrain.get(name).values());
      }
      List<String> heads = probe.keySet().stream().filter(n -> n.startsWith("head/")).toList();
      assertThat(heads).isNotEmpty();
      assertThat(heads).anySatisfy(name -> assertThat(Arrays.equals(probe.get(name).values(), pretrain.get(name).values())).isFalse());
    }
  }

  @Test
  void batchNormAdaptationChangesOnlyRunningStatistics() throws IOException {
    for (long seed : SEEDS) {
      Map<String, Tensor> pretrain = ParameterFile.read(paths.finalWeights("pretrain", seed));
      Map<String, Tensor> adapted = ParameterFile.read(paths.finalWeights("bnadapt", seed));
      assertThat(adapted.keySet()).containsExactlyElementsOf(pretrain.keySet());
      boolean statisticsChanged = false;
      for (String name : adapted.keySet()) {
        if (isRunningStatistic(name)) {
          statisticsChanged |= !Arrays.equals(adapted.get(name).values(), pretrain.get(name).values());
        } else {
          assertThat(adapted.get(name).values()).as("seed %d %s", seed, name).containsExactly(pretrain.get(name).values());
        }
      }
      assertThat(statisticsChanged).as("running statistics recomputed").isTrue();
      RunRecord record = record("bnadapt", seed);
      assertThat(record.history()).isEmpty();
      assertThat(record.trainableParameters()).isZero();
      assertThat(record.selection()).contains("BatchNorm");
    }
  }

  @Test
  void partialFineTuningChangesOnlyTheLastStageAndTheHead() throws IOException {
    for (long seed : SEEDS) {
      Map<String, Tensor> pretrain = ParameterFile.read(paths.finalWeights("pretrain", seed));
      Map<String, Tensor> partial = ParameterFile.read(paths.finalWeights("partial", seed));
      for (String name : partial.keySet()) {
        if (name.startsWith("stage1/") || name.startsWith("stage2/")) {
          assertThat(partial.get(name).values()).as("seed %d %s", seed, name).containsExactly(pretrain.get(name).values());
        }
      }
      assertThat(partial.keySet()).filteredOn(n -> n.startsWith("stage3/"))
          .isNotEmpty()
          .anySatisfy(n -> assertThat(Arrays.equals(partial.get(n).values(), pretrain.get(n).values())).isFalse());
    }
  }

  private static boolean isRunningStatistic(String name) {
    return name.contains("runningMean") || name.contains("runningVar");
  }

  private static RunRecord record(String arm, long seed) throws IOException {
    return SpecReader.json().readValue(paths.results(arm, seed).toFile(), RunRecord.class);
  }

  private static List<RunRecord> readAllRecords() throws IOException {
    List<RunRecord> all = new ArrayList<>();
    for (ArmSpec arm : SPEC.arms()) {
      for (long seed : SEEDS) {
        all.add(record(arm.name(), seed));
      }
    }
    return all;
  }
}
