package dev.mentor.actors.status;

import dev.mentor.messages.job.StatusEvent;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.monitoring.RuntimeMeters;
import dev.mentor.monitoring.TrainingMeters;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@link StatusSink} that also turns the status events into meters before passing them on:
 * experiments by state, each run's learning curves (tagged with the role and device it was
 * scheduled with) and temperature, its early-stopping and overfitting events as they happen,
 * restarts, and from an ensemble's record its uncertainty per evaluated set.
 */
public final class MeteredStatusSink implements StatusSink {
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
      case "early-stopping", "overfitting" -> {
        if (run != null) {
          training.runEvent(run, event.kind());
        }
      }
      case "run-finished" -> {
        if (run != null) {
          training.runEnded(run);
        }
      }
      case "retrying" -> runtime.restart();
      case "finished", "failed", "cancelled" -> {
        if (run != null) {
          training.runEnded(run);
        } else {
          runtime.ended(id, event.kind());
          training.experimentEnded(id, Instant.ofEpochMilli(event.timeMillis()));
        }
      }
      default -> { }
    }
  }

  @Override
  public void runScheduled(String experimentId, String arm, long seed, String role, String device, double temperature) {
    try {
      training.runScheduled(new TrainingMeters.RunKey(experimentId, arm, seed), role, device, temperature);
    } finally {
      next.runScheduled(experimentId, arm, seed, role, device, temperature);
    }
  }

  /** A run's record: an ensemble's uncertainty on each evaluated set becomes its gauges. */
  @Override
  public void result(String experimentId, RunRecord record) {
    try {
      if (record.ensemble() != null && record.ensemble().uncertainty() != null) {
        training.ensemble(new TrainingMeters.RunKey(experimentId, record.arm(), record.seed()), record.ensemble().uncertainty());
      }
    } finally {
      next.result(experimentId, record);
    }
  }
}
