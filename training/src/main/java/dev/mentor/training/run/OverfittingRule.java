package dev.mentor.training.run;

import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.record.RunEvent;
import dev.mentor.messages.spec.OverfittingSpec;
import dev.mentor.training.loop.EarlyStopping;
import dev.mentor.training.loop.OverfittingDetector;
import java.util.function.Consumer;

/**
 * Reports overfitting (training loss falling while validation loss rises for {@code epochs}
 * epochs) as a run event and, with {@code stop: true}, stops the run; {@code bestByLoss} (may be
 * null) names the epoch the stopped run is evaluated at.
 */
final class OverfittingRule implements EpochListener {
  private final OverfittingDetector detector;
  private final OverfittingSpec spec;
  private final EarlyStopping bestByLoss;
  private final PhaseProgress progress;
  private final Consumer<RunEvent> events;

  OverfittingRule(OverfittingDetector detector, OverfittingSpec spec, EarlyStopping bestByLoss, PhaseProgress progress, Consumer<RunEvent> events) {
    this.detector = detector;
    this.spec = spec;
    this.bestByLoss = bestByLoss;
    this.progress = progress;
    this.events = events;
  }

  @Override
  public void epochEnded(int epoch, EpochMetrics row) {
    if (!detector.record(row.trainLoss(), row.validationLoss())) {
      return;
    }
    String stopped = !spec.stop() ? ""
        : bestByLoss != null ? "; run stopped, evaluated at best validation epoch " + bestByLoss.bestEpoch() + " by loss"
        : "; run stopped";
    events.accept(new RunEvent(epoch, "overfitting", "training loss fell while validation loss rose for " + spec.epochs() + " epochs" + stopped));
    if (spec.stop()) {
      progress.stopRun();
    }
  }
}
