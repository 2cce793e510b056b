package dev.mentor.training.history;

import dev.mentor.messages.record.EpochMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A child process for {@link HistoryStoreTest}: writes epoch rows of one experiment into the
 * history at {@code args[0]}, {@code args[2]} rows per transaction, and prints the number of rows
 * committed after each commit, until it is killed.
 */
public final class HistoryWriteLoop {
  private HistoryWriteLoop() {}

  public static void main(String[] args) throws Exception {
    String experiment = args[1];
    int perTransaction = Integer.parseInt(args[2]);
    try (HistoryStore store = HistoryStore.open(new HistoryLocation(args[0], null, null))) {
      store.write(List.of(HistoryStoreTest.experiment(experiment)));
      for (int epoch = 1; ; ) {
        List<HistoryWrite> batch = new ArrayList<>();
        for (int i = 0; i < perTransaction; i++, epoch++) {
          batch.add(new HistoryWrite.Epoch(experiment, "a", 1, -1, new EpochMetrics(epoch, "train", 1, 0.5, 1, 0.5, 0.1, 100, 0.01, Map.of()), 0));
        }
        store.write(batch);
        System.out.println(epoch - 1);
        System.out.flush();
      }
    }
  }
}
