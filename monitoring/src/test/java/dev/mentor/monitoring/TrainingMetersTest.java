package dev.mentor.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mentor.messages.job.StatusEvent.Kind;
import dev.mentor.messages.record.EnsembleMetrics.UncertaintyStats;
import dev.mentor.messages.record.EpochMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Training meters through Micrometer's SimpleMeterRegistry: names, bounded tags, values, and removal after retention. */
class TrainingMetersTest {
  private static final TrainingMeters.RunKey RUN = new TrainingMeters.RunKey("exp", "student", 3);

  private static EpochMetrics epoch(int n, double trainLoss, double validationLoss) {
    return new EpochMetrics(n, "train", trainLoss, 0.8, validationLoss, 0.75, 0.01, 1234.0, 2.5, Map.of("ce", 0.4, "kd", 0.2));
  }

  @Test
  void anEpochSetsTheRunsCurvesTaggedByRunRoleAndDevice() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    TrainingMeters meters = new TrainingMeters(Duration.ofMinutes(10));
    meters.bindTo(registry);
    meters.runScheduled(RUN, "student", "cpu", 4.0);
    meters.runStarted(RUN, 5);
    meters.epoch(RUN, epoch(1, 0.9, 1.1));
    meters.epoch(RUN, epoch(2, 0.6, 0.8));

    assertThat(registry.get("mentor.training.loss").tag("split", "train").tag("arm", "student").tag("seed", "3").tag("role", "student")
        .tag("device", "cpu").tag("experiment", "exp").gauge().value()).isEqualTo(0.6);
    assertThat(registry.get("mentor.training.loss").tag("split", "validation").gauge().value()).isEqualTo(0.8);
    assertThat(registry.get("mentor.training.accuracy").tag("split", "validation").gauge().value()).isEqualTo(0.75);
    assertThat(registry.get("mentor.training.loss.term").tag("term", "kd").gauge().value()).isEqualTo(0.2);
    assertThat(registry.get("mentor.training.learning.rate").gauge().value()).isEqualTo(0.01);
    assertThat(registry.get("mentor.training.throughput").gauge().value()).isEqualTo(1234.0);
    assertThat(registry.get("mentor.training.epoch.duration").gauge().value()).isEqualTo(2.5);
    assertThat(registry.get("mentor.training.epochs").tag("state", "done").gauge().value()).isEqualTo(2);
    assertThat(registry.get("mentor.training.epochs").tag("state", "planned").gauge().value()).isEqualTo(5);
    assertThat(registry.get("mentor.training.temperature").tag("arm", "student").gauge().value()).isEqualTo(4.0);
    assertThat(registry.get("mentor.training.events").tag("kind", "overfitting").counter().count()).as("counted from 0").isZero();
    meters.runEnded(RUN);
    assertThat(registry.get("mentor.training.throughput").gauge().value()).as("an ended run trains nothing").isZero();
    assertThat(registry.get("mentor.training.loss").tag("split", "validation").gauge().value()).as("its curve stays").isEqualTo(0.8);
    meters.runEvent(RUN, Kind.EARLY_STOPPING);
    assertThat(registry.get("mentor.training.events").tag("kind", "early-stopping").counter().count()).isEqualTo(1);
    assertThat(registry.getMeters()).allSatisfy(m -> assertThat(m.getId().getDescription()).as(m.getId().getName()).isNotBlank());
  }

  @Test
  void anEndedExperimentsSeriesGoAfterTheRetentionAndNotBefore() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    TrainingMeters meters = new TrainingMeters(Duration.ofMinutes(10));
    meters.bindTo(registry);
    TrainingMeters.RunKey other = new TrainingMeters.RunKey("still-running", "a", 1);
    meters.runScheduled(RUN, "student", "cpu", 4.0);
    meters.runScheduled(other, "trainer", "cpu", Double.NaN);
    meters.epoch(RUN, epoch(1, 0.9, 1.1));
    meters.epoch(other, epoch(1, 0.9, 1.1));
    Instant end = Instant.parse("2026-01-01T00:00:00Z");
    meters.experimentEnded("exp", end);

    assertThat(meters.purge(end.plus(Duration.ofMinutes(9)))).isZero();
    assertThat(registry.find("mentor.training.loss").tag("experiment", "exp").gauges()).hasSize(2);
    assertThat(meters.purge(end.plus(Duration.ofMinutes(10)))).isEqualTo(1);
    assertThat(registry.find("mentor.training.loss").tag("experiment", "exp").gauges()).isEmpty();
    assertThat(registry.find("mentor.training.loss.term").tag("experiment", "exp").gauges()).isEmpty();
    assertThat(registry.find("mentor.training.loss").tag("experiment", "still-running").gauges()).hasSize(2);
    assertThat(registry.find("mentor.training.temperature").gauges()).as("removed with its run; the other run distils nothing").isEmpty();
  }

  @Test
  void anEnsemblesUncertaintyIsAGaugePerMeasureAndSet() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    TrainingMeters meters = new TrainingMeters(Duration.ofMinutes(10));
    meters.bindTo(registry);
    TrainingMeters.RunKey ensemble = new TrainingMeters.RunKey("exp", "deep", 1);
    meters.runScheduled(ensemble, "ensemble", "cpu", Double.NaN);
    meters.ensemble(ensemble, Map.of("validation", new UncertaintyStats(0.5, 0.1, 0.02), "noise", new UncertaintyStats(0.9, 0.3, 0.07)));

    assertThat(registry.get("mentor.ensemble.uncertainty").tags("set", "validation", "measure", "entropy", "role", "ensemble").gauge().value())
        .isEqualTo(0.5);
    assertThat(registry.get("mentor.ensemble.uncertainty").tags("set", "validation", "measure", "mutual_information").gauge().value())
        .isEqualTo(0.1);
    assertThat(registry.get("mentor.ensemble.uncertainty").tags("set", "noise", "measure", "disagreement").gauge().value()).isEqualTo(0.07);
    assertThat(registry.find("mentor.ensemble.uncertainty").gauges()).hasSize(6);
    assertThat(registry.find("mentor.training.temperature").gauges()).as("an ensemble distils nothing").isEmpty();
  }
}
