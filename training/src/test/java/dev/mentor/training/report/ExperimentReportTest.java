package dev.mentor.training.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.record.EvalMetrics;
import dev.mentor.messages.record.RunEvent;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecReader;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExperimentReportTest {
  private static final ExperimentSpec SPEC = SpecReader.parse("""
      name: tiny
      description: A hand-made experiment for the report.
      seeds: [1, 2, 3]
      data: {source: synthetic}
      tasks:
        source: {classes: [0, 1, 2, 3, 4]}
        target:
          classes: [5, 6]
          perClass: 10
          ood: [{type: contrast, severity: 0.5}]
      defaults: {epochs: 4, batchSize: 32}
      arms:
        - {name: pretrain, task: source, model: {type: mlp, widths: [16]}}
        - {name: scratch, task: target, model: {type: mlp, widths: [16]}, optimizer: {lr: 0.001}}
        - {name: probe, task: target, model: {type: mlp, widths: [16]}, strategy: linear-probe, init: {from: pretrain}, optimizer: {lr: 0.01}}
        - {name: full, task: target, model: {type: mlp, widths: [16]}, strategy: full, init: {from: pretrain}, optimizer: {lr: 0.0003, layerDecay: 0.5}}
        - {name: logreg, task: target, model: {type: logistic}}
      """);
  private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  private static final String BEST_BY_LOSS = "best validation epoch 3 by loss";
  private static final String LAST = "last epoch 4";

  @TempDir Path dir;

  @Test
  void tableRowsShowMeanAndStdOverSeeds() throws IOException {
    String report = Files.readString(ExperimentReport.write(dir, SPEC, records(0.86), "test CPU, 4 threads, DJL 0.x"));

    assertThat(row(report, "scratch")).isEqualTo("| `scratch` | scratch | mlp [16] | — | 0.001 | 1 | 4 | 32 | 20 | 3"
        + " | 72.0 ± 2.0 | 0.600 ± 0.100 | 0.020 ± 0.010 | 62.0 ± 2.0 | 1,000 |");
    assertThat(row(report, "full")).isEqualTo("| `full` | full | mlp [16] | arm `pretrain` | 0.0003 | 0.5 | 4 (mean run 3.7) | 32 | 20 | 3"
        + " | 86.0 ± 1.0 | 0.600 ± 0.100 | 0.020 ± 0.010 | 76.0 ± 1.0 | 1,000 |");
    assertThat(row(report, "probe")).contains("| 81.0 ± 1.0 |", "| 0.01 |", "| 34 |");
    assertThat(row(report, "logreg")).contains("| 61.0 ± 1.0 |", "| logistic |");
    assertThat(row(report, "pretrain")).contains("| 91.0 ± 1.0 |");
    assertThat(report).contains("| contrast 0.5 acc % |");
  }

  @Test
  void headerStatesSeedsMachineAndSelectionRules() throws IOException {
    String report = Files.readString(ExperimentReport.write(dir, SPEC, records(0.86), "test CPU, 4 threads, DJL 0.x"));

    assertThat(report).startsWith("# Experiment `tiny`\n\nA hand-made experiment for the report.\n")
        .contains("- Seeds: 1, 2, 3 (n = 3)", "- Machine: test CPU, 4 threads, DJL 0.x", "nats per sample", "15 equal-width",
            "best validation epoch by loss (12 runs); last epoch (3 runs); a best epoch is chosen on validation data");
    assertThat(report.indexOf("## Task `source`")).isLessThan(report.indexOf("## Task `target`"));
  }

  @Test
  void linearProbeFindingFollowsTheNumbers() throws IOException {
    ExperimentReport.write(dir, SPEC, records(0.76), "cpu");
    String worse = Files.readString(dir.resolve("report.md"));
    ExperimentReport.write(dir, SPEC, records(0.86), "cpu");
    String better = Files.readString(dir.resolve("report.md"));
    ExperimentReport.write(dir, SPEC, records(0.815), "cpu");
    String onPar = Files.readString(dir.resolve("report.md"));

    assertThat(worse).contains("`full` does NOT beat the linear probe `probe` (76.0% vs 81.0%): by the linear-probing"
        + " criterion, this transfer is ineffective here.").doesNotContain("`full` beats the linear probe");
    assertThat(better).contains("`full` beats the linear probe `probe` by 5.0 points (86.0% vs 81.0%).")
        .doesNotContain("does NOT beat");
    assertThat(onPar).contains("`full` is on par with the linear probe `probe` (81.5% vs 81.0%;")
        .doesNotContain("does NOT beat", "`full` beats the linear probe");
  }

  @Test
  void findingsCompareWithScratchBestArmAndLogisticBaseline() throws IOException {
    String report = Files.readString(ExperimentReport.write(dir, SPEC, records(0.86), "cpu"));

    assertThat(report).contains(
        "`full` beats scratch `scratch` by 14.0 points (86.0% vs 72.0%).",
        "`probe` beats scratch `scratch` by 9.0 points (81.0% vs 72.0%).",
        "Highest mean test accuracy: `full` at 86.0 ± 1.0 %.",
        "Logistic regression on raw inputs `logreg`: 61.0 ± 1.0 %; every other arm beats it.",
        "No logistic-regression baseline (model `logistic`) in this task.");
  }

  @Test
  void listsOverfittingAndNoteEventsOncePerArmWithTheirSeeds() throws IOException {
    String report = Files.readString(ExperimentReport.write(dir, SPEC, records(0.86), "cpu"));

    assertThat(report).contains("- `full` overfitting (seeds 1 at epoch 3, 2 at epoch 3): validation loss rose for 2 epochs")
        .contains("- `probe` note (seeds 3 at epoch 1): budget shortened")
        .doesNotContain("early-stop");
  }

  @Test
  void writesValidChartsLinkedFromTheReport() throws IOException {
    String report = Files.readString(ExperimentReport.write(dir, SPEC, records(0.86), "cpu"));

    for (String name : List.of("source-validation-accuracy.png", "source-loss.png", "target-validation-accuracy.png", "target-loss.png")) {
      Path chart = dir.resolve("charts").resolve(name);
      byte[] bytes = Files.readAllBytes(chart);
      assertThat(bytes.length).as(name).isGreaterThan(PNG_MAGIC.length);
      assertThat(Arrays.copyOf(bytes, PNG_MAGIC.length)).as(name).isEqualTo(PNG_MAGIC);
      BufferedImage image = ImageIO.read(chart.toFile());
      assertThat(new int[] {image.getWidth(), image.getHeight()}).containsExactly(800, 500);
      assertThat(report).contains("](charts/" + name + ")");
    }
  }

  @Test
  void leavesNoTemporaryFilesBehind() throws IOException {
    ExperimentReport.write(dir, SPEC, records(0.86), "cpu");
    ExperimentReport.write(dir, SPEC, records(0.76), "cpu");

    try (Stream<Path> files = Files.walk(dir)) {
      assertThat(files.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString().replace('\\', '/')))
          .containsExactlyInAnyOrder("report.md", "charts/source-validation-accuracy.png", "charts/source-loss.png",
              "charts/target-validation-accuracy.png", "charts/target-loss.png");
    }
  }

  @Test
  void runsTableListsEveryRun() throws IOException {
    String report = Files.readString(ExperimentReport.write(dir, SPEC, records(0.86), "cpu"));

    assertThat(report).contains("| `full` | 3 | 3 | " + BEST_BY_LOSS + " | 87.0 | 12.5 | 1,600 |",
        "| `logreg` | 1 | 4 | " + LAST + " | 60.0 | 12.5 | 1,600 |");
    assertThat(report.lines().filter(l -> l.matches("\\| `\\w+` \\| \\d \\| .*"))).hasSize(15);
  }

  @Test
  void plainArmsGetNoDistillationEnsembleOrCompressionSections() throws IOException {
    String report = Files.readString(ExperimentReport.write(dir, SPEC, records(0.86), "cpu"));

    assertThat(report).doesNotContain("### Distillation", "### Ensembles", "## Compression", "Student `", "scratch baseline");
  }

  /** The report row of one arm. */
  private static String row(String report, String arm) {
    return report.lines().filter(l -> l.startsWith("| `" + arm + "` | " + SPEC.arm(arm).strategy() + " |")).findFirst().orElseThrow();
  }

  /**
   * Three seeds per arm; at seed s an arm's test accuracy is its mean + step·(s − 2) and its
   * contrast-shifted accuracy 0.1 lower; NLL and ECE are the same for every arm.
   */
  private static List<RunRecord> records(double fullMean) {
    List<RunRecord> records = new ArrayList<>();
    for (long seed = 1; seed <= 3; seed++) {
      records.add(run("pretrain", "source", "scratch", seed, 0.91, 0.01, 1000, 4, BEST_BY_LOSS, List.of()));
      records.add(run("scratch", "target", "scratch", seed, 0.72, 0.02, 1000, 4, BEST_BY_LOSS, List.of()));
      records.add(run("probe", "target", "linear-probe", seed, 0.81, 0.01, 34, 4, BEST_BY_LOSS,
          seed == 3 ? List.of(new RunEvent(1, "note", "budget shortened")) : List.of()));
      records.add(run("full", "target", "full", seed, fullMean, 0.01, 1000, seed == 3 ? 3 : 4, BEST_BY_LOSS,
          seed == 3 ? List.of(new RunEvent(3, "early-stop", "stopped"))
              : List.of(new RunEvent(3, "overfitting", "validation loss rose for 2 epochs"))));
      records.add(run("logreg", "target", "scratch", seed, 0.61, 0.01, 1570, 4, LAST, List.of()));
    }
    return records;
  }

  private static RunRecord run(String arm, String task, String strategy, long seed, double mean, double step,
      long trainable, int epochsRun, String selection, List<RunEvent> events) {
    double accuracy = mean + step * (seed - 2);
    int i = (int) seed - 1;
    int selectedEpoch = selection.equals(LAST) ? epochsRun : 3;
    EvalMetrics test = new EvalMetrics(100, accuracy, 0.5 + 0.1 * i, 0.01 * (i + 1), List.of(), List.of());
    Map<String, EvalMetrics> shifted = task.equals("target")
        ? Map.of("contrast 0.5", new EvalMetrics(100, accuracy - 0.1, 1.0, 0.1, List.of(), List.of())) : Map.of();
    String model = arm.equals("logreg") ? "logistic" : "mlp [16]";
    List<EpochMetrics> history = new ArrayList<>();
    for (int epoch = 1; epoch <= epochsRun; epoch++) {
      history.add(new EpochMetrics(epoch, "train", 1.0 / epoch, 0.5 + 0.1 * epoch, 1.2 / epoch + 0.05 * epoch,
          accuracy - 0.02 * (4 - epoch), 0.001, 1600, 3, null));
    }
    return new RunRecord(RunRecord.SCHEMA_VERSION, "tiny", arm, seed, task, strategy, model, null, trainable * 2, trainable,
        10_000, trainable * 8, 20, 20, 4, epochsRun, selectedEpoch, selection, 0, 12.5, 1600, test, test, shifted, history, events, null, null, null, null);
  }
}
