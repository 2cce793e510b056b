package dev.mentor.messages.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mentor.messages.job.StatusEvent.EpochEnded;
import dev.mentor.messages.job.StatusEvent.ExperimentEnded;
import dev.mentor.messages.job.StatusEvent.Kind;
import dev.mentor.messages.job.StatusEvent.Queued;
import dev.mentor.messages.job.StatusEvent.Role;
import dev.mentor.messages.job.StatusEvent.RunFailed;
import dev.mentor.messages.job.StatusEvent.RunFinished;
import dev.mentor.messages.job.StatusEvent.RunNote;
import dev.mentor.messages.job.StatusEvent.RunScheduled;
import dev.mentor.messages.job.StatusEvent.RunStarted;
import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.spec.SpecReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatusEventTest {
  private static StatusEvent read(String json) throws IOException {
    return SpecReader.json().readValue(json, StatusEvent.class);
  }

  private static List<String> versionOneRecords() throws IOException {
    try (InputStream in = StatusEventTest.class.getResourceAsStream("/status/version-1.jsonl")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    }
  }

  @Test
  void versionOneRecords_readAsTheTypedEvents_withTheirMessages() throws Exception {
    List<StatusEvent> events = versionOneRecords().stream().map(json -> {
      try {
        return read(json);
      } catch (IOException e) {
        throw new AssertionError(json, e);
      }
    }).toList();

    assertThat(events).extracting(e -> e.getClass().getSimpleName()).containsExactly("Queued", "Started", "RunScheduled", "RunStarted",
        "EpochEnded", "RunNote", "Retrying", "RunFinished", "RunFailed", "Paused", "ExperimentEnded", "Duplicate");
    assertThat(events).extracting(StatusEvent::kind).containsExactly(Kind.QUEUED, Kind.STARTED, Kind.RUN_SCHEDULED, Kind.RUN_STARTED, Kind.EPOCH,
        Kind.OVERFITTING, Kind.RETRYING, Kind.RUN_FINISHED, Kind.FAILED, Kind.PAUSED, Kind.FAILED, Kind.DUPLICATE);
    assertThat(events).allSatisfy(e -> assertThat(e.schemaVersion()).isEqualTo(1));
    RunStarted started = (RunStarted) events.get(3);
    assertThat(started.message()).isEqualTo("4 epochs planned");
    assertThat(started.epochsPlanned()).as("version 1 had no typed plan").isNull();
    EpochEnded epoch = (EpochEnded) events.get(4);
    assertThat(epoch.metrics().terms()).containsEntry("kd", 0.3);
    assertThat(((RunNote) events.get(5)).epoch()).isEqualTo(3);
    assertThat(((RunFinished) events.get(7)).epoch()).isEqualTo(4);
    assertThat(events.get(8).run()).hasValueSatisfying(run -> assertThat(run.toString()).isEqualTo("teacher seed 2"));
    assertThat(((ExperimentEnded) events.get(10)).reasons()).isEmpty();
    assertThat(events.get(10).run()).isEmpty();
  }

  @Test
  void everyEvent_writesItsKindAndFields_andReadsBackAsItself() throws Exception {
    EpochMetrics metrics = new EpochMetrics(1, "train", 0.7, 0.6, 0.8, 0.55, 0.1, 100.0, 1.0, Map.of("kd", 0.3));
    List<StatusEvent> events = List.of(Queued.of("exp", true), StatusEvent.Started.of("exp", 2, 3), StatusEvent.Duplicate.of("exp", false),
        StatusEvent.Paused.of("exp", 1), StatusEvent.Resumed.of("exp", 1),
        RunScheduled.of("exp", "student", 2, Role.STUDENT, "cpu", "cpu#0", 2, 4.0), RunScheduled.of("exp", "t", 2, Role.TEACHER, "gpu0", "gpu0#1", null, null),
        RunStarted.of("exp", "student", 2, 4, true), EpochEnded.of("exp", "student", 2, metrics),
        RunNote.of("exp", Kind.EARLY_STOPPING, "student", 2, 3, "no improvement"), RunFinished.of("exp", "student", 2, 4, 0.91, true),
        StatusEvent.Retrying.of("exp", "student", 2, 2, 3, 500, "boom"), RunFailed.of("exp", "t", 2, "loss diverged"),
        ExperimentEnded.of("exp", Kind.FAILED, List.of("t seed 2: loss diverged"), "1 of 2 runs failed: t seed 2: loss diverged"),
        ExperimentEnded.of("exp", Kind.FINISHED, List.of(), "2 runs"));
    for (StatusEvent event : events) {
      String json = SpecReader.toJson(event);
      JsonNode tree = SpecReader.json().readTree(json);
      assertThat(tree.path("kind").asText()).as(json).isEqualTo(event.kind().wireName());
      assertThat(tree.path("schemaVersion").asInt()).as(json).isEqualTo(2);
      assertThat(tree.has("message")).as(json).isTrue();
      assertThat(read(json)).as(json).isEqualTo(event);
    }
    assertThat(SpecReader.json().readTree(SpecReader.toJson(events.get(5))).path("role").asText()).isEqualTo("student");
    assertThat(events.get(5).message()).isEqualTo("student on cpu#0 (2 kernel threads)");
    assertThat(events.get(7).message()).isEqualTo("4 epochs planned, resumed from its checkpoint");
    assertThat(events.get(11).message()).isEqualTo("attempt 2 of 3 in 500 ms, from the last checkpoint, after: boom");
  }

  @Test
  void unknownKindsAndVersions_areRefused() {
    assertThatThrownBy(() -> read("{\"schemaVersion\":2,\"experimentId\":\"exp\",\"kind\":\"exploded\",\"message\":\"x\",\"timeMillis\":0}"))
        .hasMessageContaining("kind must be one of").hasMessageContaining("exploded");
    assertThatThrownBy(() -> read("{\"schemaVersion\":9,\"experimentId\":\"exp\",\"kind\":\"queued\",\"message\":\"x\",\"timeMillis\":0}"))
        .hasMessageContaining("schemaVersion must be one of [1, 2]");
  }

  @Test
  void lines_openRunsWithTheirRunAndExperimentsWithTheirKind() throws Exception {
    List<String> lines = versionOneRecords().stream().map(json -> {
      try {
        return StatusText.line(read(json));
      } catch (IOException e) {
        throw new AssertionError(json, e);
      }
    }).toList();
    assertThat(lines).containsExactly(
        "queued: accepted",
        "started: 2 arms x 1 seeds",
        "run-scheduled student seed 2: student on cpu#0 (2 kernel threads)",
        "== student seed 2, 4 epochs planned",
        "  student seed 2 epoch 1 (train): loss 0.7000 acc 60.00% | val loss 0.8000 acc 55.00% | 100 samples/s",
        "overfitting student seed 2: training loss fell while validation loss rose for 2 epochs",
        "retrying student seed 2: attempt 2 of 3 in 500 ms, from the last checkpoint, after: boom",
        "== student seed 2 finished: test accuracy 0.9100",
        "== teacher seed 2 failed: loss diverged",
        "paused: 1 runs held at the end of their epoch; no new run starts",
        "failed: 1 of 2 runs failed: loss diverged",
        "duplicate: an experiment with this id was accepted before; not run again");
  }
}
