package dev.mentor.actors;

import dev.mentor.messages.job.StatusEvent;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.monitoring.RuntimeMeters;
import dev.mentor.monitoring.TrainingMeters;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@link StatusSink} that also turns the status events into meters before passing them on:
 * experiments by state, each run's learning curves (tagged with the role and device its
 * {@code run-scheduled} event names), restarts, and from each run's record its early-stopping
 * and overfitting events. The events' formats are the supervisor's own.
 */
public final class MeteredStatusSink implements StatusSink {
  /** "student on cpu#0 (2 kernel threads)": role, then device before the slot index. */
  private static final Pattern SCHEDULED = Pattern.compile("^(\\S+) on ([^#\\s]+)#");
  private static final Pattern PLANNED = Pattern.compile("^(\\d+) epochs planned");

  private final StatusSink next;
  private final TrainingMeters training;
  private final RuntimeMeters runtime;

  public MeteredStatusSink(StatusSink next, TrainingMeters training, RuntimeMeters runtime) {
    this.next = next;
    this.training = training;
    this.runtime = runtime;
  }

  @Override
  public void status(StatusEvent event) {
    try {
      record(event);
    } finally {
      next.status(event);
    }
  }

  private void record(StatusEvent event) {
    String id = event.experimentId();
    TrainingMeters.RunKey run = event.arm() == null || event.seed() == null ? null : new TrainingMeters.RunKey(id, event.arm(), event.seed());
    String message = event.message() == null ? "" : event.message();
    switch (event.kind()) {
      case "queued" -> runtime.queued(id);
      case "started" -> runtime.started(id);
      case "run-scheduled" -> {
        Matcher m = SCHEDULED.matcher(message);
        if (run != null && m.find()) {
          training.runScheduled(run, m.group(1), m.group(2));
        }
      }
      case "run-started" -> {
        Matcher m = PLANNED.matcher(message);
        if (run != null && m.find()) {
          training.runStarted(run, Integer.parseInt(m.group(1)));
        }
      }
      case "epoch" -> {
        if (run != null && event.metrics() != null) {
          training.epoch(run, event.metrics());
        }
      }
      case "retrying" -> runtime.restart();
      case "finished", "failed", "cancelled" -> {
        if (run == null) {
          runtime.ended(id, event.kind());
          training.experimentEnded(id, Instant.ofEpochMilli(event.timeMillis()));
        }
      }
      default -> { }
    }
  }

  /** A run's record: its early-stopping and overfitting events are counted (they are known when the run ends). */
  @Override
  public void result(String experimentId, RunRecord record) {
    try {
      TrainingMeters.RunKey run = new TrainingMeters.RunKey(experimentId, record.arm(), record.seed());
      record.events().stream().filter(e -> e.kind().equals("early-stopping") || e.kind().equals("overfitting"))
          .forEach(e -> training.runEvent(run, e.kind()));
    } finally {
      next.result(experimentId, record);
    }
  }
}
