package dev.mentor.actors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mentor.actors.kafka.EmbeddedKafka;
import dev.mentor.actors.kafka.JobIntake;
import dev.mentor.messages.topic.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two service nodes on one broker form one consumer group and share the submitted experiments. */
class SharedJobsTest {
  @TempDir Path state;

  @Test
  void twoNodesShareTheJobs() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(state.resolve("broker"))) {
      Map<String, Object> client = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
      KafkaTestClient test = new KafkaTestClient(kafka.bootstrapServers());
      try (MentorNode first = MentorNode.start(client, state.resolve("node-1"), state.resolve("runs"), (short) 1);
          MentorNode second = MentorNode.start(client, state.resolve("node-2"), state.resolve("runs"), (short) 1)) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while ((first.jobPartitions().isEmpty() || second.jobPartitions().isEmpty()
            || first.jobPartitions().size() + second.jobPartitions().size() != Topics.JOB_PARTITIONS) && System.nanoTime() < deadline) {
          Thread.sleep(100);
        }
        assertThat(first.jobPartitions()).as("node 1's partitions").isNotEmpty().doesNotContainAnyElementsOf(second.jobPartitions());
        // The 8 ids hash to partitions {0, 1, 3, 5} of 6; two members get 3 partitions each, so each
        // member owns at least one of them whatever the assignment.
        int jobs = 8;
        for (int i = 0; i < jobs; i++) {
          test.submit("shared-" + i, """
              name: shared-%d
              seeds: [1]
              data: {source: synthetic, syntheticClasses: 2, syntheticPerClass: 10}
              tasks:
                t: {classes: [0, 1]}
              arms:
                - {name: a, task: t, model: {type: logistic}, epochs: 1}
              """.formatted(i));
        }
        int onFirst = 0;
        int onSecond = 0;
        for (int i = 0; i < jobs; i++) {
          test.follow(Topics.STATUS, "shared-" + i, List.of("finished"), null);
          boolean first1 = Files.exists(JobIntake.jobFile(state.resolve("node-1"), "shared-" + i));
          boolean second1 = Files.exists(JobIntake.jobFile(state.resolve("node-2"), "shared-" + i));
          assertThat(first1 ^ second1).as("shared-%d accepted by exactly one node", i).isTrue();
          onFirst += first1 ? 1 : 0;
          onSecond += second1 ? 1 : 0;
        }
        assertThat(onFirst).as("jobs run by node 1").isPositive();
        assertThat(onSecond).as("jobs run by node 2").isPositive();
      }
    }
  }
}
