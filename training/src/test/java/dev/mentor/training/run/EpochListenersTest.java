package dev.mentor.training.run;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.record.RunEvent;
import dev.mentor.messages.spec.EarlyStoppingSpec;
import dev.mentor.messages.spec.ModelSpec;
import dev.mentor.messages.spec.OverfittingSpec;
import dev.mentor.messages.spec.ScheduleSpec;
import dev.mentor.training.loop.EarlyStopping;
import dev.mentor.training.loop.OverfittingDetector;
import dev.mentor.training.model.ModelZoo;
import dev.mentor.training.model.StagedModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stopping rules a run calls after every epoch, each on its own: what it keeps, what it says, when it stops. */
class EpochListenersTest {
  @TempDir Path dir;

  private static EpochMetrics epoch(int epoch, double trainLoss, double validationLoss) {
    return new EpochMetrics(epoch, "train", trainLoss, 0.5, validationLoss, 0.5, 0.001, 100, 1, Map.of());
  }

  @Test
  void overfittingWithStopEndsTheRunAndSaysAtWhichEpochItIsEvaluated() throws IOException {
    List<RunEvent> events = new ArrayList<>();
    PhaseProgress progress = new PhaseProgress(null, null);
    EarlyStopping best = new EarlyStopping(new EarlyStoppingSpec(Integer.MAX_VALUE, EarlyStoppingSpec.Metric.LOSS, 0.0));
    best.record(1, 0.5, Double.NaN);
    OverfittingRule rule = new OverfittingRule(new OverfittingDetector(2), new OverfittingSpec(2, true), best, progress, events::add);

    rule.epochEnded(1, epoch(1, 1.0, 0.5));
    rule.epochEnded(2, epoch(2, 0.9, 0.6));
    assertThat(progress.runStopped()).isFalse();
    rule.epochEnded(3, epoch(3, 0.8, 0.7));

    assertThat(progress.runStopped()).isTrue();
    assertThat(progress.phaseStopped()).isTrue();
    assertThat(events).singleElement().satisfies(e -> {
      assertThat(e.kind()).isEqualTo("overfitting");
      assertThat(e.epoch()).isEqualTo(3);
      assertThat(e.message()).endsWith("for 2 epochs; run stopped, evaluated at best validation epoch 1 by loss");
    });
  }

  @Test
  void overfittingWithoutStopIsOnlyReported() throws IOException {
    List<RunEvent> events = new ArrayList<>();
    PhaseProgress progress = new PhaseProgress(null, null);
    OverfittingRule rule = new OverfittingRule(new OverfittingDetector(1), new OverfittingSpec(1, false), null, progress, events::add);

    rule.epochEnded(1, epoch(1, 1.0, 0.5));
    rule.epochEnded(2, epoch(2, 0.9, 0.6));

    assertThat(events).extracting(RunEvent::message).containsExactly("training loss fell while validation loss rose for 1 epochs");
    assertThat(progress.phaseStopped()).isFalse();
  }

  @Test
  void earlyStoppingKeepsTheBestWeightsAndStopsThePhaseAfterItsPatience() throws IOException {
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = ModelZoo.create(new ModelSpec(ModelSpec.Type.MLP, List.of(4), null, null, null, null), 2, new Shape(1, 2, 2), manager, 1);
      PhaseProgress progress = new PhaseProgress(model, new Checkpoints(dir, model, Map.of()));
      List<RunEvent> events = new ArrayList<>();
      Phase phase = new Phase("train", Set.of("head"), null, ScheduleSpec.constant(), 5, new EarlyStoppingSpec(2, EarlyStoppingSpec.Metric.LOSS, 0.0));
      EarlyStoppingRule rule = new EarlyStoppingRule(new EarlyStopping(phase.earlyStopping()), phase, progress, events::add);

      rule.epochEnded(1, epoch(1, 1.0, 0.5));
      assertThat(progress.best()).as("epoch 1 improved: its weights are kept").isNotNull();
      rule.epochEnded(2, epoch(2, 0.9, 0.6));
      assertThat(progress.phaseStopped()).isFalse();
      rule.epochEnded(3, epoch(3, 0.8, 0.7));

      assertThat(progress.phaseStopped()).isTrue();
      assertThat(progress.runStopped()).as("early stopping ends the phase, not the run").isFalse();
      assertThat(events).extracting(RunEvent::message).containsExactly("train: no validation loss improvement for 2 epochs; best epoch 1");
    }
  }
}
