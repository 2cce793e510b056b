package dev.mentor.actors.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mentor.messages.job.StatusEvent.EpochEnded;
import dev.mentor.messages.job.StatusEvent.ExperimentEnded;
import dev.mentor.messages.job.StatusEvent.Kind;
import dev.mentor.messages.job.StatusEvent.Queued;
import dev.mentor.messages.job.StatusEvent.Retrying;
import dev.mentor.messages.job.StatusEvent.Role;
import dev.mentor.messages.job.StatusEvent.RunNote;
import dev.mentor.messages.job.StatusEvent.RunScheduled;
import dev.mentor.messages.job.StatusEvent.RunStarted;
import dev.mentor.messages.job.StatusEvent.Started;
import dev.mentor.messages.job.StatusEvent;
import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.monitoring.RuntimeMeters;
import dev.mentor.monitoring.TrainingMeters;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The supervisor's events as meters: role, device and temperature of a scheduled run, plan, curves, events, restarts, ensemble uncertainty, the end; every event passed on. */
class MeteredStatusSinkTest {
  @Test
  void eventsBecomeMetersAndAreStillPublished() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    TrainingMeters training = new TrainingMeters(Duration.ZERO);
    RuntimeMeters runtime = new RuntimeMeters();
    training.bindTo(registry);
    runtime.bindTo(registry);
    List<Object> published = new ArrayList<>();
    MeteredStatusSink sink = new MeteredStatusSink(new StatusSink() {
      @Override
      public void status(StatusEvent event) {
        published.add(event);
      }

      @Override
      public void result(String experimentId, RunRecord record) {
        published.add(record);
      }
    }, training, runtime);

    sink.status(Queued.of("exp", false));
    sink.status(Started.of("exp", 1, 1));
    sink.status(RunScheduled.of("exp", "student", 2L, Role.STUDENT, "gpu1", "gpu1#0", null, 4.0));
    sink.status(RunStarted.of("exp", "student", 2L, 4, false));
    sink.status(EpochEnded.of("exp", "student", 2L, new EpochMetrics(1, "train", 0.7, 0.6, 0.8, 0.55, 0.1, 100.0, 1.0, Map.of("kd", 0.3))));
    sink.status(Retrying.of("exp", "student", 2L, 2, 3, 500, "boom"));
    sink.status(RunNote.of("exp", Kind.OVERFITTING, "student", 2L, 3, "training loss fell while validation loss rose for 2 epochs"));
    sink.status(RunNote.of("exp", Kind.EARLY_STOPPING, "student", 2L, 4, "train: no validation loss improvement for 2 epochs; best epoch 2"));
    // Only the fields the sink reads; the record's other fields stay empty.
    sink.result("exp", SpecReader.json().copy().configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, false)
        .readValue("""
        {"arm": "deep", "seed": 2, "ensemble": {"members": 2, "uncertainty": {
           "validation": {"entropy": 0.4, "mutualInformation": 0.05, "disagreement": 0.01}}}}
        """, RunRecord.class));

    assertThat(registry.get("mentor.training.loss").tags("role", "student", "device", "gpu1", "split", "train").gauge().value()).isEqualTo(0.7);
    assertThat(registry.get("mentor.training.epochs").tags("arm", "student", "state", "planned").gauge().value()).isEqualTo(4);
    assertThat(registry.get("mentor.training.loss.term").tags("arm", "student", "term", "kd").gauge().value()).isEqualTo(0.3);
    assertThat(registry.get("mentor.training.events").tags("arm", "student", "kind", "overfitting").counter().count()).isEqualTo(1);
    assertThat(registry.get("mentor.training.events").tags("arm", "student", "kind", "early-stopping").counter().count()).isEqualTo(1);
    assertThat(registry.get("mentor.training.temperature").tag("arm", "student").gauge().value()).isEqualTo(4.0);
    assertThat(registry.get("mentor.ensemble.uncertainty").tags("arm", "deep", "set", "validation", "measure", "mutual_information").gauge()
        .value()).isEqualTo(0.05);
    assertThat(registry.get("mentor.runs.restarts").counter().count()).isEqualTo(1);
    assertThat(registry.get("mentor.experiments.active").tag("state", "running").gauge().value()).isEqualTo(1);

    sink.status(ExperimentEnded.of("exp", Kind.FINISHED, List.of(), "1 runs"));
    assertThat(registry.get("mentor.experiments.active").tag("state", "running").gauge().value()).isZero();
    assertThat(registry.get("mentor.experiments.ended").tag("state", "finished").counter().count()).isEqualTo(1);
    assertThat(training.purge(java.time.Instant.now())).as("retention 0: the ended experiment's runs go").isEqualTo(2);
    assertThat(published).as("9 events and 1 record passed on").hasSize(10);
    assertThat(published.get(2)).isInstanceOf(RunScheduled.class);
  }
}
