package dev.mentor.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

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
    meters.runScheduled(RUN, "student", "cpu");
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
    meters.runEvent(RUN, "early-stopping");
    assertThat(registry.get("mentor.training.events").tag("kind", "early-stopping").counter().count()).isEqualTo(1);
    assertThat(registry.getMeters()).allSatisfy(m -> assertThat(m.getId().getDescription()).as(m.getId().getName()).isNotBlank());
  }

  @Test
  void anEndedExperimentsSeriesGoAfterTheRetentionAndNotBefore() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    TrainingMeters meters = new TrainingMeters(Duration.ofMinutes(10));
    meters.bindTo(registry);
    TrainingMeters.RunKey other = new TrainingMeters.RunKey("still-running", "a", 1);
    meters.runScheduled(RUN, "student", "cpu");
    meters.runScheduled(other, "trainer", "cpu");
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
  }
}
