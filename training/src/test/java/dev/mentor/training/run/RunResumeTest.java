package dev.mentor.training.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.training.engine.ParameterFile;
import dev.mentor.training.engine.ParameterFile.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An interrupted run, started again, continues from its last checkpoint and ends exactly where an
 * uninterrupted run with the same seed ends; a finished experiment started again re-runs nothing.
 */
class RunResumeTest {
  private static final long SEED = 7;

  @TempDir Path interrupted;
  @TempDir Path uninterrupted;

  /**
   * The arms under test: PS-KD (its past predictions restored from the checkpoint); one phase with dropout, augmentation, warmup and cosine decay; LP-FT (interrupted in
   * either phase and at the phase boundary); early stopping with best weights kept; magnitude pruning.
   */
  private static final Map<String, String> ARMS = Map.of(
      "pskd", "{name: a, task: t, epochs: 4, model: {type: cnn, channels: [4, 8], hidden: 16}, optimizer: {lr: 0.01},"
          + " augmentation: {flip: true}, psKd: {alpha: 0.8}}",
      "fitnets", "{name: a, task: t, epochs: 3, model: {type: cnn, channels: [4, 8], hidden: 16}, optimizer: {lr: 0.01},"
          + " distill: {teacher: {arm: pre}, temperature: 2, features: [{method: fitnets, pairs: [{student: stage1, teacher: stage1}],"
          + " hintEpochs: 1}, {method: fitnets, pairs: [{student: stage2, teacher: stage2}]}, {method: attention,"
          + " pairs: [{student: stage1, teacher: stage2}]}]}}",
      "kdcached", "{name: a, task: t, epochs: 4, model: {type: mlp, widths: [16]}, optimizer: {lr: 0.01},"
          + " distill: {teacher: {arm: pre}, temperature: 4, alpha: 0.7}}",
      "scratch", "{name: a, task: t, epochs: 4, model: {type: cnn, channels: [4, 8], hidden: 16, dropout: 0.2},"
          + " optimizer: {type: adam, lr: 0.01}, schedule: {warmupEpochs: 1, decay: cosine},"
          + " augmentation: {cropPadding: 2, flip: true}}",
      "lpft", "{name: a, task: t, epochs: 3, strategy: lp-ft, init: {from: pre}, lpFt: {epochs: 2, lr: 0.01, patience: 5},"
          + " model: {type: cnn, channels: [4, 8], hidden: 16}, optimizer: {type: sgd, lr: 0.01}}",
      "early", "{name: a, task: t, epochs: 4, earlyStopping: {patience: 10},"
          + " model: {type: cnn, channels: [4, 8], hidden: 16}, optimizer: {type: adamw, lr: 0.02, weightDecay: 0.01}}",
      "pruned", "{name: a, task: t, epochs: 4, pruning: {fraction: 0.5, scope: layer},"
          + " model: {type: cnn, channels: [4, 8], hidden: 16}, optimizer: {type: sgd, lr: 0.05, momentum: 0.9}}");

  private static ExperimentSpec spec(String arm) {
    String pretrain = switch (arm) {
      case "lpft" -> "  - {name: pre, task: s, epochs: 1, model: {type: cnn, channels: [4, 8], hidden: 16}}\n";
      case "fitnets", "kdcached" -> "  - {name: pre, task: t, epochs: 1, model: {type: cnn, channels: [4, 8], hidden: 16}}\n";
      default -> "";
    };
    return SpecReader.parse("""
        name: resume
        seeds: [%d]
        data: {source: synthetic, syntheticClasses: 6, syntheticPerClass: 60}
        tasks:
          s: {classes: [4, 5]}
          t: {classes: [0, 1, 2, 3], perClass: 30}
        defaults: {batchSize: 32}
        arms:
        %s  - %s
        """.formatted(SEED, pretrain, ARMS.get(arm)));
  }

  /** Records what the runner reports; optionally throws from epochFinished at one epoch of arm 'a'. */
  static final class Recorder implements RunListener {
    final int failAtEpoch;
    final List<String> started = new ArrayList<>();
    final List<EpochMetrics> epochs = new ArrayList<>();
    final List<String> finished = new ArrayList<>();

    Recorder(int failAtEpoch) {
      this.failAtEpoch = failAtEpoch;
    }

    @Override
    public void runStarted(String arm, long seed, int epochsPlanned, boolean resumed) {
      started.add(arm + (resumed ? " resumed" : " fresh"));
    }

    @Override
    public void epochFinished(String arm, long seed, EpochMetrics metrics) {
      if (arm.equals("a")) {
        epochs.add(metrics);
        if (metrics.epoch() == failAtEpoch) {
          throw new Interrupted();
        }
      }
    }

    @Override
    public void runFinished(RunRecord record, boolean fromCache) {
      finished.add(record.arm() + (fromCache ? " cached" : " trained"));
    }
  }

  static final class Interrupted extends RuntimeException {
    Interrupted() {
      super("simulated interruption");
    }
  }

  @ParameterizedTest(name = "{0}, interrupted at epoch {1}")
  @CsvSource({"pskd, 2", "pskd, 4", "scratch, 3", "lpft, 3", "lpft, 4", "early, 3", "pruned, 2", "fitnets, 2", "fitnets, 3", "kdcached, 3"})
  void interruptedRunResumesAndEndsLikeAnUninterruptedRun(String arm, int failAt) throws IOException {
    ExperimentSpec spec = spec(arm);
    int planned = arm.equals("lpft") ? 5 : 4;

    Recorder first = new Recorder(failAt);
    assertThatThrownBy(() -> new ExperimentRunner(spec, interrupted, interrupted).run(first)).isInstanceOf(Interrupted.class);
    RunPaths paths = new RunPaths(interrupted.resolve("resume"));
    Path runDir = paths.run("a", SEED);
    assertThat(runDir.resolve("results.json")).doesNotExist();
    assertThat(runDir.resolve("checkpoint").resolve("state.json")).as("checkpoint of epoch %d", failAt - 1).isRegularFile();
    assertThat(Files.readAllLines(runDir.resolve("metrics.csv"))).hasSize(1 + failAt - 1);

    Recorder second = new Recorder(-1);
    new ExperimentRunner(spec, interrupted, interrupted).run(second);
    assertThat(second.started).last().isEqualTo("a resumed");
    assertThat(second.epochs).extracting(EpochMetrics::epoch).as("only the epochs after the checkpoint are trained again")
        .containsExactlyElementsOf(range(failAt, planned));

    Recorder reference = new Recorder(-1);
    new ExperimentRunner(spec, uninterrupted, uninterrupted).run(reference);
    assertThat(reference.started).last().isEqualTo("a fresh");

    RunRecord resumed = read(paths.results("a", SEED));
    RunRecord straight = read(new RunPaths(uninterrupted.resolve("resume")).results("a", SEED));
    assertThat(resumed.history()).hasSize(planned);
    assertThat(resumed.history().subList(0, failAt - 1)).as("epochs before the interruption are kept as they were")
        .containsExactlyElementsOf(first.epochs.subList(0, failAt - 1));
    assertThat(withoutTimes(resumed.history())).as("learning curve").containsExactlyElementsOf(withoutTimes(straight.history()));
    assertThat(resumed.events()).isEqualTo(straight.events());
    assertThat(resumed.selectedEpoch()).isEqualTo(straight.selectedEpoch());
    assertThat(resumed.selection()).isEqualTo(straight.selection());
    assertThat(resumed.epochsRun()).isEqualTo(straight.epochsRun()).isEqualTo(planned);
    assertThat(resumed.trainableParameters()).isEqualTo(straight.trainableParameters());
    assertThat(resumed.sparsity()).isEqualTo(straight.sparsity());
    assertThat(resumed.validation()).isEqualTo(straight.validation());
    assertThat(resumed.test()).isEqualTo(straight.test());
    assertSameWeights(paths.finalWeights("a", SEED), new RunPaths(uninterrupted.resolve("resume")).finalWeights("a", SEED));
    assertThat(Files.readAllLines(runDir.resolve("metrics.csv"))).hasSize(1 + planned);
    assertThat(runDir.resolve("checkpoint")).doesNotExist();
    assertThat(runDir.resolve("best.params")).doesNotExist();
  }

  @Test
  void resumesFromACompleteStagedCheckpointWhenACrashInterruptedReplacingTheOldOne() throws IOException {
    ExperimentSpec spec = spec("scratch");
    assertThatThrownBy(() -> new ExperimentRunner(spec, interrupted, interrupted).run(new Recorder(3))).isInstanceOf(Interrupted.class);
    Path runDir = new RunPaths(interrupted.resolve("resume")).run("a", SEED);
    Path checkpoint = runDir.resolve("checkpoint");
    Path staging = runDir.resolve("checkpoint.tmp");
    // A crash after the new checkpoint was staged completely, leaving an incomplete checkpoint
    // folder behind (no state.json): the staged copy must win and the run resume.
    Files.createDirectories(staging);
    try (Stream<Path> files = Files.list(checkpoint)) {
      for (Path file : files.toList()) {
        Files.copy(file, staging.resolve(file.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
    Files.delete(checkpoint.resolve("state.json"));

    Recorder second = new Recorder(-1);
    new ExperimentRunner(spec, interrupted, interrupted).run(second);
    assertThat(second.started).containsExactly("a resumed");
    new ExperimentRunner(spec, uninterrupted, uninterrupted).run(new Recorder(-1));
    assertSameWeights(runDir.resolve("model.params"), new RunPaths(uninterrupted.resolve("resume")).finalWeights("a", SEED));
    assertThat(staging).doesNotExist();
  }

  @Test
  void startingAFinishedExperimentAgainRerunsNothing() throws IOException {
    ExperimentSpec spec = spec("lpft");
    Recorder first = new Recorder(-1);
    new ExperimentRunner(spec, interrupted, interrupted).run(first);
    assertThat(first.finished).containsExactly("pre trained", "a trained");
    RunPaths paths = new RunPaths(interrupted.resolve("resume"));
    Map<Path, FileTime> before = runFiles(paths);
    String recordBefore = Files.readString(paths.results("a", SEED));

    Recorder again = new Recorder(-1);
    long start = System.nanoTime();
    List<RunRecord> records = new ExperimentRunner(spec, interrupted, interrupted).run(again);
    double seconds = (System.nanoTime() - start) / 1e9;

    assertThat(again.finished).containsExactly("pre cached", "a cached");
    assertThat(again.started).isEmpty();
    assertThat(again.epochs).isEmpty();
    assertThat(records).extracting(RunRecord::arm).containsExactly("pre", "a");
    assertThat(runFiles(paths)).as("no run file rewritten").isEqualTo(before);
    assertThat(Files.readString(paths.results("a", SEED))).isEqualTo(recordBefore);
    assertThat(paths.experimentDir().resolve("report.md")).isRegularFile();
    assertThat(seconds).as("seconds to start a finished experiment again").isLessThan(10);
  }

  private static Map<Path, FileTime> runFiles(RunPaths paths) throws IOException {
    Map<Path, FileTime> times = new LinkedHashMap<>();
    try (Stream<Path> walk = Files.walk(paths.experimentDir())) {
      for (Path p : walk.filter(Files::isRegularFile).filter(p -> p.getParent().getFileName().toString().contains("-s")).sorted().toList()) {
        times.put(p, Files.getLastModifiedTime(p));
      }
    }
    return times;
  }

  private static List<Integer> range(int from, int to) {
    List<Integer> values = new ArrayList<>();
    for (int i = from; i <= to; i++) {
      values.add(i);
    }
    return values;
  }

  /** Rows with timing columns zeroed: the only fields allowed to differ between identical runs. */
  private static List<EpochMetrics> withoutTimes(List<EpochMetrics> rows) {
    return rows.stream().map(r -> new EpochMetrics(r.epoch(), r.phase(), r.trainLoss(), r.trainAccuracy(), r.validationLoss(),
        r.validationAccuracy(), r.learningRate(), 0, 0, r.terms())).toList();
  }

  private static RunRecord read(Path file) throws IOException {
    return SpecReader.json().readValue(file.toFile(), RunRecord.class);
  }

  static void assertSameWeights(Path actual, Path expected) throws IOException {
    Map<String, Tensor> a = ParameterFile.read(actual);
    Map<String, Tensor> e = ParameterFile.read(expected);
    assertThat(a.keySet()).containsExactlyElementsOf(e.keySet());
    for (String name : e.keySet()) {
      assertThat(a.get(name).shape()).as(name).containsExactly(e.get(name).shape());
      assertThat(a.get(name).values()).as("%s (exact float equality)", name).containsExactly(e.get(name).values());
    }
  }
}
