package dev.mentor.training.run;

import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.record.RunEvent;
import dev.mentor.training.loop.EarlyStopping;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * Early stopping of one phase: keeps the weights of the best validation epoch by the phase's
 * metric and stops the phase after {@code patience} epochs without improvement, saying so in a
 * run event.
 */
final class EarlyStoppingRule implements EpochListener {
  private final EarlyStopping stopping;
  private final Phase phase;
  private final PhaseProgress progress;
  private final Consumer<RunEvent> events;

  EarlyStoppingRule(EarlyStopping stopping, Phase phase, PhaseProgress progress, Consumer<RunEvent> events) {
    this.stopping = stopping;
    this.phase = phase;
    this.progress = progress;
    this.events = events;
  }

  @Override
  public void epochEnded(int epoch, EpochMetrics row) throws IOException {
    if (stopping.record(epoch, row.validationLoss(), row.validationAccuracy())) {
      progress.keepBest();
    }
    if (stopping.shouldStop()) {
      events.accept(new RunEvent(epoch, "early-stopping", phase.name() + ": no validation " + stopping.metric()
          + " improvement for " + phase.earlyStopping().patience() + " epochs; best epoch " + stopping.bestEpoch()));
      progress.stopPhase();
    }
  }
}
