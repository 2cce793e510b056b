package dev.mentor.training.report;

import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ArmSpec;
import java.math.BigDecimal;
import java.util.Locale;
import java.util.function.ToLongFunction;

/**
 * Cell formats shared by the report's tables, so one quantity reads the same in every table:
 * rates as plain decimals, counts grouped by thousands, a value shared by an arm's runs (or its
 * range), a summary flagged with its n when it covers fewer runs than the row.
 */
final class Cells {
  private Cells() {}

  /** The arm's learning rate, with LP-FT's probe rate after it. */
  static String learningRate(ArmSpec arm) {
    return plain(arm.optimizer().lr()) + (arm.lpFt() == null ? "" : "; probe " + plain(arm.lpFt().lr()));
  }

  /** Planned epochs, and the mean epochs run when a run stopped early or ran longer. */
  static String epochs(ArmResults arm) {
    String planned = range(arm, RunRecord::epochsPlanned);
    if (arm.runs().stream().allMatch(r -> r.epochsRun() == r.epochsPlanned())) {
      return planned;
    }
    double meanRun = arm.summarise(RunRecord::epochsRun).mean();
    return planned + " (mean run " + plain(Math.round(meanRun * 10) / 10.0) + ")";
  }

  /** {@code formatted}, followed by "(n=k)" when the summary covers fewer than {@code runs} runs. */
  static String withN(Summary summary, String formatted, int runs) {
    return summary.n() > 0 && summary.n() < runs ? formatted + " (n=" + summary.n() + ")" : formatted;
  }

  /** The value shared by the arm's runs, or {@code min–max} when they differ. */
  static String range(ArmResults arm, ToLongFunction<RunRecord> value) {
    long min = arm.runs().stream().mapToLong(value).min().orElseThrow();
    long max = arm.runs().stream().mapToLong(value).max().orElseThrow();
    return min == max ? grouped(min) : grouped(min) + "–" + grouped(max);
  }

  /** A difference in percentage points with its sign, e.g. {@code +2.0 ± 0.5}; "—" without values. */
  static String signedPoints(Summary points) {
    return points.n() == 0 ? "—" : String.format(Locale.ROOT, "%+.1f ± %.1f", points.mean(), points.std());
  }

  /** Mean ± std grouped by thousands without decimals, e.g. {@code 12,400 ± 310}. */
  static String groupedSummary(Summary summary) {
    return summary.n() == 0 ? "—" : String.format(Locale.ROOT, "%,.0f ± %,.0f", summary.mean(), summary.std());
  }

  /**
   * Test accuracy of {@code arm} minus {@code other}'s in points: mean ± std of the per-seed
   * differences over the seeds both ran; without shared seeds, the difference of means ± pooled std.
   */
  static String accuracyDifference(ArmResults arm, ArmResults other) {
    Summary paired = arm.pairedDifference(other, ArmResults::testAccuracy);
    if (paired.n() > 0) {
      Summary points = new Summary(paired.n(), paired.mean() * 100, paired.std() * 100);
      return withN(points, signedPoints(points), arm.runs().size());
    }
    if (arm.testAccuracy().n() == 0 || other.testAccuracy().n() == 0) {
      return "—";
    }
    Comparison unpaired = Comparison.of(arm.testAccuracy(), other.testAccuracy());
    return signedPoints(new Summary(1, unpaired.points(), unpaired.pooledStdPoints())) + " (unpaired: no shared seeds; ± pooled std)";
  }

  static String plain(double value) {
    return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
  }

  static String grouped(long value) {
    return String.format(Locale.ROOT, "%,d", value);
  }

  static String quote(String name) {
    return "`" + name + "`";
  }
}
