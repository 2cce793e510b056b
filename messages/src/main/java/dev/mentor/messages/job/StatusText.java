package dev.mentor.messages.job;

import dev.mentor.messages.job.StatusEvent.EpochEnded;
import dev.mentor.messages.job.StatusEvent.ExperimentEnded;
import dev.mentor.messages.job.StatusEvent.RunFailed;
import dev.mentor.messages.job.StatusEvent.RunFinished;
import dev.mentor.messages.job.StatusEvent.RunStarted;
import dev.mentor.messages.record.EpochMetrics;
import java.util.Locale;

/**
 * A status event as one line for people: what {@code mentor run} and {@code mentor status} print.
 * A run's start and end open with {@code ==}, its epochs are indented learning-curve rows, every
 * other event is its kind, the run it is about if any, and its message.
 */
public final class StatusText {
  private StatusText() {}

  public static String line(StatusEvent event) {
    String run = event.run().map(Object::toString).orElse(null);
    if (event instanceof RunStarted && run != null) {
      return "== " + run + ", " + event.message();
    }
    if (event instanceof RunFinished && run != null) {
      return "== " + run + " finished: " + event.message();
    }
    if (event instanceof RunFailed && run != null) {
      return "== " + run + " failed: " + event.message();
    }
    if (event instanceof EpochEnded epoch && epoch.metrics() != null) {
      EpochMetrics m = epoch.metrics();
      return String.format(Locale.ROOT, "  %s epoch %d (%s): loss %.4f acc %.2f%% | val loss %.4f acc %.2f%% | %.0f samples/s", run, m.epoch(),
          m.phase(), m.trainLoss(), 100 * m.trainAccuracy(), m.validationLoss(), 100 * m.validationAccuracy(), m.samplesPerSecond());
    }
    String head = event instanceof ExperimentEnded || run == null ? event.kind().wireName() : event.kind().wireName() + " " + run;
    return event.message() == null ? head : head + ": " + event.message();
  }
}
