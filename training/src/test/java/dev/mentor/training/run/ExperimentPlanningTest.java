package dev.mentor.training.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecLimits;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.training.run.RunPlan.Task;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Experiments at the run limit parse, validate and plan: every run's dependencies and role are
 * looked up without scanning the arms. The timeout times nothing; it only stops a planner that has
 * become quadratic again (10^8 lookups) from hanging the build.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExperimentPlanningTest {
  private static final int CHAINS = 1000;
  private static final int STUDENTS = 2;
  private static final String HEAD = """
      name: wide
      seeds: %s
      data: {source: synthetic, syntheticClasses: 3, syntheticPerClass: 10}
      tasks:
        t: {classes: [0, 1, 2]}
      defaults: {task: t, model: {type: mlp, widths: [4]}, epochs: 1}
      arms:
      """;

  @TempDir Path output;

  /** {@code CHAINS} arms each fine-tuned by a later arm, {@code STUDENTS} students of the first ones, then plain arms up to the limit. */
  @Test
  void tenThousandArmsAtOneSeedAreValidatedAndPlanned() {
    StringBuilder text = new StringBuilder(HEAD.formatted("[7]"));
    for (int i = 0; i < CHAINS; i++) {
      text.append("  - {name: p").append(i).append("}\n");
      text.append("  - {name: f").append(i).append(", strategy: full, init: {from: p").append(i).append("}}\n");
    }
    for (int i = 0; i < STUDENTS; i++) {
      text.append("  - {name: s").append(i).append(", distill: {teacher: {arm: p").append(i).append("}}}\n");
    }
    for (int i = 2 * CHAINS + STUDENTS; i < SpecLimits.MAX_RUNS; i++) {
      text.append("  - {name: x").append(i).append("}\n");
    }
    assertThat(text.length()).isLessThanOrEqualTo(SpecLimits.MAX_SPEC_BYTES);

    ExperimentSpec spec = SpecReader.parse(text.toString());
    ExperimentRunner runner = new ExperimentRunner(spec, output, output);
    runner.validate();
    RunPlan plan = runner.plan();
    List<Task> runs = plan.tasks();

    assertThat(runs).hasSize(SpecLimits.MAX_RUNS);
    for (Task run : runs) {
      List<Task> needs = plan.needs(run);
      String role = plan.role(run);
      switch (run.arm().charAt(0)) {
        case 'p' -> {
          assertThat(needs).isEmpty();
          assertThat(role).isEqualTo("teacher");
        }
        case 'f' -> {
          assertThat(needs).containsExactly(Task.run("p" + run.arm().substring(1), 7));
          assertThat(role).isEqualTo("trainer");
        }
        case 's' -> {
          assertThat(needs).containsExactly(Task.run("p" + run.arm().substring(1), 7));
          assertThat(role).isEqualTo("student");
        }
        default -> {
          assertThat(needs).isEmpty();
          assertThat(role).isEqualTo("trainer");
        }
      }
      assertThat(spec.arm(run.arm()).name()).isEqualTo(run.arm());
    }
  }

  @Test
  void hundredArmsAtHundredSeedsAreValidatedAndPlanned() {
    String seeds = LongStream.rangeClosed(1, 100).mapToObj(Long::toString).collect(Collectors.joining(", ", "[", "]"));
    String arms = "  - {name: p0}\n" + IntStream.range(1, 100).mapToObj(i -> "  - {name: f" + i + ", strategy: full, init: {from: p0}}\n")
        .collect(Collectors.joining());

    ExperimentRunner runner = new ExperimentRunner(SpecReader.parse(HEAD.formatted(seeds) + arms), output, output);
    runner.validate();
    List<Task> runs = runner.plan().tasks();

    assertThat(runs).hasSize(10_000);
    assertThat(runs).allSatisfy(run -> assertThat(runner.plan().needs(run))
        .isEqualTo(run.arm().equals("p0") ? List.of() : List.of(Task.run("p0", run.seed()))));
    assertThat(runner.plan().role(Task.run("p0", 1))).isEqualTo("teacher");
    assertThat(runner.plan().role(Task.run("f99", 1))).isEqualTo("trainer");
  }
}
