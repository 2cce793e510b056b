package dev.mentor.actors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mentor.training.history.HistoryStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mentor run} goes through an embedded broker and the actor runtime, prints the run's
 * events and writes the report; started again it resumes (finished runs are not repeated); an
 * invalid spec exits 2 before any broker starts or anything is written.
 */
class RunCommandTest {
  @TempDir Path dir;

  private record Result(int code, String out, String err) {}

  private static Result mentor(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
    try {
      int code = MentorMain.commandLine().execute(args);
      return new Result(code, stdout.toString(StandardCharsets.UTF_8), stderr.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  @Test
  void runsThroughKafkaAndResumes() throws Exception {
    Path spec = dir.resolve("tiny.yaml");
    Files.writeString(spec, """
        name: tiny
        seeds: [1]
        data: {source: synthetic, syntheticClasses: 3, syntheticPerClass: 20}
        tasks:
          t: {classes: [0, 1, 2]}
        defaults: {task: t, epochs: 2, batchSize: 16}
        arms:
          - {name: teacher, model: {type: cnn, channels: [4, 8], hidden: 16}}
          - {name: student, model: {type: mlp, widths: [8]}, distill: {teacher: {arm: teacher}}}
        """);
    Path output = dir.resolve("runs");
    Result first = mentor("run", spec.toString(), "--output", output.toString());
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.out()).contains("== teacher seed 1, 2 epochs planned", "teacher seed 1 epoch 2 (train)", "== student seed 1 finished",
        "finished: 2 runs");
    assertThat(output.resolve("tiny").resolve("report.md")).isRegularFile();
    assertThat(output.resolve("tiny").resolve("student-s1").resolve("results.json")).isRegularFile();

    assertThat(history(output)).as("recorded by the service in <output>/history.db").containsExactly("tiny finished tiny 2 4");

    Result again = mentor("run", spec.toString(), "--output", output.toString());
    assertThat(again.code()).as(again.err()).isZero();
    assertThat(again.out()).contains("== teacher seed 1 finished: test accuracy").contains("(finished earlier)").doesNotContain("epoch 1 (train)");
    assertThat(history(output)).as("the same rows, not twice").containsExactly("tiny finished tiny 2 4");
  }

  /** Each experiment of the history: name, state, job id, finished runs, epochs. */
  private static List<String> history(Path output) throws Exception {
    try (HistoryStore store = HistoryStore.sqlite(output.resolve("history.db"))) {
      return store.query("SELECT e.name, e.state, e.job_id, (SELECT COUNT(*) FROM runs r WHERE r.experiment_id = e.id AND r.state = 'finished'),"
          + " (SELECT COUNT(*) FROM epochs p WHERE p.experiment_id = e.id) FROM experiments e", 10).rows().stream()
          .map(row -> String.join(" ", row.stream().map(String::valueOf).toList())).toList();
    }
  }

  @Test
  void invalidSpecExitsTwoBeforeAnythingStarts() throws Exception {
    Path spec = dir.resolve("bad.yaml");
    Files.writeString(spec, "name: bad\nseeds: [1]\ntasks: {t: {classes: [0, 1]}}\narms: [{name: a, task: t, model: {type: mlp},"
        + " distill: {teacher: {arm: a}, alpha: 2}}]\n");
    Result result = mentor("run", spec.toString(), "--output", dir.resolve("out").toString());
    assertThat(result.code()).isEqualTo(2);
    assertThat(result.err()).contains("invalid experiment: arms[0].distill");
    assertThat(dir.resolve("out")).doesNotExist();
  }
}
