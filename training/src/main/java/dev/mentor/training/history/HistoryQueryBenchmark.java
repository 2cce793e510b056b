package dev.mentor.training.history;

import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.record.EvalMetrics;
import dev.mentor.messages.record.RunRecord;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How long reading a large history takes (issue 16): an embedded history of {@code experiments}
 * experiments, each of 10 arms × 3 seeds × 10 epochs (written through {@link HistoryStore} as
 * runs write it, one experiment per transaction), then {@code mentor compare} of three selections
 * (two by best arm on validation, one by arm) and {@code mentor history}'s listing, each timed
 * over repetitions; printed as a Markdown table by {@code mentor bench --sections history}.
 */
public final class HistoryQueryBenchmark {
  static final int ARMS = 10;
  static final int SEEDS = 3;
  static final int EPOCHS = 10;

  private HistoryQueryBenchmark() {}

  /** Fills {@code file} (a new SQLite history) and returns the table of timings. */
  public static String run(Path file, int experiments, int repeats) throws SQLException {
    long fillStart = System.nanoTime();
    try (HistoryStore store = HistoryStore.sqlite(file)) {
      for (int e = 0; e < experiments; e++) {
        store.write(experiment(e));
      }
      double fillSeconds = (System.nanoTime() - fillStart) / 1e9;
      List<String> selections = List.of("exp-" + (experiments - 1), "exp-" + (experiments / 2), "exp-0:arm-3");
      double[] compare = new double[repeats];
      double[] listing = new double[repeats];
      for (int r = 0; r < repeats; r++) {
        long start = System.nanoTime();
        try (Connection db = store.readOnlyConnection()) {
          HistoryCompare.table(HistoryCompare.select(db, selections));
        }
        compare[r] = (System.nanoTime() - start) / 1e6;
        start = System.nanoTime();
        HistoryListing.latest(store, 30);
        listing[r] = (System.nanoTime() - start) / 1e6;
      }
      long rows = (long) experiments * ARMS * SEEDS * (EPOCHS + 1);
      return "| history | experiments | rows (runs + epochs) | fill s | compare of 3 selections ms (median of " + repeats
          + ") | history listing ms (median) |\n|---|---|---|---|---|---|\n"
          + String.format(Locale.ROOT, "| SQLite (embedded) | %,d | %,d | %.1f | %.1f | %.1f |%n", experiments, rows, fillSeconds,
              median(compare), median(listing));
    }
  }

  /** One finished experiment: its row, 10 arms × 3 seeds of finished runs with their epochs. */
  private static List<HistoryWrite> experiment(int e) {
    String id = "exp-" + e + "@" + String.format(Locale.ROOT, "%012x", e);
    long at = 1_700_000_000_000L + e * 60_000L;
    List<HistoryWrite> writes = new ArrayList<>();
    writes.add(new HistoryWrite.Experiment(id, "exp-" + e, "0".repeat(64), "{}", null, null, null, "finished", null, ARMS, SEEDS, ARMS * SEEDS,
        at, at, at + 30_000, at + 30_000, false));
    for (int a = 0; a < ARMS; a++) {
      for (int s = 1; s <= SEEDS; s++) {
        double accuracy = 0.8 + 0.01 * a + 0.001 * s;
        List<EpochMetrics> history = new ArrayList<>();
        for (int epoch = 1; epoch <= EPOCHS; epoch++) {
          history.add(new EpochMetrics(epoch, "train", 1.0 / epoch, accuracy - 0.01 * (EPOCHS - epoch), 1.1 / epoch,
              accuracy - 0.01 * (EPOCHS - epoch), 0.001, 5000, 1, Map.of()));
        }
        EvalMetrics eval = new EvalMetrics(1000, accuracy, 0.4, 0.03, List.of(), List.of());
        RunRecord record = new RunRecord(RunRecord.SCHEMA_VERSION, "exp-" + e, "arm-" + a, s, "t", "scratch", "mlp [64]", null, 50_000, 50_000,
            50_000, 200_000, 10_000, 1000, EPOCHS, EPOCHS, EPOCHS, "last epoch " + EPOCHS, 0, 10, 5000, eval, eval, null, history, List.of(),
            null, null, null, null);
        writes.add(new HistoryWrite.RunFinished(id, "arm-" + a, s, -1, "trainer", record, null, null, at + 30_000, at + 30_000, true));
      }
    }
    return writes;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
