package dev.mentor.training.run;

import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.record.RunEvent;
import dev.mentor.messages.record.RunRecord;
import java.util.List;

/** Progress of an experiment's runs, for a console display, status events and the history. */
public interface RunListener {
  default void runStarted(String arm, long seed, int epochsPlanned, boolean resumed) {}

  default void batchDone(int batch, int batches) {}

  default void epochFinished(String arm, long seed, EpochMetrics metrics) {}

  /**
   * The checkpoint of {@code epoch} is written: stopping the run from here loses no work. The
   * actor runtime decides here whether the run goes on (cancel, pause, shutdown).
   */
  default void epochSaved(String arm, long seed, int epoch) {}

  /** Something a reader of the run should know happened at an epoch: early stopping, detected overfitting. */
  default void runEvent(String arm, long seed, RunEvent event) {}

  /**
   * A distillation student looked up {@code lookups} samples' teacher outputs in the teacher
   * cache over the epoch that just ended, and found {@code hits} of them.
   */
  default void teacherCache(String arm, long seed, long lookups, long hits) {}

  default void runFinished(RunRecord record, boolean fromCache) {}

  RunListener NONE = new RunListener() {};

  /** One listener that tells {@code listeners} everything, in order. */
  static RunListener all(RunListener... listeners) {
    List<RunListener> each = List.of(listeners);
    return new RunListener() {
      @Override
      public void runStarted(String arm, long seed, int epochsPlanned, boolean resumed) {
        each.forEach(l -> l.runStarted(arm, seed, epochsPlanned, resumed));
      }

      @Override
      public void batchDone(int batch, int batches) {
        each.forEach(l -> l.batchDone(batch, batches));
      }

      @Override
      public void epochFinished(String arm, long seed, EpochMetrics metrics) {
        each.forEach(l -> l.epochFinished(arm, seed, metrics));
      }

      @Override
      public void epochSaved(String arm, long seed, int epoch) {
        each.forEach(l -> l.epochSaved(arm, seed, epoch));
      }

      @Override
      public void runEvent(String arm, long seed, RunEvent event) {
        each.forEach(l -> l.runEvent(arm, seed, event));
      }

      @Override
      public void teacherCache(String arm, long seed, long lookups, long hits) {
        each.forEach(l -> l.teacherCache(arm, seed, lookups, hits));
      }

      @Override
      public void runFinished(RunRecord record, boolean fromCache) {
        each.forEach(l -> l.runFinished(record, fromCache));
      }
    };
  }
}
