package dev.mentor.actors;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mentor.actors.kafka.EmbeddedKafka;
import dev.mentor.actors.kafka.JobIntake;
import dev.mentor.messages.topic.Topics;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A service stopped in the middle of an experiment picks it up when it starts again: the runs
 * finished before are not repeated, the one that was interrupted resumes from its checkpoint,
 * and the experiment ends with all its runs.
 */
class RestartTest {
  @TempDir Path state;

  @Test
  void anUnfinishedExperimentResumesWhenTheServiceRestarts() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(state.resolve("broker"))) {
      Map<String, Object> client = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
      KafkaTestClient test = new KafkaTestClient(kafka.bootstrapServers());
      String spec = """
          name: restarted
          seeds: [1, 2]
          data: {source: synthetic, syntheticClasses: 3, syntheticPerClass: 120}
          tasks:
            t: {classes: [0, 1, 2]}
          defaults: {task: t, epochs: 40, batchSize: 8}
          arms:
            - {name: a, model: {type: cnn, channels: [4, 8], hidden: 16}}
          """;
      try (MentorNode first = MentorNode.start(client, state.resolve("service"), state.resolve("service"), state.resolve("runs"), (short) 1,
          ServiceSettings.defaults().withCpuSlots(1))) {
        test.submit("restarted", spec);
        test.follow(Topics.STATUS, "restarted", List.of("run-finished"), null);
      }
      awaitTrainingThreadsGone();
      assertThat(JobIntake.jobFile(state.resolve("service"), "restarted").resolveSibling("restarted.ended")).doesNotExist();

      try (MentorNode second = MentorNode.start(client, state.resolve("service"), state.resolve("service"), state.resolve("runs"), (short) 1,
          ServiceSettings.defaults().withCpuSlots(1))) {
        List<JsonNode> events = test.follow(Topics.STATUS, "restarted", List.of("finished", "failed", "cancelled"), null);
        List<JsonNode> afterRestart = events.subList(lastIndexOfQueued(events), events.size());
        int lastBefore = events.subList(0, lastIndexOfQueued(events)).stream().filter(e -> e.path("kind").asText().equals("epoch")
            && e.path("seed").asLong() == 2).mapToInt(e -> e.path("epoch").asInt()).max().orElseThrow();
        int firstAfter = afterRestart.stream().filter(e -> e.path("kind").asText().equals("epoch") && e.path("seed").asLong() == 2)
            .mapToInt(e -> e.path("epoch").asInt()).findFirst().orElseThrow();
        assertThat(firstAfter).as("a stopped service loses no epoch: the run stops after its epoch's checkpoint").isEqualTo(lastBefore + 1);
        assertThat(afterRestart.get(0).path("message").asText()).contains("resumed after a restart");
        assertThat(afterRestart).last().satisfies(e -> {
          assertThat(e.path("kind").asText()).isEqualTo("finished");
          assertThat(e.path("message").asText()).startsWith("2 runs");
        });
        assertThat(afterRestart.stream().filter(e -> e.path("kind").asText().equals("run-finished")
            && e.path("message").asText().contains("(finished earlier)"))).as("the run finished before the stop is not repeated").hasSize(1);
      }
      assertThat(JobIntake.jobFile(state.resolve("service"), "restarted").resolveSibling("restarted.ended")).isRegularFile();
      assertThat(state.resolve("runs").resolve("restarted").resolve("a-s2").resolve("results.json")).isRegularFile();
    }
  }

  private static int lastIndexOfQueued(List<JsonNode> events) {
    for (int i = events.size() - 1; i >= 0; i--) {
      if (events.get(i).path("kind").asText().equals("queued")) {
        return i;
      }
    }
    throw new AssertionError("no queued event");
  }

  /** The stopped service's training thread ends at its next epoch boundary; wait for it before restarting. */
  private static void awaitTrainingThreadsGone() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.isAlive() && t.getName().contains("training-dispatcher"))) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("training threads still running 60 s after the service stopped");
      }
      Thread.sleep(100);
    }
  }
}
