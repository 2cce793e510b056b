package dev.mentor.training.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.training.distill.DarkKnowledge;
import dev.mentor.training.eval.GenerationEnsemble;
import dev.mentor.training.distill.ProgressiveSelfDistillation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Born-again generations (each taught by the ensemble of the earlier ones) and a PS-KD arm, run end
 * to end on synthetic data with the real engine: the plan runs each generation after its teachers,
 * the records name them, the baseline gets the generations' budget, and PS-KD's loss is the
 * label and past-prediction terms mixed by the growing α_t.
 */
class SelfDistillationRunTest {
  private static final String SPEC = """
      name: self
      seeds: [5]
      data: {source: synthetic, syntheticClasses: 3, syntheticPerClass: 60}
      tasks:
        all: {classes: [0, 1, 2]}
      defaults: {epochs: 2, batchSize: 32, optimizer: {lr: 0.01}, model: {type: cnn, channels: [2, 4], hidden: 8}}
      arms:
        - {name: ban, task: all, bornAgain: {generations: 3, teacher: all}, distill: {temperature: 1, alpha: 1}}
        - {name: pskd, task: all, epochs: 4, psKd: {alpha: 0.8}}
      """;

  @TempDir static Path output;
  private static Map<String, RunRecord> records;
  private static RunPaths paths;

  @BeforeAll
  static void runExperiment() throws IOException {
    ExperimentRunner runner = new ExperimentRunner(SpecReader.parse(SPEC), output, output);
    paths = runner.paths();
    records = runner.run(new RunListener() { }).stream().collect(Collectors.toMap(RunRecord::arm, Function.identity()));
  }

  @Test
  void eachGenerationIsARunTaughtByTheEarlierOnes_andTheBaselineHasTheirBudget() {
    assertThat(records).containsOnlyKeys("ban-g1", "ban-g2", "ban-g3", "ban-scratch", "pskd");
    assertThat(records.get("ban-g1").distillation()).isNull();
    assertThat(records.get("ban-g2").teacher()).isEqualTo("arm ban-g1 seed 5");
    assertThat(records.get("ban-g3").teacher()).isEqualTo("ensemble of arms ban-g1, ban-g2 seed 5");
    assertThat(records.get("ban-g3").distillation().teacherMembers()).isEqualTo(2);
    assertThat(records.get("ban-g3").distillation().loss()).contains("T²·KL(p_T‖p_S)");
    assertThat(records.get("ban-g3").history()).allSatisfy(e -> assertThat(e.trainLoss()).isCloseTo(e.terms().get("kd"), within(1e-4)));
    assertThat(records.get("ban-scratch").epochsRun()).isEqualTo(6);
    // Each later generation is a new initialisation (its own mix of the run's seed); its record keeps the run's seed for pairing.
    ExperimentSpec spec = SpecReader.parse(SPEC);
    assertThat(RunExecutor.generationSeed(spec.arm("ban-g1"), 5)).isEqualTo(5);
    assertThat(RunExecutor.generationSeed(spec.arm("ban-scratch"), 5)).isEqualTo(5);
    assertThat(RunExecutor.generationSeed(spec.arm("ban-g2"), 5)).isNotEqualTo(5).isNotEqualTo(RunExecutor.generationSeed(spec.arm("ban-g3"), 5));
    assertThat(records.values()).allSatisfy(r -> assertThat(r.seed()).isEqualTo(5));
    assertThat(records.get("ban-g2").epochsRun()).isEqualTo(2);
    for (String arm : records.keySet()) {
      assertThat(Files.isRegularFile(paths.finalWeights(arm, 5))).as(arm).isTrue();
    }
  }

  @Test
  void eachLaterGenerationIsEvaluatedWithTheOnesBeforeIt_asTheirEnsemble() throws IOException {
    GenerationEnsemble three = SpecReader.json().readValue(paths.run("ban-g3", 5).resolve(GenerationEnsemble.FILE).toFile(),
        GenerationEnsemble.class);
    assertThat(three.members()).containsExactly("ban-g1", "ban-g2", "ban-g3");
    assertThat(three.test().samples()).isEqualTo(records.get("ban-g3").test().samples());
    assertThat(three.test().accuracy()).isBetween(0.0, 1.0);
    assertThat(paths.run("ban-g2", 5).resolve(GenerationEnsemble.FILE)).isRegularFile();
    assertThat(paths.run("ban-g1", 5).resolve(GenerationEnsemble.FILE)).as("one generation is no ensemble").doesNotExist();
    // Generation 3 learnt from the ensemble of generations 1-2, whose test accuracy its record took through the teacher's own path.
    GenerationEnsemble two = SpecReader.json().readValue(paths.run("ban-g2", 5).resolve(GenerationEnsemble.FILE).toFile(),
        GenerationEnsemble.class);
    assertThat(two.members()).containsExactly("ban-g1", "ban-g2");
    assertThat(two.test().accuracy()).isEqualTo(records.get("ban-g3").distillation().teacherTestAccuracy());
    ExperimentSpec spec = SpecReader.readResolved(paths.spec());
    RunPaths same = new RunPaths(paths.experimentDir());
    assertThat(GenerationEnsembles.readAll(spec, same).get("ban-g3")).containsExactly(three);
  }

  @Test
  void psKd_mixesTheLabelsWithItsOwnPastPredictions_withAGrowingWeight() {
    var history = records.get("pskd").history();
    assertThat(history).hasSize(4);
    assertThat(history).allSatisfy(e -> assertThat(e.terms())
        .containsOnlyKeys(ProgressiveSelfDistillation.LABEL_TERM, ProgressiveSelfDistillation.PAST_TERM));
    EpochMetrics first = history.get(0);
    assertThat(first.terms().get(ProgressiveSelfDistillation.PAST_TERM)).as("before any prediction, the past is the labels")
        .isCloseTo(first.terms().get(ProgressiveSelfDistillation.LABEL_TERM), within(1e-5));
    for (EpochMetrics e : history) {
      double alpha = 0.8 * e.epoch() / 4;
      assertThat(e.trainLoss()).as("epoch %d", e.epoch()).isCloseTo((1 - alpha) * e.terms().get(ProgressiveSelfDistillation.LABEL_TERM)
          + alpha * e.terms().get(ProgressiveSelfDistillation.PAST_TERM), within(1e-4));
    }
    EpochMetrics later = history.get(2);
    assertThat(later.terms().get(ProgressiveSelfDistillation.PAST_TERM)).as("soft past predictions are not the labels")
        .isNotCloseTo(later.terms().get(ProgressiveSelfDistillation.LABEL_TERM), within(1e-3));
    assertThat(records.get("pskd").test().accuracy()).isGreaterThan(0.5);
  }

  @Test
  void theReportHasAGenerationTableWithChartsAndThePsKdTable() throws IOException {
    String report = Files.readString(paths.experimentDir().resolve("report.md"));
    assertThat(report).contains("### Born-again generations `ban`, task `all`")
        .contains("generation k+1 from the ensemble of generations 1..k")
        .contains("| 3 | `ban-g3` | 2 (6) |")
        .contains("| scratch, same total budget | `ban-scratch` | 6 |")
        .contains("Last generation against the equal-budget baseline: `ban-g3` − `ban-scratch`")
        .contains("### Progressive self-knowledge distillation (PS-KD)")
        .contains("| `pskd` | 0.80 | 4 |");
    assertThat(paths.experimentDir().resolve("charts/all-born-again-ban-accuracy.png")).isRegularFile();
    assertThat(report).contains("| ensemble of generations 1...2 | — | 4 in all |").contains("| ensemble of generations 1...3 | — | 6 in all |")
        .contains("the born-again network ensemble of Furlanello et al.");
    // The generation taught by an ensemble of arms has no teacher run to write its view: its own runs write it.
    assertThat(paths.run("ban-g3", 5).resolve(DarkKnowledgeFiles.STUDENT_FILE)).isRegularFile();
    assertThat(paths.run("ban-g2", 5).resolve(DarkKnowledgeFiles.STUDENT_FILE)).as("taught by one arm, which writes its view").doesNotExist();
    assertThat(paths.run("ban-g1", 5).resolve(DarkKnowledge.FILE)).isRegularFile();
    assertThat(report).contains("#### Dark knowledge of teacher `ban-g1`")
        .contains("#### Dark knowledge of teacher `ensemble of arms ban-g1, ban-g2`");
    assertThat(paths.experimentDir().resolve("charts/all-born-again-ban-nll.png")).isRegularFile();
  }
}
