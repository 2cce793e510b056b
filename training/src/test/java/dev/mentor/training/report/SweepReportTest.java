package dev.mentor.training.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.record.EvalMetrics;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecReader;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sweep sections of report.md from a parsed spec with sweeps and run records whose validation and
 * test accuracy are set per point: the two-axis grid as a table and a heatmap, one axis as a table
 * and a chart with error bars, and the best point chosen on validation even where another point is
 * better on test.
 */
class SweepReportTest {
  @TempDir Path dir;

  private static final ExperimentSpec SPEC = SpecReader.parse("""
      name: sweeps
      seeds: [1, 2, 3]
      data: {source: synthetic, syntheticClasses: 4, syntheticPerClass: 40}
      tasks: {t: {classes: [0, 1, 2, 3]}}
      defaults: {task: t, epochs: 2, model: {type: mlp, widths: [8]}}
      arms:
        - {name: teacher}
        - {name: kd, model: {type: mlp, widths: [4]}, distill: {teacher: {arm: teacher}}, sweep: {distill.temperature: [1, 4], distill.alpha: [0.5, 0.9, 0.99]}}
        - {name: "lr-{lr}", sweep: {optimizer.lr: [0.0001, 0.001, 0.01]}}
      """);

  /** Three seeds around {@code validation} and {@code test} (± 1 point), so each cell has a std. */
  private static List<RunRecord> runs(String arm, double validation, double test) {
    List<RunRecord> runs = new ArrayList<>();
    for (long seed = 1; seed <= 3; seed++) {
      double jitter = 0.01 * (seed - 2);
      EvalMetrics val = new EvalMetrics(100, validation + jitter, 0.5, 0.02, List.of(), List.of());
      EvalMetrics tst = new EvalMetrics(100, test + jitter, 0.6, 0.03, List.of(), List.of());
      List<EpochMetrics> history = List.of(new EpochMetrics(1, "train", 1.0, 0.5, 0.9, validation, 0.001, 1000, 1, null),
          new EpochMetrics(2, "train", 0.8, 0.6, 0.8, validation + jitter, 0.001, 1000, 1, null));
      runs.add(new RunRecord(RunRecord.SCHEMA_VERSION, "sweeps", arm, seed, "t", "scratch", "mlp [8]", null, 100, 100, 100, 400, 160, 40,
          2, 2, 2, "last epoch 2", 0, 1, 1000, val, tst, null, history, List.of(), null, null, null, null));
    }
    return runs;
  }


  @Test
  void twoAxesGiveAGridAndAHeatmap_oneAxisATableAndAChart_andTheBestPointIsChosenOnValidation() throws IOException {
    List<String> kd = SPEC.arms().stream().map(ArmSpec::name).filter(n -> n.startsWith("kd")).toList();
    List<String> lr = SPEC.arms().stream().map(ArmSpec::name).filter(n -> n.startsWith("lr-")).toList();
    assertThat(kd).hasSize(6);
    assertThat(lr).containsExactly("lr-0.0001", "lr-0.001", "lr-0.01");
    List<RunRecord> records = new ArrayList<>(runs("teacher", 0.9, 0.9));
    // kd points in grid order (temperature × alpha); the fourth (T=4, alpha=0.5) is best on validation,
    // the last (T=4, alpha=0.99) best on test: the report must name the fourth.
    double[] validation = {0.70, 0.72, 0.74, 0.86, 0.80, 0.78};
    double[] test = {0.69, 0.71, 0.73, 0.80, 0.79, 0.88};
    for (int i = 0; i < kd.size(); i++) {
      records.addAll(runs(kd.get(i), validation[i], test[i]));
    }
    records.addAll(runs(lr.get(0), 0.60, 0.61));
    records.addAll(runs(lr.get(1), 0.75, 0.74));
    records.addAll(runs(lr.get(2), 0.70, 0.72));

    Path report = ExperimentReport.write(dir, SPEC, records, "test machine");
    String md = Files.readString(report);

    String best = kd.get(3);
    assertThat(best).contains("4").contains("0.5");
    assertThat(md).contains("### Sweep `kd` (arms[1]), task `t`")
        .contains("6 points over `distill.temperature` (2 values) × `distill.alpha` (3 values)")
        .contains("| `distill.temperature` \\ `distill.alpha` | 0.5 | 0.9 | 0.99 |")
        .contains("| 4 | **80.0 ± 1.0** (best on validation) | 79.0 ± 1.0 | 88.0 ± 1.0 |")
        .contains("Best point, chosen on validation accuracy (mean over seeds; never on test data): `" + best + "`"
            + " — validation 86.0 ± 1.0 %, test 80.0 ± 1.0 %");
    assertThat(md).contains("### Sweep `lr-{lr}` (arms[2]), task `t`")
        .contains("| 0.0001 | `lr-0.0001` | 3 | 60.0 ± 1.0 | 61.0 ± 1.0 |")
        .contains("Best point, chosen on validation accuracy (mean over seeds; never on test data): `lr-0.001`");
    // The hand-written teacher is in no sweep section.
    assertThat(md.split("### Sweep")).hasSize(3);

    Path heatmap = dir.resolve("charts/t-sweep-1.png");
    Path curve = dir.resolve("charts/t-sweep-2.png");
    assertThat(md).contains("](charts/t-sweep-1.png)").contains("](charts/t-sweep-2.png)");
    for (Path chart : List.of(heatmap, curve)) {
      BufferedImage image = ImageIO.read(chart.toFile());
      assertThat(image.getWidth()).isEqualTo(800);
      assertThat(image.getHeight()).isEqualTo(500);
    }
  }

  @Test
  void anExperimentWithoutSweepsHasNoSweepSection() throws IOException {
    ExperimentSpec plain = SpecReader.parse("""
        name: plain
        seeds: [1]
        data: {source: synthetic, syntheticClasses: 4, syntheticPerClass: 40}
        tasks: {t: {classes: [0, 1, 2, 3]}}
        arms: [{name: a, task: t, epochs: 1, model: {type: mlp, widths: [8]}}]
        """);
    List<RunRecord> records = runs("a", 0.8, 0.8).subList(0, 1);
    String md = Files.readString(ExperimentReport.write(dir, plain, records, "test machine"));
    assertThat(md).doesNotContain("### Sweep");
    assertThat(dir.resolve("charts")).isDirectoryNotContaining("glob:**sweep*");
  }
}
