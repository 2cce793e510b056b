package dev.mentor.training.run;

import dev.mentor.training.engine.ParameterFile.Tensor;
import dev.mentor.training.model.ModelWeights;
import dev.mentor.training.model.StagedModel;
import java.io.IOException;
import java.util.Map;

/**
 * One phase of a run while it trains: epochs done in it, whether the phase or the whole run is to
 * stop, and the weights kept as the best candidate so far (also saved with the checkpoint, so a
 * resumed run selects the same epoch).
 */
final class PhaseProgress {
  private final StagedModel model;
  private final Checkpoints checkpoints;
  int epochsDone;
  private boolean stopPhase;
  private boolean stopRun;
  private Map<String, Tensor> best;

  PhaseProgress(StagedModel model, Checkpoints checkpoints) {
    this.model = model;
    this.checkpoints = checkpoints;
  }

  /** Keeps the model's weights now as the best candidate, and saves them. */
  void keepBest() throws IOException {
    best = ModelWeights.snapshot(model);
    checkpoints.saveBest(best);
  }

  /** The best candidate as saved by an earlier process (resume). */
  void restoreBest() throws IOException {
    best = checkpoints.loadBest();
  }

  Map<String, Tensor> best() {
    return best;
  }

  void stopPhase() {
    stopPhase = true;
  }

  /** Stops the phase and the phases after it. */
  void stopRun() {
    stopRun = true;
    stopPhase = true;
  }

  boolean phaseStopped() {
    return stopPhase;
  }

  boolean runStopped() {
    return stopRun;
  }
}
