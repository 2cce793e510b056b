package dev.mentor.actors.status;

import dev.mentor.messages.job.StatusEvent;
import dev.mentor.messages.record.RunRecord;

/** Where the runtime reports what happens: status events and finished runs' records. Must be thread-safe. */
public interface StatusSink {
  void status(StatusEvent event);

  void result(String experimentId, RunRecord record);

  /**
   * A run was given a device slot (just before its {@code run-scheduled} event): its {@code role},
   * the {@code device} of the slot, and its distillation temperature (NaN without one). For
   * sinks that keep typed state about runs, such as meters; the event carries the same in words.
   */
  default void runScheduled(String experimentId, String arm, long seed, String role, String device, double temperature) {}
}
