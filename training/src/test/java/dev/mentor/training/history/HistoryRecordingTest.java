package dev.mentor.training.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.training.run.ExperimentRunner;
import dev.mentor.training.run.RunListener;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One small experiment (a teacher, a distilled student, a two-member deep ensemble, two seeds) run
 * in-process with the history recorded live into the embedded SQLite database, then the
 * database checked against the run folders and against a rebuild from them.
 */
class HistoryRecordingTest {
  private static final ExperimentSpec SPEC = SpecReader.parse("""
      name: recorded
      seeds: [1, 2]
      data: {source: synthetic, syntheticClasses: 3, syntheticPerClass: 30}
      tasks: {t: {classes: [0, 1, 2]}}
      defaults: {task: t, epochs: 2, batchSize: 16, model: {type: mlp, widths: [8]}}
      arms:
        - {name: teacher, batchSize: 500}
        - {name: student, distill: {teacher: {arm: teacher}, temperature: 2}}
        - {name: ens, ensemble: {members: 2}}
      """);

  @TempDir static Path output;
  private static List<RunRecord> records;
  private static HistoryStore live;

  @BeforeAll
  static void runAndRecord() throws Exception {
    HistoryLocation location = HistoryLocation.embedded(output);
    try (HistoryWriter writer = HistoryWriter.start(location, System.err)) {
      records = HistoryRecorder.run(new ExperimentRunner(SPEC, output, output), RunListener.NONE, writer);
      assertThat(writer.flush(Duration.ofSeconds(30))).isTrue();
      assertThat(writer.stats().dropped()).isZero();
    }
    live = HistoryStore.open(location);
  }

  @Test
  void theExperimentIsRecordedFinished_withItsSpecAndEveryRunAndMember() throws Exception {
    String id = HistoryRecorder.experimentId("recorded", HistoryRecorder.digest(SpecReader.toJson(SPEC)));
    assertThat(rows(live, "SELECT id, state, spec, arms, seeds, runs_planned FROM experiments"))
        .containsExactly(List.of(id, "finished", SpecReader.toJson(SPEC), 3L, 2L, 6L));
    assertThat(rows(live, "SELECT arm, seed, member, role, state FROM runs ORDER BY arm, seed, member")).containsExactly(
        List.of("ens", 1L, -1L, "ensemble", "finished"), List.of("ens", 1L, 0L, "ensemble-member", "finished"),
        List.of("ens", 1L, 1L, "ensemble-member", "finished"), List.of("ens", 2L, -1L, "ensemble", "finished"),
        List.of("ens", 2L, 0L, "ensemble-member", "finished"), List.of("ens", 2L, 1L, "ensemble-member", "finished"),
        List.of("student", 1L, -1L, "student", "finished"), List.of("student", 2L, -1L, "student", "finished"),
        List.of("teacher", 1L, -1L, "teacher", "finished"), List.of("teacher", 2L, -1L, "teacher", "finished"));
  }

  @Test
  void aRunsRowHoldsItsRecordsMetrics_andItsEpochsTheCurve() throws Exception {
    RunRecord student = records.stream().filter(r -> r.arm().equals("student") && r.seed() == 2).findFirst().orElseThrow();
    List<Object> row = rows(live, "SELECT validation_accuracy, test_accuracy, test_nll, epochs_run, record FROM runs"
        + " WHERE arm = 'student' AND seed = 2").get(0);
    assertThat(row).containsExactly(student.validation().accuracy(), student.test().accuracy(), student.test().nll(), (long) student.epochsRun(),
        SpecReader.toJson(student));
    assertThat(rows(live, "SELECT epoch, train_loss, validation_loss FROM epochs WHERE arm = 'student' AND seed = 2 ORDER BY epoch"))
        .containsExactly(student.history().stream().map(e -> List.<Object>of((long) e.epoch(), e.trainLoss(), e.validationLoss())).toArray(List[]::new));
    assertThat(rows(live, "SELECT COUNT(*) FROM epochs WHERE arm = 'student' AND terms IS NOT NULL").get(0).get(0))
        .as("the student's loss terms, both seeds").isEqualTo(4L);
    // Members have curves of their own; the ensemble's row has none (its record repeats member 0's).
    assertThat(rows(live, "SELECT member, COUNT(*) FROM epochs WHERE arm = 'ens' GROUP BY member ORDER BY member"))
        .containsExactly(List.of(0L, 4L), List.of(1L, 4L));
  }

  @Test
  void aRebuildFromTheRunFolders_writesTheSameRowsAsTheLiveWriter() throws Exception {
    try (HistoryStore rebuilt = HistoryStore.sqlite(output.resolve("rebuilt.db"))) {
      HistoryRebuild.Summary summary = HistoryRebuild.rebuild(rebuilt, output);
      assertThat(summary.experiments()).isEqualTo(1);
      assertThat(summary.skipped()).isEmpty();
      for (String query : CONTENT) {
        assertThat(rows(rebuilt, query)).as(query).isEqualTo(rows(live, query)).isNotEmpty();
      }
      // Again: upserts, nothing doubles.
      HistoryRebuild.rebuild(rebuilt, output);
      for (String query : CONTENT) {
        assertThat(rows(rebuilt, query)).as(query).isEqualTo(rows(live, query));
      }
    }
  }

  /** Every column but times, host and messages the folders do not keep. */
  private static final List<String> CONTENT = List.of(
      "SELECT id, name, spec_digest, spec, state, arms, seeds, runs_planned FROM experiments ORDER BY id",
      "SELECT experiment_id, arm, seed, member, role, state, task, strategy, model, teacher, parameters, trainable_parameters, epochs_planned,"
          + " epochs_run, selected_epoch, selection, train_seconds, samples_per_second, validation_accuracy, validation_nll, validation_ece,"
          + " test_accuracy, test_nll, test_ece, record, sweep FROM runs ORDER BY experiment_id, arm, seed, member",
      "SELECT experiment_id, arm, seed, member, epoch, phase, train_loss, train_accuracy, validation_loss, validation_accuracy, learning_rate,"
          + " samples_per_second, seconds, terms FROM epochs ORDER BY experiment_id, arm, seed, member, epoch",
      "SELECT experiment_id, arm, seed, member, epoch, kind, message FROM events ORDER BY experiment_id, arm, seed, member, epoch, kind, message");

  @Test
  void aRunStoppedMidWay_isRecordedFailed_andItsResumptionWritesEachEpochOnce(@TempDir Path elsewhere) throws Exception {
    ExperimentSpec spec = SpecReader.parse("""
        name: resumed
        seeds: [1]
        data: {source: synthetic, syntheticClasses: 3, syntheticPerClass: 30}
        tasks: {t: {classes: [0, 1, 2]}}
        defaults: {task: t, epochs: 3, batchSize: 16, model: {type: mlp, widths: [8]}}
        arms: [{name: a}]
        """);
    HistoryLocation location = HistoryLocation.embedded(elsewhere);
    RunListener stopAfterTwo = new RunListener() {
      @Override
      public void epochSaved(String arm, long seed, int epoch) {
        if (epoch == 2) {
          throw new IllegalStateException("stopped after epoch 2");
        }
      }
    };
    try (HistoryWriter writer = HistoryWriter.start(location, System.err)) {
      assertThatThrownBy(() -> HistoryRecorder.run(new ExperimentRunner(spec, elsewhere, elsewhere), stopAfterTwo,
          writer)).hasMessageContaining("stopped after epoch 2");
      assertThat(writer.flush(Duration.ofSeconds(10))).isTrue();
      try (HistoryStore store = HistoryStore.openForReading(location)) {
        assertThat(rows(store, "SELECT e.state, r.state, (SELECT COUNT(*) FROM epochs) FROM experiments e JOIN runs r ON r.experiment_id = e.id"))
            .containsExactly(List.of("failed", "running", 2L));
      }
      HistoryRecorder.run(new ExperimentRunner(spec, elsewhere, elsewhere), RunListener.NONE, writer);
      assertThat(writer.flush(Duration.ofSeconds(10))).isTrue();
    }
    try (HistoryStore store = HistoryStore.openForReading(location)) {
      assertThat(rows(store, "SELECT e.state, r.state, r.epochs_run FROM experiments e JOIN runs r ON r.experiment_id = e.id"))
          .containsExactly(List.of("finished", "finished", 3L));
      assertThat(rows(store, "SELECT epoch FROM epochs ORDER BY epoch")).containsExactly(List.of(1L), List.of(2L), List.of(3L));
    }
  }

  @Test
  void theListingNamesTheBestArmByValidationAccuracy() throws Exception {
    List<HistoryListing.Experiment> listed = HistoryListing.latest(live, 10);
    assertThat(listed).hasSize(1);
    HistoryListing.Experiment experiment = listed.get(0);
    assertThat(experiment.runsFinished()).isEqualTo(6);
    String best = null;
    double bestAccuracy = -1;
    for (String arm : List.of("teacher", "student", "ens")) {
      double mean = records.stream().filter(r -> r.arm().equals(arm)).mapToDouble(r -> r.validation().accuracy()).average().orElseThrow();
      if (mean > bestAccuracy) {
        bestAccuracy = mean;
        best = arm;
      }
    }
    assertThat(experiment.bestArm()).isEqualTo(best);
    assertThat(experiment.bestValidationAccuracy()).isCloseTo(bestAccuracy, org.assertj.core.data.Offset.offset(1e-12));
  }

  /** The rows of a query, whole numbers as longs (SQLite gives an INTEGER column's small values as ints, PostgreSQL a BIGINT's as longs). */
  static List<List<Object>> rows(HistoryStore store, String sql) throws Exception {
    return store.query(sql, 100_000).rows().stream()
        .map(row -> row.stream().map(v -> v instanceof Integer i ? (Object) i.longValue() : v).toList())
        .toList();
  }
}
