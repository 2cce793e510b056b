package dev.mentor.training.run;

import dev.mentor.messages.record.EpochMetrics;
import java.io.IOException;

/**
 * Work done when a training epoch of a phase has ended, in the spirit of DJL's
 * {@code TrainingListener}: a run calls its listeners in order after every epoch (selection
 * trackers, stopping rules, checkpoint, learning curve, peers, counters, notice). A stopping rule
 * is one listener that asks {@link PhaseProgress} to stop.
 */
@FunctionalInterface
interface EpochListener {
  void epochEnded(int epoch, EpochMetrics row) throws IOException;
}
