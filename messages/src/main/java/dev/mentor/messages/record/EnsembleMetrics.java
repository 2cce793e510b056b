package dev.mentor.messages.record;

import java.util.List;
import java.util.Map;

/**
 * What a deep ensemble adds over its members: metrics of the ensemble of the first
 * {@code k} members for k = 1..N on the test set ({@code bySize}), the average single member's
 * test metrics (the baseline an ensemble must beat), mean uncertainty on the validation set, the
 * test set and each shifted test set ({@code uncertainty}, keyed "validation", "test" and by shift
 * label; records written before the validation entry have none), and how well
 * each uncertainty measure separates shifted from in-distribution test inputs ({@code auroc},
 * shift label → measure → AUROC, 0.5 = no separation, 1 = perfect).
 */
public record EnsembleMetrics(
    int members,
    List<Long> memberSeeds,
    List<EnsembleSizeMetrics> bySize,
    EvalMetrics averageMember,
    Map<String, UncertaintyStats> uncertainty,
    Map<String, Map<String, Double>> auroc) {

  /** Test metrics of the ensemble of the first {@code size} members. */
  public record EnsembleSizeMetrics(int size, double accuracy, double nll, double ece) {}

  /**
   * Per-sample uncertainty averaged over a set (natural log): {@code entropy} of the mean
   * prediction (total), {@code mutualInformation} = entropy − mean member entropy (epistemic),
   * {@code disagreement} = Σ over classes of the variance of member probabilities.
   */
  public record UncertaintyStats(double entropy, double mutualInformation, double disagreement) {}
}
