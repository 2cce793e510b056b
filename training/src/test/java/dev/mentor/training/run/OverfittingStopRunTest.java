package dev.mentor.training.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.record.RunEvent;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run stopped by the overfitting detector ({@code overfitting: {stop: true}}) without early
 * stopping is evaluated with the weights of its best validation-loss epoch, not those of its last
 * epoch (which follow epochs of rising validation loss), also when it resumes from a checkpoint.
 */
class OverfittingStopRunTest {
  private static final long SEED = 3;
  private static final int PLANNED = 40;

  @TempDir Path straight;
  @TempDir Path interrupted;

  /** A handful of training samples, a high rate and a detector that stops after 2 epochs of divergence. */
  private static ExperimentSpec spec() {
    return SpecReader.parse("""
        name: overfit-stop
        seeds: [%d]
        data: {source: synthetic, syntheticClasses: 6, syntheticPerClass: 60}
        tasks:
          t: {classes: [0, 1, 2, 3, 4, 5], perClass: 3, validationPerClass: 20}
        arms:
          - name: a
            task: t
            model: {type: cnn, channels: [4, 8], hidden: 16}
            optimizer: {type: adam, lr: 0.01}
            epochs: %d
            batchSize: 6
            overfitting: {epochs: 2, stop: true}
        """.formatted(SEED, PLANNED));
  }

  @Test
  void stoppedRun_isEvaluatedWithItsBestValidationEpochsWeights() throws IOException {
    RunRecord run = new ExperimentRunner(spec(), straight, straight).run(RunListener.NONE).get(0);

    assertThat(run.epochsRun()).as("the detector stopped the run").isLessThan(PLANNED).isEqualTo(run.history().size());
    RunEvent stop = run.events().stream().filter(e -> e.kind().equals("overfitting")).findFirst().orElseThrow();
    assertThat(stop.epoch()).isEqualTo(run.epochsRun());
    assertThat(stop.message()).contains("run stopped");

    EpochMetrics best = run.history().stream().min(Comparator.comparingDouble(EpochMetrics::validationLoss)).orElseThrow();
    EpochMetrics last = run.history().get(run.history().size() - 1);
    assertThat(best.epoch()).as("validation loss rose after its best epoch").isLessThan(run.epochsRun());
    assertThat(run.selectedEpoch()).isEqualTo(best.epoch());
    assertThat(run.selection()).isEqualTo("best validation epoch " + best.epoch() + " by loss");
    assertThat(stop.message()).contains("best validation epoch " + best.epoch());
    // The evaluated weights are the best epoch's: their validation metrics are that epoch's, not the last one's.
    assertThat(run.validation().nll()).isCloseTo(best.validationLoss(), within(1e-5)).isLessThan(last.validationLoss());
    assertThat(run.validation().accuracy()).isCloseTo(best.validationAccuracy(), within(1e-9));
    assertThat(straight.resolve("overfit-stop").resolve("a-s" + SEED).resolve("best.params")).doesNotExist();
  }

  @Test
  void stoppedRun_resumedFromACheckpoint_selectsTheSameEpochAndWeights() throws IOException {
    RunRecord reference = new ExperimentRunner(spec(), straight, straight).run(RunListener.NONE).get(0);
    int stopEpoch = reference.epochsRun();
    assertThat(reference.selectedEpoch()).isLessThan(stopEpoch - 1);
    RunPaths paths = new RunPaths(interrupted.resolve("overfit-stop"));

    // Interrupted while training the stop epoch: the checkpoint is of an epoch after the best one, whose weights come from best.params.
    assertThatThrownBy(() -> new ExperimentRunner(spec(), interrupted, interrupted).run(failAt(stopEpoch, false)))
        .isInstanceOf(RunResumeTest.Interrupted.class);
    assertThat(paths.run("a", SEED).resolve("best.params")).isRegularFile();
    RunRecord resumed = new ExperimentRunner(spec(), interrupted, interrupted).run(RunListener.NONE).get(0);
    assertSame(resumed, reference);
    RunResumeTest.assertSameWeights(paths.finalWeights("a", SEED), new RunPaths(straight.resolve("overfit-stop")).finalWeights("a", SEED));

    // Interrupted after the stop epoch's checkpoint (the run already stopped), before its record was written.
    Files.delete(paths.results("a", SEED));
    Files.delete(paths.finalWeights("a", SEED));
    assertThatThrownBy(() -> new ExperimentRunner(spec(), interrupted, interrupted).run(failAt(stopEpoch, true)))
        .isInstanceOf(RunResumeTest.Interrupted.class);
    assertThat(paths.run("a", SEED).resolve("checkpoint").resolve("state.json")).isRegularFile();
    RunRecord stoppedThenResumed = new ExperimentRunner(spec(), interrupted, interrupted).run(RunListener.NONE).get(0);
    assertSame(stoppedThenResumed, reference);
    RunResumeTest.assertSameWeights(paths.finalWeights("a", SEED), new RunPaths(straight.resolve("overfit-stop")).finalWeights("a", SEED));
  }

  /**
   * LP-FT: the fine-tuning phase (no early stopping) starts from the probe's selected epoch, which
   * stays a candidate, so a run stopped while fine-tuning is evaluated at its lowest validation loss
   * over the probe's selection and the fine-tuning epochs. Here fine-tuning at a high rate never
   * gets back to the probe's validation loss: the probe's epoch is evaluated, also after a resume.
   */
  @Test
  void stoppedWhileFineTuning_selectsAmongTheProbesSelectionAndTheFineTuningEpochs() throws IOException {
    RunRecord run = new ExperimentRunner(lpFtSpec(), straight, straight).run(RunListener.NONE).get(1);

    assertThat(run.epochsRun()).as("the detector stopped the run").isLessThan(6 + PLANNED);
    assertThat(run.history().get(run.history().size() - 1).phase()).isEqualTo("finetune");
    EpochMetrics best = run.history().stream().min(Comparator.comparingDouble(EpochMetrics::validationLoss)).orElseThrow();
    assertThat(best.phase()).isEqualTo("probe");
    assertThat(run.selectedEpoch()).isEqualTo(best.epoch()).isLessThan(run.epochsRun());
    assertThat(run.selection()).isEqualTo("best validation epoch " + best.epoch() + " by loss");
    assertThat(run.validation().nll()).isCloseTo(best.validationLoss(), within(1e-5));

    // Interrupted during the last fine-tuning epoch: the probe's weights come back from best.params.
    assertThatThrownBy(() -> new ExperimentRunner(lpFtSpec(), interrupted, interrupted).run(failAt(run.epochsRun(), false)))
        .isInstanceOf(RunResumeTest.Interrupted.class);
    RunRecord resumed = new ExperimentRunner(lpFtSpec(), interrupted, interrupted).run(RunListener.NONE).get(1);
    assertSame(resumed, run);
  }

  private static ExperimentSpec lpFtSpec() {
    return SpecReader.parse("""
        name: overfit-lpft
        seeds: [%d]
        data: {source: synthetic, syntheticClasses: 6, syntheticPerClass: 60}
        tasks:
          s: {classes: [3, 4, 5]}
          t: {classes: [0, 1, 2], perClass: 3, validationPerClass: 20}
        defaults: {model: {type: cnn, channels: [4, 8], hidden: 16}, batchSize: 6}
        arms:
          - {name: pre, task: s, epochs: 1}
          - name: a
            task: t
            strategy: lp-ft
            init: {from: pre}
            lpFt: {epochs: 6, lr: 0.05, patience: 10}
            optimizer: {type: adam, lr: 0.03}
            epochs: %d
            overfitting: {epochs: 1, stop: true}
        """.formatted(SEED, PLANNED));
  }

  /** A listener that throws when epoch {@code epoch} finishes training ({@code saved}: once its checkpoint is written). */
  private static RunListener failAt(int epoch, boolean saved) {
    return new RunListener() {
      @Override
      public void epochFinished(String arm, long seed, EpochMetrics metrics) {
        if (!saved && metrics.epoch() == epoch) {
          throw new RunResumeTest.Interrupted();
        }
      }

      @Override
      public void epochSaved(String arm, long seed, int done) {
        if (saved && done == epoch) {
          throw new RunResumeTest.Interrupted();
        }
      }
    };
  }

  private static void assertSame(RunRecord actual, RunRecord expected) {
    assertThat(actual.epochsRun()).isEqualTo(expected.epochsRun());
    assertThat(actual.selectedEpoch()).isEqualTo(expected.selectedEpoch());
    assertThat(actual.selection()).isEqualTo(expected.selection());
    assertThat(actual.events()).isEqualTo(expected.events());
    assertThat(actual.validation()).isEqualTo(expected.validation());
    assertThat(actual.test()).isEqualTo(expected.test());
  }
}
