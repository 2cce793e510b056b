package dev.mentor.actors.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchFiguresTest {
  private static final String DOC = """
      # Benchmarks

      | figure | recorded | better |
      |---|---|---|
      | `throughput cnn full 1t: Mentor / PyTorch` | 1.25 | higher |
      | overheads: share of wall | 0.08 | lower |

      Text after the table.
      | not | a | figure |
      """;

  @Test
  void recorded_readsTheFigureTableOnly() {
    Map<String, BenchFigures.Figure> recorded = BenchFigures.recorded(DOC);

    assertThat(recorded).containsOnlyKeys("throughput cnn full 1t: Mentor / PyTorch", "overheads: share of wall");
    assertThat(recorded.get("overheads: share of wall").value()).isEqualTo(0.08);
    assertThat(recorded.get("overheads: share of wall").better()).isEqualTo(BenchFigures.Better.LOWER);
  }

  @Test
  void compare_failsAFigureMoreThanTenPercentWorse_inTheDirectionThatIsWorse() {
    BenchFigures figures = new BenchFigures();
    figures.record("throughput cnn full 1t: Mentor / PyTorch", 1.10, BenchFigures.Better.HIGHER); // 12 % below 1.25
    figures.record("overheads: share of wall", 0.087, BenchFigures.Better.LOWER); // 8.7 % above 0.08: within tolerance
    figures.record("new figure", 3.0, BenchFigures.Better.HIGHER);

    List<BenchFigures.Comparison> comparisons = figures.compare(BenchFigures.recorded(DOC));

    assertThat(comparisons).extracting(BenchFigures.Comparison::regressed).containsExactly(true, false, false);
    assertThat(comparisons.get(2).recorded()).isNull();
    assertThat(BenchFigures.table(comparisons)).contains("REGRESSED").contains("not recorded");
  }

  @Test
  void compare_aBetterFigureNeverFails() {
    BenchFigures figures = new BenchFigures();
    figures.record("throughput cnn full 1t: Mentor / PyTorch", 2.0, BenchFigures.Better.HIGHER);
    figures.record("overheads: share of wall", 0.01, BenchFigures.Better.LOWER);

    assertThat(figures.compare(BenchFigures.recorded(DOC))).noneMatch(BenchFigures.Comparison::regressed);
  }

  @Test
  void recorded_namesAMalformedRow() {
    assertThatThrownBy(() -> BenchFigures.recorded("| figure | recorded | better |\n|---|---|---|\n| x | fast | higher |\n"))
        .hasMessageContaining("'x'").hasMessageContaining("fast");
  }

  @Test
  void childRun_parsesTheTimelineAndCpuLines() {
    ChildRun run = ChildRun.parse(10.0, List.of(
        "== cnn seed 1 finished",
        "timeline (ms after the JVM started):",
        "phase                        count   total ms   first ms    last ms",
        "validate: data and spec          1       1270        816       2086",
        "epoch: training steps            2       7000       3336      10606",
        "epoch: validation                2        500      13153      22065",
        "cpu: user 12.50 s, system 0.50 s (4 % system)"));

    assertThat(run.phaseMs()).containsExactly(Map.entry("validate: data and spec", 1270.0), Map.entry("epoch: training steps", 7000.0),
        Map.entry("epoch: validation", 500.0));
    assertThat(run.systemShare()).isEqualTo(0.5 / 13.0);
    assertThat(ChildRun.isOverhead("epoch: validation")).isTrue();
    assertThat(ChildRun.isOverhead("epoch: training steps")).isFalse();
  }
}
