package dev.mentor.actors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mentor compare} as a user runs it, each command in a JVM of its own: two experiments run
 * in-process into one history, then compared by name (best arm on validation) and by arm.
 */
class CompareCommandTest {
  private static final String SPEC = """
      name: %s
      seeds: [1, 2]
      data: {source: synthetic, syntheticClasses: 3, syntheticPerClass: 20}
      tasks: {t: {classes: [0, 1, 2]}}
      defaults: {task: t, epochs: %d, batchSize: 16}
      arms:
        - {name: logreg, model: {type: logistic}}
        - {name: mlp, model: {type: mlp, widths: [8]}}
      """;

  @TempDir Path dir;

  private ChildMentor.Result mentor(String... args) throws Exception {
    return ChildMentor.run(dir, args);
  }

  @Test
  void twoExperimentsOfTheHistorySideBySide_byBestArmAndByNamedArm_withAChart() throws Exception {
    Files.writeString(dir.resolve("short.yaml"), SPEC.formatted("short", 1));
    Files.writeString(dir.resolve("long.yaml"), SPEC.formatted("long", 3));
    for (String spec : List.of("short.yaml", "long.yaml")) {
      ChildMentor.Result run = mentor("run", spec, "--in-process", "--output", "runs");
      assertThat(run.exitCode()).as(run.err()).isZero();
    }

    ChildMentor.Result compare = mentor("compare", "short:mlp", "long", "long:logreg", "--output", "runs", "--chart", "curves.png");
    assertThat(compare.exitCode()).as(compare.err()).isZero();
    assertThat(compare.out()).containsPattern("\\| metric \\| `short:mlp` \\| `long:(mlp|logreg)` \\| `long:logreg` \\|")
        .contains("| arm chosen | named | best on validation | named |")
        .contains("| n (seeds) | 2 | 2 | 2 |")
        .contains("| epochs run | 1.0 ± 0.0 | 3.0 ± 0.0 | 3.0 ± 0.0 |")
        .contains("| verdict | baseline |");
    assertThat(ImageIO.read(dir.resolve("curves.png").toFile()).getHeight()).isEqualTo(500);

    ChildMentor.Result unknown = mentor("compare", "short", "nothing", "--output", "runs", "--chart", "none");
    assertThat(unknown.exitCode()).isEqualTo(2);
    assertThat(unknown.err()).contains("no experiment 'nothing'");
  }
}
