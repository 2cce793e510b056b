package dev.mentor.training.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.record.RunEvent;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** A run that overfits a handful of samples stops early and reports the best validation epoch. */
class EarlyStoppingRunTest {
  private static final int PLANNED = 40;

  @TempDir Path output;

  @ParameterizedTest(name = "patience {0}")
  @ValueSource(ints = {1, 3})
  void overfittingRunStopsEarlyAndReportsTheBestValidationEpoch(int patience) throws IOException {
    ExperimentSpec spec = SpecReader.parse("""
        name: stopping
        seeds: [3]
        data: {source: synthetic, syntheticClasses: 6, syntheticPerClass: 60}
        tasks:
          t: {classes: [0, 1, 2, 3, 4, 5], perClass: 3, validationPerClass: 20}
        arms:
          - name: overfit
            task: t
            model: {type: cnn, channels: [4, 8], hidden: 16}
            optimizer: {type: adam, lr: 0.01}
            epochs: %d
            batchSize: 6
            earlyStopping: {patience: %d, metric: loss}
        """.formatted(PLANNED, patience));
    List<String> heard = new java.util.ArrayList<>();
    List<RunRecord> records = new ExperimentRunner(spec, output, output).run(new RunListener() {
      @Override
      public void epochFinished(String arm, long seed, EpochMetrics metrics) {
        heard.add("epoch " + metrics.epoch());
      }

      @Override
      public void runEvent(String arm, long seed, RunEvent event) {
        heard.add(event.kind() + " at " + event.epoch());
      }

      @Override
      public void runFinished(RunRecord record, boolean fromCache) {
        heard.add("finished");
      }
    });
    RunRecord run = records.get(0);

    assertThat(heard).as("told as it happens: after its epoch, before the run ends")
        .containsSubsequence("epoch " + run.epochsRun(), "early-stopping at " + run.epochsRun(), "finished");
    assertThat(run.epochsPlanned()).isEqualTo(PLANNED);
    assertThat(run.epochsRun()).isLessThan(PLANNED).isEqualTo(run.history().size());
    assertThat(run.events()).extracting(RunEvent::kind).contains("early-stopping");
    RunEvent stop = run.events().stream().filter(e -> e.kind().equals("early-stopping")).findFirst().orElseThrow();
    assertThat(stop.epoch()).isEqualTo(run.epochsRun());
    assertThat(run.selection()).contains("best validation");

    EpochMetrics best = run.history().stream().min(Comparator.comparingDouble(EpochMetrics::validationLoss)).orElseThrow();
    assertThat(run.selectedEpoch()).isEqualTo(best.epoch()).isLessThan(run.epochsRun()).isGreaterThan(1);
    assertThat(run.epochsRun()).as("stops once patience runs out").isEqualTo(best.epoch() + patience);
    assertThat(stop.message()).contains("best epoch " + best.epoch());
    // The reported weights are the best epoch's: their validation loss is that epoch's, not the last one's.
    assertThat(run.validation().nll()).isCloseTo(best.validationLoss(), within(1e-5));
    assertThat(run.validation().accuracy()).isCloseTo(best.validationAccuracy(), within(1e-9));
  }

  @Test
  void selectionNamesTheSelectedEpoch() throws IOException {
    ExperimentSpec spec = SpecReader.parse("""
        name: selection
        seeds: [3]
        data: {source: synthetic, syntheticClasses: 6, syntheticPerClass: 60}
        tasks:
          t: {classes: [0, 1, 2, 3, 4, 5], perClass: 3, validationPerClass: 20}
        defaults: {task: t, model: {type: cnn, channels: [4, 8], hidden: 16}, optimizer: {type: adam, lr: 0.01}, batchSize: 6}
        arms:
          - {name: stopped, epochs: %d, earlyStopping: {patience: 1}}
          - {name: last, epochs: 2}
        """.formatted(PLANNED));
    List<RunRecord> records = new ExperimentRunner(spec, output, output).run(RunListener.NONE);
    RunRecord stopped = records.get(0);
    assertThat(stopped.selection()).isEqualTo("best validation epoch " + stopped.selectedEpoch() + " by loss");
    assertThat(records.get(1).selection()).isEqualTo("last epoch 2");
  }
}
