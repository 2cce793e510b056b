package dev.mentor.actors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mentor.messages.spec.SpecReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mentor explain-teacher} as a user runs it, each command in a JVM of its own, on a tiny
 * experiment run in-process first: a teacher arm, an ensemble arm and a checkpoint explained,
 * the printed view matching the one the teacher's run wrote, and bad requests refused with exit 2
 * naming the option and what it allows.
 */
class ExplainTeacherCommandTest {
  private static final String SPEC = """
      name: tiny
      seeds: [1]
      data: {source: synthetic, syntheticClasses: 4, syntheticPerClass: 40}
      tasks: {t: {classes: [0, 1, 2, 3]}}
      defaults: {task: t, epochs: 2, batchSize: 16}
      arms:
        - {name: teacher, model: {type: mlp, widths: [16]}}
        - {name: pair, model: {type: mlp, widths: [8]}, ensemble: {members: 2}}
        - {name: student, model: {type: mlp, widths: [8]}, distill: {teacher: {arm: teacher}}}
        - {name: from-pair, model: {type: mlp, widths: [8]}, distill: {teacher: {arm: pair}}}
      """;

  @TempDir Path dir;

  private ChildMentor.Result mentor(String... args) throws Exception {
    return ChildMentor.run(dir, args);
  }

  @Test
  void explainsAnArmAnEnsembleAndACheckpoint_asTheTeachersRunsSawThem_andRefusesBadRequestsNamingTheOption() throws Exception {
    Files.writeString(dir.resolve("tiny.yaml"), SPEC);
    ChildMentor.Result run = mentor("run", "tiny.yaml", "--in-process", "--output", "runs");
    assertThat(run.exitCode()).as(run.err()).isZero();

    ChildMentor.Result arm = mentor("explain-teacher", "tiny.yaml", "--arm", "teacher", "--output", "runs", "--out", "view");
    assertThat(arm.exitCode()).as(arm.err()).isZero();
    assertThat(arm.out()).contains("teacher: arm teacher seed 1; test split, 40 samples, 4 classes")
        .contains("| T | Mean entropy (nats) | Fraction of ln C | Mass on the true class |")
        .contains("Most confused class pairs, ranked at T = 4")
        .contains("| Rank | Pair | T = 1 | T = 2 | T = 4 (ranked) | T = 8 | T = 20 |")
        .containsPattern("\\| 1 \\| class-\\d / class-\\d \\|");
    // The run's file came from its test probabilities, the command from the teacher's logits: the same view.
    JsonNode written = SpecReader.json().readTree(dir.resolve("runs/tiny/teacher-s1/dark-knowledge.json").toFile());
    for (JsonNode level : written.get("levels")) {
      assertThat(arm.out()).contains(String.format(Locale.ROOT, "| %s | %.3f | %.3f |", level.get("temperature").asText().replace(".0", ""),
          level.get("meanEntropy").asDouble(), level.get("entropyFraction").asDouble()));
    }
    for (String t : new String[] {"1", "2", "4", "8", "20"}) {
      assertThat(ImageIO.read(dir.resolve("view/heatmap-T" + t + ".png").toFile()).getHeight()).isEqualTo(800);
    }
    assertThat(dir.resolve("view/entropy.png")).isRegularFile();

    ChildMentor.Result ensemble = mentor("explain-teacher", "tiny.yaml", "--arm", "pair", "--output", "runs", "--out", "pair",
        "--temperatures", "1,8", "--average", "logits", "--split", "validation");
    assertThat(ensemble.exitCode()).as(ensemble.err()).isZero();
    assertThat(ensemble.out()).contains("teacher: ensemble arm pair seed 1 (2 members); validation split").contains("members' logits averaged")
        .contains("ranked at T = 8");

    ChildMentor.Result checkpoint = mentor("explain-teacher", "tiny.yaml", "--checkpoint", "runs/tiny/teacher-s1/model.params",
        "--model", "{type: mlp, widths: [16]}", "--out", "checkpoint");
    assertThat(checkpoint.exitCode()).as(checkpoint.err()).isZero();
    assertThat(checkpoint.out()).contains("teacher: checkpoint ").contains("test split, 40 samples");
    assertThat(checkpoint.out().substring(checkpoint.out().indexOf("| T |"))).as("the arm's own weights: the arm's view")
        .startsWith(arm.out().substring(arm.out().indexOf("| T |"), arm.out().indexOf("heatmap:")));

    assertRefused(mentor("explain-teacher", "tiny.yaml", "--arm", "nobody", "--output", "runs"),
        "--arm must be one of 'teacher', 'pair', 'student', 'from-pair', got 'nobody'");
    assertRefused(mentor("explain-teacher", "tiny.yaml", "--arm", "teacher", "--output", "elsewhere"),
        "--output: no finished run of arm 'teacher' at seed 1 under elsewhere");
    assertRefused(mentor("explain-teacher", "tiny.yaml", "--arm", "teacher", "--output", "runs", "--temperatures", "1,2,-1"),
        "--temperatures[2] must be > 0, got -1");
    assertRefused(mentor("explain-teacher", "tiny.yaml", "--arm", "teacher", "--output", "runs", "--split", "holdout"),
        "--split must be one of test, validation, train, got 'holdout'");
  }

  private static void assertRefused(ChildMentor.Result result, String message) {
    assertThat(result.exitCode()).as(result.err()).isEqualTo(2);
    assertThat(result.err()).contains("mentor explain-teacher: " + message);
    assertThat(result.out()).isEmpty();
  }
}
