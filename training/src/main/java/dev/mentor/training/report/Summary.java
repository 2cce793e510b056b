package dev.mentor.training.report;

import java.util.Arrays;
import java.util.Locale;

/**
 * A metric over seeds: how many finite values {@code n} there were, their mean and their sample
 * standard deviation (divisor n − 1; 0 for a single value). Non-finite values (a diverged run's
 * NaN loss, say) are left out of {@link #of} rather than poisoning the mean, so {@code n} can be
 * smaller than the number of runs; a summary of no finite values has {@code n = 0} and formats as
 * "—". Mean and std are never NaN.
 */
public record Summary(int n, double mean, double std) {

  public Summary {
    if (n < 0 || !Double.isFinite(mean) || !Double.isFinite(std) || std < 0) {
      throw new IllegalArgumentException("not a summary: n=" + n + ", mean=" + mean + ", std=" + std);
    }
  }

  /** Summarises the finite values given; the others are not counted. */
  public static Summary of(double... values) {
    double[] finite = Arrays.stream(values).filter(Double::isFinite).toArray();
    if (finite.length == 0) {
      return new Summary(0, 0, 0);
    }
    double mean = Arrays.stream(finite).sum() / finite.length;
    if (finite.length == 1) {
      return new Summary(1, mean, 0);
    }
    double squares = Arrays.stream(finite).map(v -> (v - mean) * (v - mean)).sum();
    return new Summary(finite.length, mean, Math.sqrt(squares / (finite.length - 1)));
  }

  /** {@code mean ± std} with the given number of decimals, e.g. {@code 0.842 ± 0.012}. */
  public String format(int decimals) {
    return n == 0 ? "—" : String.format(Locale.ROOT, "%." + decimals + "f ± %." + decimals + "f", mean, std);
  }

  /** A fraction as percent with one decimal, e.g. {@code 84.2 ± 1.2} for a mean of 0.842. */
  public String formatPercent() {
    return new Summary(n, mean * 100, std * 100).format(1);
  }
}
