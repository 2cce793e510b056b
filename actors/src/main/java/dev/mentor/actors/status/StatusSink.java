package dev.mentor.actors.status;

import dev.mentor.messages.job.StatusEvent;
import dev.mentor.messages.record.RunRecord;

/** Where the runtime reports what happens: status events and finished runs' records. Must be thread-safe. */
public interface StatusSink {
  void status(StatusEvent event);

  void result(String experimentId, RunRecord record);
}
