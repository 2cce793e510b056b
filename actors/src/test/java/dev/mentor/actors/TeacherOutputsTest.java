package dev.mentor.actors;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.messages.topic.Topics;
import dev.mentor.training.run.ExperimentRunner;
import dev.mentor.training.run.RunListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Teacher as a service: a frozen teacher's logits, computed by the first student that needs them,
 * are published to the compacted teacher-outputs topic; a student of another experiment with the
 * same teacher weights, data and seed reads them and never runs the teacher (every lookup a hit),
 * and still trains exactly as with the teacher in its own loop.
 */
class TeacherOutputsTest {
  private static final String TEACHER = """
      name: teacher-source
      seeds: [3]
      data: {source: synthetic, syntheticClasses: 3, syntheticPerClass: 40}
      tasks:
        t: {classes: [0, 1, 2]}
      defaults: {task: t, epochs: 2, batchSize: 16, optimizer: {lr: 0.01}}
      arms:
        - {name: teacher, model: {type: cnn, channels: [4, 8], hidden: 16}}
      """;

  private static final String STUDENT = """
      name: %s
      seeds: [3]
      data: {source: synthetic, syntheticClasses: 3, syntheticPerClass: 40}
      tasks:
        t: {classes: [0, 1, 2]}
      defaults: {task: t, epochs: 3, batchSize: 16, optimizer: {lr: 0.01}}
      arms:
        - {name: student, model: {type: mlp, widths: [%d]},
           distill: {teacher: {checkpoint: %s, model: {type: cnn, channels: [4, 8], hidden: 16}}, temperature: 4, alpha: 0.9}}
      """;

  @TempDir Path state;

  @Test
  void aLaterExperimentsStudentReadsTheTeachersStoredLogitsAndNeverRunsIt() throws Exception {
    new ExperimentRunner(SpecReader.parse(TEACHER), state, state.resolve("teacher")).run(RunListener.NONE);
    Path checkpoint = state.resolve("teacher").resolve("teacher-source").resolve("teacher-s3").resolve("model.params");
    String first = STUDENT.formatted("kd-first", 8, checkpoint);
    String second = STUDENT.formatted("kd-second", 12, checkpoint);
    RunRecord reference = new ExperimentRunner(SpecReader.parse(second), state, state.resolve("reference")).run(RunListener.NONE).get(0);
    assertThat(reference.distillation().cacheHits()).as("in one process, the first epoch computes the teacher")
        .isLessThan(reference.distillation().cacheLookups());

    try (ServiceFixture service = ServiceFixture.start(state)) {
      KafkaTestClient client = new KafkaTestClient(service.bootstrapServers());
      client.submit("kd-first", first);
      assertThat(client.follow(Topics.STATUS, "kd-first", List.of("finished", "failed", "cancelled"), null)).last()
          .satisfies(e -> assertThat(e.path("kind").asText()).isEqualTo("finished"));
      JsonNode firstRecord = client.records("kd-first", 1).get(0).path("distillation");
      assertThat(firstRecord.path("cacheHits").asLong()).isLessThan(firstRecord.path("cacheLookups").asLong());

      client.submit("kd-second", second);
      assertThat(client.follow(Topics.STATUS, "kd-second", List.of("finished", "failed", "cancelled"), null)).last()
          .satisfies(e -> assertThat(e.path("kind").asText()).isEqualTo("finished"));
      JsonNode secondRecord = client.records("kd-second", 1).get(0).path("distillation");
      assertThat(secondRecord.path("cacheLookups").asLong()).isEqualTo(reference.distillation().cacheLookups());
      assertThat(secondRecord.path("cacheHits").asLong()).as("every lookup a hit: the teacher never ran")
          .isEqualTo(secondRecord.path("cacheLookups").asLong());
      assertThat(secondRecord.path("cache").asText()).contains("shared teacher-output store");
    }
    assertThat(Files.readAllBytes(state.resolve("runs").resolve("kd-second").resolve("student-s3").resolve("model.params")))
        .as("the student trained on stored logits ends exactly as with its teacher in the loop")
        .isEqualTo(Files.readAllBytes(state.resolve("reference").resolve("kd-second").resolve("student-s3").resolve("model.params")));
  }
}
