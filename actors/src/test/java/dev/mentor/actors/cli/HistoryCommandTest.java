package dev.mentor.actors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mentor.actors.cli.ChildMentor.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mentor run --in-process} records its experiment in {@code <output>/history.db}, and
 * {@code mentor history}, {@code history query} and {@code history rebuild} read and rebuild it,
 * each in a JVM of its own as a user runs them.
 */
class HistoryCommandTest {
  private static final String SPEC = """
      name: listed
      seeds: [1, 2]
      data: {source: synthetic, syntheticClasses: 3, syntheticPerClass: 20}
      tasks: {t: {classes: [0, 1, 2]}}
      defaults: {task: t, epochs: 2, batchSize: 16}
      arms:
        - {name: logreg, model: {type: logistic}}
        - {name: mlp, model: {type: mlp, widths: [8]}}
      """;

  @TempDir Path dir;

  private Result mentor(String... args) throws IOException, InterruptedException {
    return ChildMentor.run(dir, args);
  }

  @Test
  void anInProcessRunIsListedAndQueried_aWriteIsRefused_andARebuildHasTheSameRows() throws Exception {
    Files.writeString(dir.resolve("listed.yaml"), SPEC);
    Result run = mentor("run", "listed.yaml", "--in-process", "--output", "runs");
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(dir.resolve("runs/history.db")).isRegularFile();

    Result list = mentor("history", "--output", "runs");
    assertThat(list.exitCode()).as(list.err()).isZero();
    assertThat(list.out().lines().toList()).hasSize(2);
    assertThat(list.out().lines().skip(1).findFirst().orElseThrow()).startsWith("listed").contains("finished", "4/4");

    String epochs = "SELECT arm, seed, epoch FROM epochs ORDER BY arm, seed, epoch";
    Result csv = mentor("history", "query", epochs, "--output", "runs", "--format", "csv");
    assertThat(csv.exitCode()).as(csv.err()).isZero();
    assertThat(csv.out().lines().toList()).containsExactly("arm,seed,epoch", "logreg,1,1", "logreg,1,2", "logreg,2,1", "logreg,2,2", "mlp,1,1",
        "mlp,1,2", "mlp,2,1", "mlp,2,2");

    Result json = mentor("history", "query", "SELECT arm, test_accuracy FROM runs WHERE seed = 1 ORDER BY arm", "--output", "runs", "--format", "json");
    assertThat(json.exitCode()).as(json.err()).isZero();
    assertThat(json.out()).contains("\"arm\" : \"logreg\"", "\"test_accuracy\" : 0.");

    Result delete = mentor("history", "query", "DELETE FROM epochs", "--output", "runs");
    assertThat(delete.exitCode()).isEqualTo(1);
    assertThat(delete.err()).contains("only SELECT and WITH");

    Result rebuild = mentor("history", "rebuild", "--output", "runs", "--history", dir.resolve("rebuilt.db").toString());
    assertThat(rebuild.exitCode()).as(rebuild.err()).isZero();
    assertThat(rebuild.out()).contains("1 experiments, 4 finished runs, 8 epochs");
    Result rebuilt = mentor("history", "query", epochs, "--history", dir.resolve("rebuilt.db").toString(), "--format", "csv");
    assertThat(rebuilt.out()).isEqualTo(csv.out());

    Result none = mentor("history", "--output", "elsewhere");
    assertThat(none.exitCode()).isEqualTo(1);
    assertThat(none.err()).contains("no history database", "mentor history rebuild");
  }
}
