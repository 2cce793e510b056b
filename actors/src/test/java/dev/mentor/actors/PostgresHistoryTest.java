package dev.mentor.actors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mentor.actors.kafka.EmbeddedKafka;
import dev.mentor.actors.kafka.JobIntake;
import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.messages.topic.Topics;
import dev.mentor.training.history.HistoryLocation;
import dev.mentor.training.history.HistoryRebuild;
import dev.mentor.training.history.HistoryStore;
import dev.mentor.training.history.HistoryWrite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The history on a real PostgreSQL (Debian's, started by the test on loopback): the schema
 * migrated by Flyway, an experiment run by the service recorded as it runs (a failed epoch's
 * retry included) and queried back read-only, a rebuild over it that changes nothing, a
 * {@code mentor run} killed by SIGKILL mid-way that leaves the database consistent (and run
 * again completes it), and two writers at once that lose no row.
 */
class PostgresHistoryTest {
  private static final String SPEC = """
      name: clustered
      seeds: [1]
      data: {source: synthetic, syntheticClasses: 3, syntheticPerClass: 30}
      tasks: {t: {classes: [0, 1, 2]}}
      defaults: {task: t, epochs: 2, batchSize: 16, optimizer: {lr: 0.01}}
      arms:
        - {name: teacher, model: {type: mlp, widths: [16]}}
        - {name: student, model: {type: mlp, widths: [8]}, distill: {teacher: {arm: teacher}, temperature: 4}}
      """;

  @TempDir static Path state;
  private static PostgresServer postgres;

  @BeforeAll
  static void startPostgres() throws Exception {
    postgres = PostgresServer.start();
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    if (postgres != null) {
      postgres.close();
    }
  }

  /** The student's first attempt fails at the end of its first epoch: the service retries it. */
  private static void failOnce(String experiment, String run, long seed, int epoch, int attempt) {
    if (run.equals("student") && epoch == 1 && attempt == 0) {
      throw new IllegalStateException("injected fault");
    }
  }

  @Test
  void aServiceRunIsRecordedInPostgres_queriedReadOnly_andARebuildChangesNothing() throws Exception {
    HistoryLocation history = postgres.database("served");
    try (ServiceFixture service = ServiceFixture.start(state, ServiceSettings.defaults().withCpuSlots(1)
        .withEpochHook(PostgresHistoryTest::failOnce).withHistory(history))) {
      KafkaTestClient kafka = new KafkaTestClient(service.bootstrapServers());
      kafka.submit("clustered", SPEC);
      List<JsonNode> events = kafka.follow(Topics.STATUS, "clustered", List.of("finished", "failed", "cancelled"), null);
      assertThat(events).last().satisfies(e -> assertThat(e.path("kind").asText()).isEqualTo("finished"));
    }
    // The node closed: its history writer wrote everything before it stopped.
    Path experiment = state.resolve("runs/clustered");
    RunRecord student = SpecReader.json().readValue(experiment.resolve("student-s1/results.json").toFile(), RunRecord.class);
    try (HistoryStore store = HistoryStore.open(history)) {
      assertThat(store.query("SELECT name, state, job_id, runs_planned, host IS NOT NULL FROM experiments", 10).rows())
          .containsExactly(List.of("clustered", "finished", "clustered", 2, true));
      assertThat(store.query("SELECT arm, role, state, test_accuracy FROM runs ORDER BY arm", 10).rows()).containsExactly(
          List.of("student", "student", "finished", student.test().accuracy()),
          List.of("teacher", "teacher", "finished", rows(store, "SELECT test_accuracy FROM runs WHERE arm = 'teacher'").get(0).get(0)));
      assertThat(rows(store, "SELECT epoch, validation_loss FROM epochs WHERE arm = 'student' ORDER BY epoch"))
          .containsExactlyElementsOf(student.history().stream().map(e -> List.<Object>of(e.epoch(), e.validationLoss())).toList());
      assertThat(rows(store, "SELECT kind, message FROM events WHERE arm = 'student' AND kind = 'retry'"))
          .singleElement().satisfies(row -> assertThat((String) row.get(1)).contains("attempt 2 of 3", "injected fault"));

      long epochs = count(store, "SELECT COUNT(*) FROM epochs");
      assertThatThrownBy(() -> store.query("WITH gone AS (DELETE FROM epochs RETURNING 1) SELECT COUNT(*) FROM gone", 10))
          .isInstanceOf(SQLException.class).hasMessageContaining("read-only");
      assertThatThrownBy(() -> store.query("UPDATE runs SET state = 'x'", 10)).isInstanceOf(IllegalArgumentException.class);
      assertThat(count(store, "SELECT COUNT(*) FROM epochs")).isEqualTo(epochs).isEqualTo(4);

      HistoryRebuild.rebuild(store, state.resolve("runs"));
      assertThat(count(store, "SELECT COUNT(*) FROM epochs")).isEqualTo(epochs);
      assertThat(count(store, "SELECT COUNT(*) FROM runs")).isEqualTo(2);
      assertThat(rows(store, "SELECT state, job_id, host IS NOT NULL FROM experiments")).as("what the folders do not know stays")
          .containsExactly(List.of("finished", "clustered", true));
      assertThat(count(store, "SELECT COUNT(*) FROM events WHERE kind = 'retry'")).as("the live-only event stays").isEqualTo(1);
    }
  }

  @Test
  void aMentorRunKilledMidWay_leavesTheDatabaseConsistent_andRunAgainItCompletesTheHistory(@TempDir Path dir) throws Exception {
    HistoryLocation history = postgres.database("killed");
    Path spec = dir.resolve("killed.yaml");
    Files.writeString(spec, """
        name: killed
        seeds: [1]
        data: {source: synthetic, syntheticClasses: 3, syntheticPerClass: 100}
        tasks: {t: {classes: [0, 1, 2]}}
        defaults: {task: t, epochs: 60, batchSize: 16, model: {type: mlp, widths: [16]}}
        arms: [{name: a}]
        """);
    String url = history.url() + "?user=" + PostgresServer.USER;
    String[] run = {"run", spec.toString(), "--in-process", "--output", dir.resolve("runs").toString(), "--history", url};
    long epochs = 0;
    // Opened (and migrated) first: the tables are there to poll while the child starts.
    try (HistoryStore store = HistoryStore.open(history)) {
      Process writer = MentorProcess.start(dir.resolve("first.log"), run);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (epochs < 5 && writer.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(50);
        epochs = count(store, "SELECT COUNT(*) FROM epochs WHERE experiment_id LIKE 'killed@%'");
      }
      assertThat(writer.isAlive()).as("still training after %d epochs were recorded", epochs).isTrue();
      // SIGKILL, by pid: no shutdown hook, no flush; a transaction in flight dies with the connection.
      ProcessHandle.of(writer.pid()).orElseThrow().destroyForcibly();
      assertThat(writer.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    try (HistoryStore store = HistoryStore.open(history)) {
      assertThat(rows(store, "SELECT state FROM experiments WHERE name = 'killed'")).containsExactly(List.of("running"));
      long recorded = count(store, "SELECT COUNT(*) FROM epochs WHERE experiment_id LIKE 'killed@%'");
      assertThat(recorded).isGreaterThanOrEqualTo(epochs).isLessThan(60);
      assertThat(count(store, "SELECT MAX(epoch) FROM epochs WHERE experiment_id LIKE 'killed@%'")).as("no gap: whole batches only").isEqualTo(recorded);
    }
    Process again = MentorProcess.start(dir.resolve("again.log"), run);
    assertThat(again.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(again.exitValue()).as(Files.readString(dir.resolve("again.log"))).isZero();
    try (HistoryStore store = HistoryStore.openForReading(history)) {
      assertThat(rows(store, "SELECT e.state, r.state, COUNT(p.epoch), COUNT(DISTINCT p.epoch) FROM experiments e JOIN runs r ON r.experiment_id = e.id"
          + " JOIN epochs p ON p.experiment_id = e.id WHERE e.name = 'killed' GROUP BY e.state, r.state"))
          .containsExactly(List.of("finished", "finished", 60L, 60L));
    }
  }

  @Test
  void twoWritersAtOnce_migratingTogether_loseNoRow() throws Exception {
    HistoryLocation history = postgres.database("concurrent");
    int rows = 200;
    CyclicBarrier start = new CyclicBarrier(2);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<Void>> writers = new ArrayList<>();
      for (String id : List.of("node-a", "node-b")) {
        Callable<Void> writer = () -> {
          start.await();
          try (HistoryStore store = HistoryStore.open(history)) {
            store.write(List.of(new HistoryWrite.Experiment(id, id, "0".repeat(64), "{}", null, null, null, "running", null, 1, 1, 1, 1L, 1L,
                null, 1L, false)));
            for (int e = 1; e <= rows; e++) {
              store.write(List.of(new HistoryWrite.Epoch(id, "a", 1, -1, new EpochMetrics(e, "train", 1, 1, 1, 1, 1, 1, 1, Map.of()), 0)));
            }
          }
          return null;
        };
        writers.add(pool.submit(writer));
      }
      for (Future<Void> writer : writers) {
        writer.get(2, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    try (HistoryStore store = HistoryStore.open(history)) {
      assertThat(rows(store, "SELECT experiment_id, COUNT(*) FROM epochs WHERE experiment_id LIKE 'node-%' GROUP BY experiment_id ORDER BY experiment_id"))
          .containsExactly(List.of("node-a", (long) rows), List.of("node-b", (long) rows));
    }
  }

  @Test
  void twoServiceNodesSharingTheJobs_writeOneHistory_andLoseNoRow(@TempDir Path dir) throws Exception {
    HistoryLocation history = postgres.database("twonodes");
    ServiceSettings settings = ServiceSettings.defaults().withCpuSlots(1).withHistory(history);
    int jobs = 8;
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("broker"))) {
      Map<String, Object> client = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
      KafkaTestClient test = new KafkaTestClient(kafka.bootstrapServers());
      try (MentorNode first = MentorNode.start(client, dir.resolve("node-1"), null, dir.resolve("runs"), (short) 1, settings);
          MentorNode second = MentorNode.start(client, dir.resolve("node-2"), null, dir.resolve("runs"), (short) 1, settings)) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while ((first.jobPartitions().isEmpty() || second.jobPartitions().isEmpty()) && System.nanoTime() < deadline) {
          Thread.sleep(100);
        }
        // As SharedJobsTest: these 8 ids land on partitions that both members own some of, so both nodes write.
        for (int i = 0; i < jobs; i++) {
          test.submit("shared-" + i, """
              name: shared-%d
              seeds: [1, 2]
              data: {source: synthetic, syntheticClasses: 2, syntheticPerClass: 10}
              tasks: {t: {classes: [0, 1]}}
              arms:
                - {name: a, task: t, model: {type: logistic}, epochs: 3}
              """.formatted(i));
        }
        for (int i = 0; i < jobs; i++) {
          test.follow(Topics.STATUS, "shared-" + i, List.of("finished"), null);
        }
        int onFirst = 0;
        for (int i = 0; i < jobs; i++) {
          onFirst += Files.exists(JobIntake.jobFile(dir.resolve("node-1"), "shared-" + i)) ? 1 : 0;
        }
        assertThat(onFirst).as("jobs run by node 1 (of %d)", jobs).isBetween(1, jobs - 1);
      }
    }
    // Both nodes closed, their writers flushed: every experiment, run and epoch of both is there once.
    try (HistoryStore store = HistoryStore.openForReading(history)) {
      assertThat(count(store, "SELECT COUNT(*) FROM experiments WHERE state = 'finished'")).isEqualTo(jobs);
      assertThat(count(store, "SELECT COUNT(*) FROM runs WHERE state = 'finished'")).isEqualTo(2L * jobs);
      assertThat(count(store, "SELECT COUNT(*) FROM epochs")).isEqualTo(3L * 2 * jobs);
      assertThat(rows(store, "SELECT e.name, COUNT(*) FROM epochs p JOIN experiments e ON e.id = p.experiment_id GROUP BY e.name ORDER BY e.name"))
          .hasSize(jobs).allSatisfy(row -> assertThat(row.get(1)).isEqualTo(6L));
    }
  }

  private static List<List<Object>> rows(HistoryStore store, String sql) throws SQLException {
    return store.query(sql, 1000).rows();
  }

  private static long count(HistoryStore store, String sql) throws SQLException {
    return ((Number) rows(store, sql).get(0).get(0)).longValue();
  }
}
