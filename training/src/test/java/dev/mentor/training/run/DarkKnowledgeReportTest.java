package dev.mentor.training.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mentor.messages.record.EvalMetrics;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.DistillSpec.Average;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.training.distill.DarkKnowledge;
import dev.mentor.training.files.AtomicFiles;
import dev.mentor.training.report.ExperimentReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report's dark-knowledge view of a teacher, from the {@code dark-knowledge.json} files of its
 * runs at two seeds: a synthetic teacher of four Fashion-MNIST classes that confuses Shirt with
 * T-shirt/top most and Pullover with Coat second, the students distilling at T = 8.
 */
class DarkKnowledgeReportTest {
  private static final ExperimentSpec SPEC = SpecReader.parse("""
      name: tops
      seeds: [1, 2]
      data: {source: synthetic, syntheticClasses: 4}
      tasks: {tops: {classes: [0, 1, 2, 3]}}
      defaults: {task: tops, epochs: 2, batchSize: 16}
      arms:
        - {name: teacher, model: {type: cnn, channels: [4, 8], hidden: 16}}
        - {name: scratch, model: {type: mlp, widths: [8]}}
        - {name: kd, model: {type: mlp, widths: [8]}, distill: {teacher: {arm: teacher}, temperature: 8}}
      """);
  private static final List<String> CLASSES = List.of("T-shirt/top", "Pullover", "Coat", "Shirt");
  private static final List<Double> TEMPERATURES = List.of(1.0, 2.0, 4.0, 8.0, 20.0);

  @TempDir Path dir;

  /** 4 samples per class; own logit 6, Shirt and T-shirt/top give each other {@code shirt}, Pullover and Coat each other 2. */
  private static DarkKnowledge view(double shirt) {
    int n = 16;
    int[] labels = new int[n];
    float[] logits = new float[n * 4];
    for (int i = 0; i < n; i++) {
      int c = i % 4;
      labels[i] = c;
      logits[i * 4 + c] = 6;
      int partner = 3 - c;
      logits[i * 4 + partner] = (float) (c == 0 || c == 3 ? shirt : 2);
    }
    return DarkKnowledge.of("arm teacher", "test", logits, 1, labels, CLASSES, TEMPERATURES, Average.PROBABILITIES);
  }

  @Test
  void teacherViewsFromTheRunsFiles_pooledOverSeeds_nextToTheStudents_withHeatmapsAndTheEntropyChart() throws IOException {
    RunPaths paths = new RunPaths(dir.resolve("tops"));
    DarkKnowledge seed1 = view(4);
    DarkKnowledge seed2 = view(5);
    AtomicFiles.writeString(paths.run("teacher", 1).resolve(DarkKnowledge.FILE), SpecReader.toJson(seed1));
    AtomicFiles.writeString(paths.run("teacher", 2).resolve(DarkKnowledge.FILE), SpecReader.toJson(seed2));

    Map<String, List<DarkKnowledge>> views = DarkKnowledgeFiles.readAll(SPEC, paths);
    assertThat(views).containsOnlyKeys("teacher");
    String report = Files.readString(ExperimentReport.write(paths.experimentDir(), SPEC, records(), "test CPU", views));

    String section = report.substring(report.indexOf("#### Dark knowledge of teacher `teacher`"));
    assertThat(report.indexOf("### Distillation")).isPositive().isLessThan(report.indexOf("#### Dark knowledge"));
    assertThat(section).contains("What `teacher` passes on to `kd`: its soft targets on the test split, 32 samples pooled over 2 seeds.")
        .contains("How to read it:")
        .contains("as T grows every row tends to uniform (entropy → ln C = 1.386 nats)")
        .contains("Most confused class pairs, ranked at T = 8 (the students' temperature)")
        .contains("| Rank | Pair | T = 1 | T = 2 | T = 4 | T = 8 (ranked) | T = 20 |");
    // Equal class counts at both seeds: the pooled mass is the mean of the seeds' masses.
    String shirtMass = String.format(Locale.ROOT, "%.4f", (seed1.pairMass(8, 0, 3) + seed2.pairMass(8, 0, 3)) / 2);
    assertThat(section).contains("| 1 | T-shirt/top / Shirt |").contains(shirtMass + " |");
    String pairs = section.substring(section.indexOf("Most confused"));
    assertThat(pairs.lines().filter(l -> l.startsWith("| 2 |")).findFirst().orElseThrow()).startsWith("| 2 | Pullover / Coat |");
    double entropy = (seed1.level(20).meanEntropy() + seed2.level(20).meanEntropy()) / 2;
    assertThat(section).contains(String.format(Locale.ROOT, "| 20 | %.3f | %.3f |", entropy, entropy / Math.log(4)));
    for (String t : List.of("1", "2", "4", "8", "20")) {
      Path png = paths.experimentDir().resolve("charts/tops-teacher-teacher-T" + t + ".png");
      assertThat(section).contains("](charts/tops-teacher-teacher-T" + t + ".png)");
      assertThat(ImageIO.read(png.toFile()).getHeight()).isEqualTo(800);
    }
    assertThat(ImageIO.read(paths.experimentDir().resolve("charts/tops-teacher-teacher-entropy.png").toFile()).getWidth()).isEqualTo(800);
  }

  @Test
  void withoutTeacherFiles_theReportHasNoDarkKnowledge() throws IOException {
    RunPaths paths = new RunPaths(dir.resolve("tops"));
    Map<String, List<DarkKnowledge>> views = DarkKnowledgeFiles.readAll(SPEC, paths);
    assertThat(views).isEmpty();
    String report = Files.readString(ExperimentReport.write(paths.experimentDir(), SPEC, records(), "test CPU", views));
    assertThat(report).contains("### Distillation").doesNotContain("Dark knowledge");
    try (var charts = Files.list(paths.experimentDir().resolve("charts"))) {
      assertThat(charts.map(p -> p.getFileName().toString())).noneMatch(name -> name.contains("teacher-teacher"));
    }
  }

  private static List<RunRecord> records() {
    List<RunRecord> records = new ArrayList<>();
    for (long seed = 1; seed <= 2; seed++) {
      records.add(run("teacher", "cnn [4, 8] fc16", seed, 0.9));
      records.add(run("scratch", "mlp [8]", seed, 0.7));
      records.add(run("kd", "mlp [8]", seed, 0.75));
    }
    return records;
  }

  private static RunRecord run(String arm, String model, long seed, double accuracy) {
    EvalMetrics test = new EvalMetrics(16, accuracy, 0.5, 0.02, List.of(), List.of());
    return new RunRecord(RunRecord.SCHEMA_VERSION, "tops", arm, seed, "tops", "scratch", model, null, 1000, 1000, 1000, 4000, 64, 16, 2, 2,
        2, "last epoch 2", 0, 1, 100, test, test, Map.of(), List.of(), List.of(), null, null, null, null);
  }
}
