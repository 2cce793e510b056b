package dev.mentor.training.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mentor.messages.record.DistillationInfo;
import dev.mentor.messages.record.EnsembleMetrics;
import dev.mentor.messages.record.EnsembleMetrics.EnsembleSizeMetrics;
import dev.mentor.messages.record.EnsembleMetrics.UncertaintyStats;
import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.record.EvalMetrics;
import dev.mentor.messages.record.InferenceCost;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report's distillation, ensemble and compression sections on hand-made records whose
 * numbers are chosen so every mean, std and per-seed difference can be checked by hand.
 */
class StudentsAndEnsemblesReportTest {
  private static final ExperimentSpec SPEC = SpecReader.parse("""
      name: compress
      seeds: [1, 2, 3]
      data: {source: synthetic}
      tasks:
        digits:
          classes: [0, 1, 2]
          ood: [{type: contrast, severity: 0.5}, {type: rotation, severity: 15}]
        few: {classes: [0, 1, 2], perClass: 10}
      defaults: {epochs: 4, batchSize: 32}
      arms:
        - {name: teacher, task: digits, model: {type: cnn, channels: [8, 16], hidden: 32}}
        - {name: small, task: digits, model: {type: cnn, channels: [4], hidden: 8}, optimizer: {lr: 0.002}}
        - name: kd
          task: digits
          model: {type: cnn, channels: [4], hidden: 8}
          optimizer: {lr: 0.002}
          distill:
            teacher: {arm: teacher}
            temperature: 4
            alpha: 0.9
            features: [{method: attention, pairs: [{student: stage1, teacher: stage2}], weight: 1000}]
        - {name: deep, task: digits, model: {type: mlp, widths: [16]}, ensemble: {members: 3}}
        - {name: tiny, task: few, model: {type: mlp, widths: [8]}, distill: {teacher: {arm: teacher}, logits: logit-matching}}
      """);
  private static final String KD_LOSS = "(1 − α)·CE + α·T²·KL(p_T‖p_S), KL summed over classes, averaged over the batch (batchmean);"
      + " inference at T = 1";
  private static final String TEACHER_MODE = "inference mode: BatchNorm statistics fixed, dropout off, no gradients";
  private static final double[] TEACHER = {0.89, 0.90, 0.91};
  private static final double[] SMALL = {0.80, 0.78, 0.82};
  /** Per seed 3, 2 and 4 points above {@link #SMALL}: a gain of 3.0 ± 1.0 points. */
  private static final double[] KD = {0.83, 0.80, 0.86};

  @TempDir Path dir;
  private String report;

  @BeforeEach
  void writeReport() throws IOException {
    report = Files.readString(ExperimentReport.write(dir, SPEC, records(KD), "test CPU"));
  }

  @Test
  void distillationTableShowsTheGainOverScratchPairedBySeed() {
    assertThat(section("### Distillation", "digits")).contains("- Loss: " + KD_LOSS + "\n- Teacher mode: " + TEACHER_MODE + "\n");
    assertThat(row("kd")).isEqualTo("| `kd` | cnn [4] fc8 | arm `teacher`: cnn [8, 16] fc32 | soft targets, KL | 4 | 0.9"
        + " | attention stage1→stage2, weight 1000, p 2, paper form | same as the student's | 4 | 0.002 | 3 | 83.0 ± 3.0 | +3.0 ± 1.0"
        + " | 0.600 ± 0.100 | 0.020 ± 0.010 | 90.0 ± 1.0 | 80.0 ± 5.0 |");
    assertThat(row("small")).startsWith("| `small` | cnn [4] fc8 | none (scratch baseline) | — |")
        .contains("| 80.0 ± 2.0 | baseline |");
    assertThat(report).contains("Student `kd` beats its scratch baseline `small` by 3.0 points (83.0% vs 80.0%; per seed +3.0 ± 1.0).");
  }

  @Test
  void aStudentThatLosesToScratchIsFlaggedAsAPossibleBug() throws IOException {
    String losing = Files.readString(ExperimentReport.write(dir, SPEC, records(new double[] {0.70, 0.70, 0.73}), "test CPU"));

    assertThat(losing).contains("| 71.0 ± 1.7 | -9.0 ± 1.0 |",
        "Student `kd` loses to its scratch baseline `small` by 9.0 points (71.0% vs 80.0%; per seed -9.0 ± 1.0)."
            + " A surprise is a bug until shown otherwise: check the loss signs and reductions");
  }

  @Test
  void aStudentWithoutASameModelScratchArmIsSaidToHaveNone() {
    String few = section("### Distillation", "few");

    assertThat(few).contains("- `tiny` (mlp [8]): no scratch baseline of the student's model in this task.",
        "| logit matching (MSE) | — | 0.9 |", "| — (no baseline) |", "— (live: teacher outputs change with augmentation) |");
  }

  @Test
  void lossTermsAreTheLastEpochsUnweightedMeans() {
    assertThat(section("### Distillation", "digits")).contains("Loss terms at the last epoch (unweighted), mean ± std over seeds:",
        "| Arm | n | ce | kd | attention:stage1>stage2 |",
        "| `kd` | 3 | 0.500 ± 0.100 | 0.200 ± 0.000 | 0.00120 ± 0.00020 |");
  }

  @Test
  void ensembleSectionGivesMetricsBySizeAgainstTheAverageMember() {
    String ensembles = section("### Ensembles", "digits");

    assertThat(ensembles).contains("#### `deep`: 3 members of mlp [16] per run, n = 3",
        "| 1 | 3 | 80.0 ± 1.0 | 0.600 ± 0.100 | 0.050 ± 0.000 |",
        "| 3 | 3 | 84.0 ± 1.0 | 0.400 ± 0.100 | 0.030 ± 0.000 |",
        "| average single member | 3 | 79.0 ± 1.0 | 0.700 ± 0.100 | 0.060 ± 0.000 |",
        "The full ensemble against its average single member: +5.0 ± 0.0 points of test accuracy (per-run differences, n = 3).");
  }

  @Test
  void ensembleUncertaintyAndAurocNameEachShiftAndItsSeverity() {
    String ensembles = section("### Ensembles", "digits");

    assertThat(ensembles).contains(
        "| none (test set, in distribution) | — | 3 | 84.0 ± 1.0 | 0.300 ± 0.000 | 0.050 ± 0.000 | 0.020 ± 0.000 |",
        "| contrast | 0.5 | 3 | 64.0 ± 1.0 | 0.600 ± 0.100 | 0.100 ± 0.000 | 0.040 ± 0.000 |",
        "| Shift | Severity | n | AUROC entropy | AUROC mutual information | AUROC disagreement |",
        "| contrast | 0.5 | 3 | 0.720 ± 0.020 | 0.800 ± 0.000 | 0.700 ± 0.000 |",
        "| rotation | 15 | 3 | 0.620 ± 0.020 | 0.700 ± 0.000 | 0.600 ± 0.000 |");
  }

  @Test
  void compressionTableCoversTeachersStudentsAndEnsemblesOnly() {
    String compression = section("## Compression: train for accuracy, deploy for efficiency", null);

    assertThat(compression).contains(
        "| teacher | `teacher` | `digits` | cnn [8, 16] fc32 | 3 | 20,000 | 80,123 | 500,000 | 2.000 ± 0.100 | 1,000 ± 100 | 90.0 ± 1.0 |",
        "| student | `kd` | `digits` | cnn [4] fc8 | 3 | 2,000 | 8,123 | 50,000 | 0.200 ± 0.010 | 10,000 ± 100 | 83.0 ± 3.0 |",
        "| ensemble | `deep` | `digits` | mlp [16] | 3 |",
        "- `kd` against its teacher `teacher`: 10.0× fewer parameters, 10.0× fewer multiply-adds, 10.0× lower latency,"
            + " -7.0 ± 2.6 points of test accuracy (per-seed differences).")
        .doesNotContain("| `small` |");
    // tiny's records predate inference measurements: bytes fall back to the record's, timings are missing.
    assertThat(compression).contains("| student | `tiny` | `few` | mlp [8] | 3 | 1,000 | 4,000 | 1,000 | — | — | 75.0 ± 0.0 |");
  }

  /** The text from a heading (the first after the given task's heading, or anywhere) to the next heading of its level or above. */
  private String section(String heading, String task) {
    int start = report.indexOf(heading + "\n", task == null ? 0 : report.indexOf("## Task `" + task + "`\n"));
    assertThat(start).as(heading).isNotNegative();
    int level = heading.indexOf(' ');
    List<String> lines = report.substring(start).lines().toList();
    int end = 1;
    while (end < lines.size() && !(lines.get(end).startsWith("#") && lines.get(end).indexOf(' ') <= level)) {
      end++;
    }
    return String.join("\n", lines.subList(0, end)) + "\n";
  }

  private String row(String arm) {
    String table = section("### Distillation", "digits");
    return table.lines().filter(l -> l.startsWith("| `" + arm + "` |")).findFirst().orElseThrow();
  }

  private static List<RunRecord> records(double[] kd) {
    List<RunRecord> records = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      long seed = i + 1;
      int d = i - 1;
      records.add(run("teacher", "digits", "cnn [8, 16] fc32", seed, TEACHER[i], 20_000, 500_000, Map.of(), List.of(), null, null,
          new InferenceCost(2.0 + 0.1 * d, 1000 + 100 * d, 80_123)));
      records.add(run("small", "digits", "cnn [4] fc8", seed, SMALL[i], 2_000, 50_000, Map.of(), List.of(), null, null,
          new InferenceCost(0.2 + 0.01 * d, 10_000 + 100 * d, 8_123)));
      List<EpochMetrics> kdHistory = List.of(
          epoch(1, Map.of("ce", 2.0, "kd", 1.0, "attention:stage1>stage2", 0.1)),
          epoch(2, terms("ce", 0.4 + 0.1 * i, "kd", 0.2, "attention:stage1>stage2", 0.0010 + 0.0002 * i)));
      records.add(run("kd", "digits", "cnn [4] fc8", seed, kd[i], 2_000, 50_000, Map.of(), kdHistory,
          new DistillationInfo("arm:teacher seed " + seed, "cnn [8, 16] fc32", 1, TEACHER[i], KD_LOSS,
              List.of("ce", "kd", "attention:stage1>stage2"), 4, 0.9, TEACHER_MODE, "same inputs as the student", "cached", 100, 75 + 5 * i),
          null, new InferenceCost(0.2 + 0.01 * d, 10_000 + 100 * d, 8_123)));
      records.add(run("deep", "digits", "mlp [16]", seed, 0.84 + 0.01 * d, 3 * 12_000, 3 * 12_000,
          Map.of("contrast 0.5", eval(0.64 + 0.01 * d, 1.0, 0.1), "rotation 15", eval(0.54 + 0.01 * d, 1.2, 0.1)), List.of(), null,
          ensemble(d), new InferenceCost(0.3, 3000, 3 * 48_123)));
      records.add(run("tiny", "few", "mlp [8]", seed, 0.75, 1_000, 1_000, Map.of(), List.of(),
          new DistillationInfo("arm:teacher seed " + seed, "cnn [8, 16] fc32", 1, TEACHER[i], "(1 − α)·CE + α·MSE(z_T, z_S)",
              List.of("ce", "logits"), 1, 0.9, TEACHER_MODE, "same inputs as the student", "live: teacher outputs change with augmentation", 0, 0),
          null, null));
    }
    return records;
  }

  /** Ensemble of k members: accuracy 0.80 + 0.02·(k − 1), NLL 0.6 − 0.1·(k − 1), ECE 0.05 − 0.01·(k − 1); seed offsets d. */
  private static EnsembleMetrics ensemble(int d) {
    List<EnsembleSizeMetrics> bySize = new ArrayList<>();
    for (int k = 1; k <= 3; k++) {
      bySize.add(new EnsembleSizeMetrics(k, 0.80 + 0.02 * (k - 1) + 0.01 * d, 0.6 - 0.1 * (k - 1) + 0.1 * d, 0.05 - 0.01 * (k - 1)));
    }
    Map<String, UncertaintyStats> uncertainty = new LinkedHashMap<>();
    uncertainty.put("rotation 15", new UncertaintyStats(0.7, 0.12, 0.05));
    uncertainty.put("test", new UncertaintyStats(0.3, 0.05, 0.02));
    uncertainty.put("contrast 0.5", new UncertaintyStats(0.6 + 0.1 * d, 0.1, 0.04));
    Map<String, Map<String, Double>> auroc = new LinkedHashMap<>();
    auroc.put("contrast 0.5", Map.of("entropy", 0.72 + 0.02 * d, "mutual-information", 0.8, "disagreement", 0.7));
    auroc.put("rotation 15", Map.of("entropy", 0.62 + 0.02 * d, "mutual-information", 0.7, "disagreement", 0.6));
    return new EnsembleMetrics(3, List.of(11L, 12L, 13L), bySize, eval(0.79 + 0.01 * d, 0.7 + 0.1 * d, 0.06), uncertainty, auroc);
  }

  private static Map<String, Double> terms(String a, double va, String b, double vb, String c, double vc) {
    Map<String, Double> terms = new LinkedHashMap<>();
    terms.put(a, va);
    terms.put(b, vb);
    terms.put(c, vc);
    return terms;
  }

  private static EpochMetrics epoch(int epoch, Map<String, Double> terms) {
    return new EpochMetrics(epoch, "train", 1.0, 0.5, 1.0, 0.5, 0.002, 1000, 1, terms);
  }

  private static EvalMetrics eval(double accuracy, double nll, double ece) {
    return new EvalMetrics(100, accuracy, nll, ece, List.of(), List.of());
  }

  private static RunRecord run(String arm, String task, String model, long seed, double accuracy, long parameters, long multiplyAdds,
      Map<String, EvalMetrics> shifted, List<EpochMetrics> history, DistillationInfo distillation, EnsembleMetrics ensemble,
      InferenceCost inference) {
    EvalMetrics test = eval(accuracy, 0.4 + 0.1 * seed, 0.01 * seed);
    return new RunRecord(RunRecord.SCHEMA_VERSION, "compress", arm, seed, task, "scratch", model, null, parameters, parameters,
        multiplyAdds, parameters * 4, 20, 20, 4, 4, 4, "last epoch 4", 0, 10, 1000, test, test, shifted, history, List.of(),
        distillation, ensemble, inference, null);
  }
}
