package dev.mentor.actors.status;

import dev.mentor.messages.job.StatusEvent.EpochEnded;
import dev.mentor.messages.job.StatusEvent.ExperimentEnded;
import dev.mentor.messages.job.StatusEvent.Queued;
import dev.mentor.messages.job.StatusEvent.Retrying;
import dev.mentor.messages.job.StatusEvent.RunFailed;
import dev.mentor.messages.job.StatusEvent.RunFinished;
import dev.mentor.messages.job.StatusEvent.RunNote;
import dev.mentor.messages.job.StatusEvent.RunScheduled;
import dev.mentor.messages.job.StatusEvent.RunStarted;
import dev.mentor.messages.job.StatusEvent.Started;
import dev.mentor.messages.job.StatusEvent;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.monitoring.RuntimeMeters;
import dev.mentor.monitoring.TrainingMeters;
import java.time.Instant;

/**
 * A {@link StatusSink} that also turns the status events into meters before passing them on:
 * experiments by state, each run's learning curves (tagged with the role and device it was
 * scheduled with) and temperature, its early-stopping and overfitting events as they happen,
 * restarts, and from an ensemble's record its uncertainty per evaluated set.
 */
public final class MeteredStatusSink implements StatusSink {
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
    TrainingMeters.RunKey run = event.run().map(r -> new TrainingMeters.RunKey(id, r.arm(), r.seed())).orElse(null);
    if (event instanceof Queued) {
      runtime.queued(id);
    } else if (event instanceof Started) {
      runtime.started(id);
    } else if (event instanceof Retrying) {
      runtime.restart();
    } else if (event instanceof ExperimentEnded ended) {
      runtime.ended(id, ended.kind().wireName());
      training.experimentEnded(id, Instant.ofEpochMilli(ended.timeMillis()));
    } else if (run == null) {
      return;
    } else if (event instanceof RunScheduled scheduled && scheduled.role() != null && scheduled.device() != null) {
      training.runScheduled(run, scheduled.role().wireName(), scheduled.device(),
          scheduled.temperature() == null ? Double.NaN : scheduled.temperature());
    } else if (event instanceof RunStarted started && started.epochsPlanned() != null) {
      training.runStarted(run, started.epochsPlanned());
    } else if (event instanceof EpochEnded epoch && epoch.metrics() != null) {
      training.epoch(run, epoch.metrics());
    } else if (event instanceof RunNote note) {
      training.runEvent(run, note.kind());
    } else if (event instanceof RunFinished || event instanceof RunFailed) {
      training.runEnded(run);
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
