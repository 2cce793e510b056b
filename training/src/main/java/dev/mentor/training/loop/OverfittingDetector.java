package dev.mentor.training.loop;

/**
 * Flags overfitting as the seed describes it: training loss still falling while validation
 * loss rises, for {@code epochs} consecutive epochs.
 */
public final class OverfittingDetector {
  private final int epochs;
  private double lastTrain = Double.NaN;
  private double lastValidation = Double.NaN;
  private int streak;

  public OverfittingDetector(int epochs) {
    this.epochs = epochs;
  }

  /** Records an epoch; returns true on the epoch where the streak reaches the threshold. */
  public boolean record(double trainLoss, double validationLoss) {
    boolean diverging = trainLoss < lastTrain && validationLoss > lastValidation;
    streak = diverging ? streak + 1 : 0;
    lastTrain = trainLoss;
    lastValidation = validationLoss;
    return streak == epochs;
  }

  public double[] state() {
    return new double[] {lastTrain, lastValidation, streak};
  }

  public void restore(double[] state) {
    lastTrain = state[0];
    lastValidation = state[1];
    streak = (int) state[2];
  }
}
