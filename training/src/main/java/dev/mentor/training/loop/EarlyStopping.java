package dev.mentor.training.loop;

import dev.mentor.messages.spec.EarlyStoppingSpec;

/**
 * Patience on a validation metric: remembers the best epoch and says when {@code patience}
 * epochs have passed without an improvement larger than {@code minDelta}. Selection uses
 * validation data only, never test data.
 */
public final class EarlyStopping {
  private final EarlyStoppingSpec spec;
  private double best = Double.NaN;
  private int bestEpoch;
  private int sinceBest;

  public EarlyStopping(EarlyStoppingSpec spec) {
    this.spec = spec;
  }

  /** Records an epoch; returns true when it is the new best. */
  public boolean record(int epoch, double validationLoss, double validationAccuracy) {
    double value = spec.metric() == EarlyStoppingSpec.Metric.LOSS ? validationLoss : -validationAccuracy;
    if (Double.isNaN(best) || value < best - spec.minDelta()) {
      best = value;
      bestEpoch = epoch;
      sinceBest = 0;
      return true;
    }
    sinceBest++;
    return false;
  }

  public boolean shouldStop() {
    return sinceBest >= spec.patience();
  }

  public int bestEpoch() {
    return bestEpoch;
  }

  public EarlyStoppingSpec.Metric metric() {
    return spec.metric();
  }

  /** State for checkpoints: best value, best epoch, epochs since best. */
  public double[] state() {
    return new double[] {best, bestEpoch, sinceBest};
  }

  public void restore(double[] state) {
    best = state[0];
    bestEpoch = (int) state[1];
    sinceBest = (int) state[2];
  }
}
