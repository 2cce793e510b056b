package dev.mentor.training.history;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mentor.messages.spec.SpecReader;
import dev.mentor.training.run.ExperimentRunner;
import dev.mentor.training.run.RunListener;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runs of a swept arm carry their sweep coordinates in the history, live and rebuilt; a hand-written arm none. */
class SweepHistoryTest {
  @TempDir Path output;

  @Test
  void sweptRunsKeepTheirCoordinates_liveAndRebuilt() throws Exception {
    ExperimentRunner runner = new ExperimentRunner(SpecReader.parse("""
        name: swept
        seeds: [1]
        data: {source: synthetic, syntheticClasses: 3, syntheticPerClass: 20}
        tasks: {t: {classes: [0, 1, 2]}}
        defaults: {task: t, epochs: 1, batchSize: 16, model: {type: mlp, widths: [8]}}
        arms:
          - {name: plain}
          - {name: "lr-{lr}", sweep: {optimizer.lr: [0.01, 0.001]}}
        """), output, output);
    HistoryLocation location = HistoryLocation.embedded(output);
    try (HistoryWriter writer = HistoryWriter.start(location, System.err)) {
      HistoryRecorder.run(runner, RunListener.NONE, writer);
      assertThat(writer.flush(Duration.ofSeconds(30))).isTrue();
    }
    String query = "SELECT arm, sweep FROM runs ORDER BY arm";
    List<List<Object>> expected = List.of(List.of("lr-0.001", "{\"optimizer.lr\":0.001}"), List.of("lr-0.01", "{\"optimizer.lr\":0.01}"),
        java.util.Arrays.asList("plain", null));
    try (HistoryStore live = HistoryStore.open(location)) {
      assertThat(live.query(query, 10).rows()).isEqualTo(expected);
    }
    try (HistoryStore rebuilt = HistoryStore.sqlite(output.resolve("rebuilt.db"))) {
      HistoryRebuild.rebuild(rebuilt, output);
      assertThat(rebuilt.query(query, 10).rows()).isEqualTo(expected);
    }
  }
}
