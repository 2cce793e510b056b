package dev.mentor.actors;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mentor.actors.kafka.MentorTopics;
import dev.mentor.messages.job.ControlRequest;
import dev.mentor.messages.spec.SpecReader;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service end to end on a real broker: an experiment submitted to the jobs topic is taken
 * by the intake, run by its supervisor actor on the training dispatcher, and followed on the
 * status topic (queued, started, each run with its epochs, finished) with every run's record on
 * the results topic and the report written; a cancel request on the control topic stops an experiment between runs.
 */
class MentorServiceTest {
  private static final String SPEC = """
      name: %s
      seeds: [1]
      data: {source: synthetic, syntheticClasses: 3, syntheticPerClass: 30}
      tasks:
        t: {classes: [0, 1, 2]}
      defaults: {task: t, epochs: 2, batchSize: 16, optimizer: {lr: 0.01}}
      arms:
        - {name: teacher, model: {type: cnn, channels: [4, 8], hidden: 16}}
        - {name: student, model: {type: mlp, widths: [8]}, distill: {teacher: {arm: teacher}, temperature: 4, alpha: 0.9}}
        - {name: scratch, model: {type: mlp, widths: [8]}}
      """;

  @TempDir static Path state;
  private static ServiceFixture service;

  @BeforeAll
  static void startService() throws Exception {
    service = ServiceFixture.start(state);
  }

  @AfterAll
  static void stopService() throws Exception {
    if (service != null) {
      service.close();
    }
  }

  private static void submit(String id, String text) throws Exception {
    new KafkaTestClient(service.bootstrapServers()).submit(id, text);
  }

  private static List<JsonNode> follow(String topic, String id, List<String> last) throws Exception {
    return new KafkaTestClient(service.bootstrapServers()).follow(topic, id, last, null);
  }

  private static List<JsonNode> follow(String topic, String id, List<String> last, String finalMessage) throws Exception {
    return new KafkaTestClient(service.bootstrapServers()).follow(topic, id, last, finalMessage);
  }

  private static List<JsonNode> records(String id, int expected) throws Exception {
    return new KafkaTestClient(service.bootstrapServers()).records(id, expected);
  }

  @Test
  void aSubmittedExperimentRunsAndIsFollowedOverKafka() throws Exception {
    submit("served", SPEC.formatted("served"));
    List<JsonNode> events = follow(MentorTopics.STATUS, "served", List.of("finished", "failed", "cancelled"));
    List<String> kinds = events.stream().map(e -> e.path("kind").asText()).toList();
    assertThat(kinds).first().isEqualTo("queued");
    assertThat(kinds).last().isEqualTo("finished");
    assertThat(kinds.stream().filter("run-finished"::equals)).hasSize(3);
    assertThat(kinds.stream().filter("epoch"::equals)).hasSize(6);
    JsonNode epoch = events.stream().filter(e -> e.path("kind").asText().equals("epoch") && e.path("arm").asText().equals("student"))
        .findFirst().orElseThrow();
    assertThat(epoch.path("metrics").path("terms").has("kd")).isTrue();

    List<JsonNode> results = records("served", 3);
    assertThat(results).extracting(r -> r.path("arm").asText()).containsExactly("teacher", "student", "scratch");
    assertThat(results.get(1).path("distillation").path("teacher").asText()).isEqualTo("arm teacher seed 1");
    assertThat(state.resolve("runs").resolve("served").resolve("report.md")).isRegularFile();

    submit("served", SPEC.formatted("served"));
    List<JsonNode> again = follow(MentorTopics.STATUS, "served", List.of("duplicate"));
    assertThat(again).last().satisfies(e -> assertThat(e.path("message").asText()).contains("not run again"));
  }

  @Test
  void aCancelledExperimentStopsBetweenRuns() throws Exception {
    submit("to-cancel", SPEC.formatted("to-cancel"));
    follow(MentorTopics.STATUS, "to-cancel", List.of("run-started"));
    new KafkaTestClient(service.bootstrapServers()).send(MentorTopics.CONTROL, "to-cancel", SpecReader.toJson(ControlRequest.cancel("to-cancel")));
    List<JsonNode> events = follow(MentorTopics.STATUS, "to-cancel", List.of("finished", "failed", "cancelled"));
    assertThat(events).last().satisfies(e -> {
      assertThat(e.path("kind").asText()).isEqualTo("cancelled");
      assertThat(e.path("message").asText()).contains("not run");
    });
    assertThat(events.stream().filter(e -> e.path("kind").asText().equals("run-finished")).count()).isLessThan(3);
  }

  @Test
  void aFailingRunIsRetriedThenFailsWhileTheOtherArmsGoOn() throws Exception {
    String spec = SPEC.formatted("failing").replace("- {name: teacher, model: {type: cnn, channels: [4, 8], hidden: 16}}",
        "- {name: teacher, model: {type: cnn, channels: [4, 8], hidden: 16}, optimizer: {lr: 1.0e12}}");
    submit("failing", spec);
    List<JsonNode> events = follow(MentorTopics.STATUS, "failing", List.of("finished", "cancelled"), "2 of 3 runs failed");
    List<String> kinds = events.stream().map(e -> e.path("kind").asText() + " " + e.path("arm").asText()).toList();
    assertThat(kinds).containsSubsequence("failed teacher", "retrying student", "retrying student", "failed student", "run-finished scratch");
    JsonNode teacherFailure = events.stream().filter(e -> e.path("kind").asText().equals("failed") && e.path("arm").asText().equals("teacher"))
        .findFirst().orElseThrow();
    assertThat(teacherFailure.path("message").asText()).as("a diverged loss fails at once, with its reason")
        .contains("TrainingDivergedException").contains("loss became");
    assertThat(events.stream().filter(e -> e.path("kind").asText().equals("retrying") && e.path("arm").asText().equals("teacher"))).isEmpty();
    assertThat(events).last().satisfies(e -> assertThat(e.path("message").asText()).contains("student seed 1", "after 2 restarts"));
  }
}
