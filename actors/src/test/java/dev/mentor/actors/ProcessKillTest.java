package dev.mentor.actors;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mentor.actors.kafka.EmbeddedKafka;
import dev.mentor.messages.topic.Topics;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code mentor serve} process killed (SIGKILL, no shutdown hook) in the middle of an
 * experiment, then started again: the job is not lost (it was accepted durably before its offset
 * was committed), the experiment completes exactly once, and at most one epoch of work is
 * repeated (the epoch in progress when the process died).
 */
class ProcessKillTest {
  @TempDir Path state;

  private Process serve(String bootstrap, String name) throws Exception {
    return MentorProcess.serve(state.resolve(name + ".log"), "--bootstrap-servers", bootstrap, "--state", state.resolve("service").toString(),
        "--output", state.resolve("runs").toString(), "--cpu-slots", "1", "--metrics-port", "0");
  }

  @Test
  void aKilledServiceCompletesItsExperimentOnceWhenStartedAgain() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(state.resolve("broker"))) {
      KafkaTestClient test = new KafkaTestClient(kafka.bootstrapServers());
      String spec = """
          name: killed
          seeds: [1]
          data: {source: synthetic, syntheticClasses: 3, syntheticPerClass: 120}
          tasks:
            t: {classes: [0, 1, 2]}
          defaults: {task: t, epochs: 30, batchSize: 8}
          arms:
            - {name: a, model: {type: cnn, channels: [4, 8], hidden: 16}}
          """;
      Process first = serve(kafka.bootstrapServers(), "first");
      try {
        test.submit("killed", spec);
        test.followUntil(Topics.STATUS, "killed", e -> e.path("kind").asText().equals("epoch") && e.path("epoch").asInt() >= 3, "epoch 3");
      } finally {
        first.destroyForcibly();
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
      }
      List<JsonNode> before = test.readAll(Topics.STATUS, "killed");
      assertThat(before).noneMatch(e -> e.path("kind").asText().equals("finished"));
      int lastBefore = epochs(before).stream().mapToInt(Integer::intValue).max().orElseThrow();

      Process second = serve(kafka.bootstrapServers(), "second");
      try {
        List<JsonNode> events = test.follow(Topics.STATUS, "killed", List.of("finished", "failed", "cancelled"), null);
        List<JsonNode> after = events.subList(before.size(), events.size());
        assertThat(after.get(0).path("message").asText()).contains("resumed after a restart");
        assertThat(after).last().satisfies(e -> assertThat(e.path("kind").asText()).isEqualTo("finished"));
        int firstAfter = epochs(after).get(0);
        assertThat(firstAfter).as("resumed from the checkpoint: at most the epoch in progress is repeated").isBetween(lastBefore, lastBefore + 1);
        assertThat(epochs(after)).last().isEqualTo(30);
        Thread.sleep(2000);
        assertThat(test.readAll(Topics.STATUS, "killed").stream().filter(e -> e.path("kind").asText().equals("finished")))
            .as("the experiment completes once").hasSize(1);
        assertThat(test.records("killed", 1)).hasSize(1);
      } finally {
        second.destroy();
        second.waitFor(60, TimeUnit.SECONDS);
      }
    }
  }

  private static List<Integer> epochs(List<JsonNode> events) {
    return events.stream().filter(e -> e.path("kind").asText().equals("epoch")).map(e -> e.path("epoch").asInt()).toList();
  }
}
