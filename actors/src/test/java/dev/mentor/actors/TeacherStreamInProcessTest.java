package dev.mentor.actors;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ExperimentSpec;
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
 * One service process that both runs experiments and serves teachers streams a student's
 * teacher to itself over the broker. The teacher stream reuses the experiment as the process's
 * supervisor prepared it (its parsed spec and loaded data) instead of parsing the request's spec
 * and loading the data again; the student still ends with exactly the weights and metrics of the
 * same experiment run in-process with the teacher in the student's own loop.
 */
class TeacherStreamInProcessTest {
  private static final String SPEC = """
      name: streamed-here
      seeds: [5]
      data: {source: synthetic, syntheticClasses: 3, syntheticPerClass: 30}
      tasks:
        t: {classes: [0, 1, 2]}
      defaults: {task: t, epochs: 2, batchSize: 16, optimizer: {lr: 0.01}}
      arms:
        - {name: teacher, model: {type: cnn, channels: [4, 8], hidden: 16}}
        - {name: student, model: {type: mlp, widths: [8]}, augmentation: {cropPadding: 1, flip: true},
           distill: {teacher: {arm: teacher}, temperature: 4, alpha: 0.9}}
      """;

  @TempDir Path state;

  @Test
  void aStudentsTeacherStreamedByItsOwnProcessTeachesExactlyLikeOneInItsLoop() throws Exception {
    ExperimentSpec spec = SpecReader.parse(SPEC);
    List<RunRecord> reference = new ExperimentRunner(spec, null, state.resolve("reference")).run(RunListener.NONE);
    assertThat(reference.get(1).distillation().cache()).startsWith("live:");

    try (ServiceFixture service = ServiceFixture.start(state, ServiceSettings.defaults().withCpuSlots(2).withStreamTeachers(true))) {
      KafkaTestClient client = new KafkaTestClient(service.bootstrapServers());
      client.submit("streamed-here", SPEC);
      List<JsonNode> events = client.follow(Topics.STATUS, "streamed-here", List.of("finished", "failed", "cancelled"), null);
      assertThat(events).last().satisfies(e -> assertThat(e.path("kind").asText()).as(e.path("message").asText()).isEqualTo("finished"));
    }
    Path run = state.resolve("runs").resolve("streamed-here").resolve("student-s5");
    RunRecord student = SpecReader.json().readValue(run.resolve("results.json").toFile(), RunRecord.class);
    assertThat(student.distillation().cache()).as("the teacher was streamed").startsWith("live, streamed");
    assertThat(Files.readAllBytes(run.resolve("model.params"))).as("the student's final weights")
        .isEqualTo(Files.readAllBytes(state.resolve("reference").resolve("streamed-here").resolve("student-s5").resolve("model.params")));
    assertThat(student.test()).isEqualTo(reference.get(1).test());
  }
}
