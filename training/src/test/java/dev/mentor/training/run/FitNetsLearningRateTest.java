package dev.mentor.training.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.training.optim.Schedule;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The learning rate a FitNets student logs per epoch is the student's own (its last trained
 * stage's: the head's peak rate after warmup and decay once the head trains), never that of the
 * regressor, which trains with it but is not part of the student.
 */
class FitNetsLearningRateTest {
  private static final double LR = 0.01;
  private static final String SPEC = """
      name: fitnets-rate
      seeds: [5]
      data: {source: synthetic, syntheticClasses: 3, syntheticPerClass: 40}
      tasks:
        all: {classes: [0, 1, 2]}
      defaults: {batchSize: 32, model: {type: cnn, channels: [2, 4], hidden: 8}}
      arms:
        - {name: teacher, task: all, epochs: 1, model: {type: cnn, channels: [4, 8], hidden: 16}}
        - name: one-stage
          task: all
          epochs: 3
          optimizer: {lr: %s, layerDecay: 0.5}
          schedule: {warmupEpochs: 1, decay: cosine}
          distill: {teacher: {arm: teacher}, features: [{method: fitnets, pairs: [{student: stage1, teacher: stage2}]}]}
        - name: two-stage
          task: all
          epochs: 2
          optimizer: {lr: %s, layerDecay: 0.5}
          schedule: {warmupEpochs: 1, decay: cosine}
          distill: {teacher: {arm: teacher}, features: [{method: fitnets, pairs: [{student: stage2, teacher: stage2}], hintEpochs: 1}]}
      """.formatted(LR, LR);

  @TempDir static Path output;
  private static ExperimentSpec spec;
  private static Map<String, RunRecord> records;

  @BeforeAll
  static void runExperiment() throws IOException {
    spec = SpecReader.parse(SPEC);
    records = new ExperimentRunner(spec, output, output).run(RunListener.NONE).stream()
        .collect(Collectors.toMap(RunRecord::arm, Function.identity()));
  }

  @Test
  void oneStageFitNets_logsTheStudentsScheduledRate() {
    RunRecord run = records.get("one-stage");
    List<EpochMetrics> history = run.history();
    assertThat(history).hasSize(3).allSatisfy(e -> assertThat(e.terms()).containsKey("fitnets:stage1>stage2"));
    for (EpochMetrics row : history) {
      assertThat(row.learningRate()).as("epoch %d", row.epoch()).isCloseTo(scheduled(run, row.epoch()), within(1e-12));
    }
  }

  @Test
  void twoStageFitNets_logsTheGuidedStagesRateInTheHintPhase_andTheHeadsAfterIt() {
    RunRecord run = records.get("two-stage");
    List<EpochMetrics> history = run.history();
    assertThat(history).extracting(EpochMetrics::phase).containsExactly("hint", "train", "train");
    // The hint phase trains stage1 and stage2 (constant schedule); stage2, two stages below the head, learns at 0.5² of the peak.
    assertThat(history.get(0).learningRate()).as("hint phase").isCloseTo((float) (LR * 0.25), within(1e-12));
    for (EpochMetrics row : history.subList(1, 3)) {
      assertThat(row.learningRate()).as("epoch %d", row.epoch()).isCloseTo(scheduled(run, row.epoch() - 1), within(1e-12));
    }
  }

  /** The head's rate on the last step of epoch {@code phaseEpoch} of the arm's own phase, as a float like the optimiser's. */
  private static double scheduled(RunRecord run, int phaseEpoch) {
    ArmSpec arm = spec.arm(run.arm());
    int steps = (run.trainSamples() + arm.batchSize() - 1) / arm.batchSize();
    Schedule schedule = new Schedule(arm.schedule(), steps, arm.epochs());
    return (float) (LR * schedule.factor(phaseEpoch * steps - 1));
  }
}
