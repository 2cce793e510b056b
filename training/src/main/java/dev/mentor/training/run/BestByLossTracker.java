package dev.mentor.training.run;

import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.training.loop.EarlyStopping;
import java.io.IOException;

/**
 * Keeps the weights of the best validation-loss epoch so far, so that a run the overfitting
 * detector stops is evaluated with them rather than after its epochs of rising validation loss.
 */
final class BestByLossTracker implements EpochListener {
  private final EarlyStopping tracker;
  private final PhaseProgress progress;

  BestByLossTracker(EarlyStopping tracker, PhaseProgress progress) {
    this.tracker = tracker;
    this.progress = progress;
  }

  @Override
  public void epochEnded(int epoch, EpochMetrics row) throws IOException {
    if (tracker.record(epoch, row.validationLoss(), row.validationAccuracy())) {
      progress.keepBest();
    }
  }
}
