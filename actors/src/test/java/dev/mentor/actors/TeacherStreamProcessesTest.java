package dev.mentor.actors;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mentor.actors.kafka.EmbeddedKafka;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.messages.topic.Topics;
import dev.mentor.training.run.ExperimentRunner;
import dev.mentor.training.run.RunListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A teacher running in one process feeds a student training in another: a {@code mentor serve
 * --roles teachers} child process takes the student's request from the teacher-requests topic
 * and streams the teacher's logits for each of the student's augmented batches over the tensor
 * topic, while this process (role experiments) trains the teacher arm, then the students: one
 * on logits of augmented batches, one on feature terms (attention, similarity, two-stage FitNets,
 * so stage outputs travel as features frames and the hint phase reads a subset of them), and one
 * of a two-member ensemble whose members publish their own frames side by side. Each
 * student ends with exactly the weights and metrics of the same experiment run in-process with
 * the teacher in the student's own loop: no frame was lost, reordered or misaligned.
 */
class TeacherStreamProcessesTest {
  private static final String SPEC = """
      name: streamed
      seeds: [5]
      data: {source: synthetic, syntheticClasses: 3, syntheticPerClass: 40}
      tasks:
        t: {classes: [0, 1, 2]}
      defaults: {task: t, epochs: 3, batchSize: 16, optimizer: {lr: 0.01}}
      arms:
        - {name: teacher, model: {type: cnn, channels: [4, 8], hidden: 16}}
        - {name: student, model: {type: mlp, widths: [8]}, augmentation: {cropPadding: 1, flip: true},
           distill: {teacher: {arm: teacher}, temperature: 4, alpha: 0.9}}
        - name: features
          model: {type: cnn, channels: [4, 8], hidden: 16}
          distill:
            teacher: {arm: teacher}
            features:
              - {method: attention, pairs: [{student: stage1, teacher: stage1}], weight: 10}
              - {method: similarity, pairs: [{student: stage3, teacher: stage3}]}
              - {method: fitnets, pairs: [{student: stage2, teacher: stage2}], hintEpochs: 1}
        - {name: deep, model: {type: mlp, widths: [8]}, ensemble: {members: 2}}
        - {name: from-deep, model: {type: mlp, widths: [6]}, augmentation: {flip: true},
           distill: {teacher: {arm: deep}, temperature: 2, alpha: 0.7}}
      """;

  @TempDir Path state;

  @Test
  void aTeacherInAnotherProcessTeachesExactlyLikeOneInTheStudentsLoop() throws Exception {
    ExperimentSpec spec = SpecReader.parse(SPEC);
    List<RunRecord> reference = new ExperimentRunner(spec, state, state.resolve("reference")).run(RunListener.NONE);
    assertThat(reference.get(1).distillation().cache()).startsWith("live:");

    try (EmbeddedKafka kafka = EmbeddedKafka.start(state.resolve("broker"))) {
      Map<String, Object> client = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
      Path runs = state.resolve("runs");
      try (MentorNode experiments = MentorNode.start(client, state.resolve("service"), state, runs, (short) 1,
          ServiceSettings.defaults().withRoles(Set.of(ServiceSettings.EXPERIMENTS)).withStreamTeachers(true))) {
        Process teachers = MentorProcess.serve(state.resolve("teachers.log"), "--bootstrap-servers", kafka.bootstrapServers(), "--roles", "teachers",
            "--state", state.resolve("teacher-service").toString(), "--output", runs.toString(), "--cpu-slots", "1", "--metrics-port", "0");
        try {
          KafkaTestClient test = new KafkaTestClient(kafka.bootstrapServers());
          test.submit("streamed", SPEC);
          List<JsonNode> events = test.follow(Topics.STATUS, "streamed", List.of("finished", "failed", "cancelled"), null);
          assertThat(events).last().satisfies(e -> assertThat(e.path("kind").asText())
              .as("%s; teacher process log: %s", e.path("message").asText(), Files.readString(state.resolve("teachers.log"))).isEqualTo("finished"));
        } finally {
          teachers.destroy();
          teachers.waitFor(60, TimeUnit.SECONDS);
        }
      }
      for (int arm : new int[] {1, 2, 4}) {
        String run = reference.get(arm).arm() + "-s5";
        RunRecord student = SpecReader.json().readValue(runs.resolve("streamed").resolve(run).resolve("results.json").toFile(), RunRecord.class);
        assertThat(student.distillation().cache()).as("the teacher was streamed").startsWith("live, streamed");
        assertThat(Files.readAllBytes(runs.resolve("streamed").resolve(run).resolve("model.params")))
            .as("%s: the student's final weights", run).isEqualTo(Files.readAllBytes(state.resolve("reference").resolve("streamed").resolve(run)
                .resolve("model.params")));
        assertThat(student.test()).isEqualTo(reference.get(arm).test());
        assertThat(student.history()).extracting(h -> h.trainLoss()).containsExactlyElementsOf(reference.get(arm).history().stream()
            .map(h -> h.trainLoss()).toList());
      }
      assertThat(SpecReader.json().readValue(runs.resolve("streamed").resolve("features-s5").resolve("results.json").toFile(), RunRecord.class)
          .distillation().cache()).contains("stage outputs [stage1, stage3, stage2]");
    }
  }
}
