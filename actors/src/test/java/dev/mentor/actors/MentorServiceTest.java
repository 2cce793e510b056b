package dev.mentor.actors;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mentor.messages.job.ControlRequest.Action;
import dev.mentor.messages.job.ControlRequest;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.messages.topic.Topics;
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

  /** The "flaky" experiment's trainer throws at the end of its second epoch, on its first attempt only. */
  private static void injectFaults(String experiment, String run, long seed, int epoch, int attempt) {
    if (experiment.equals("flaky") && run.equals("scratch") && epoch == 2 && attempt == 0) {
      throw new IllegalStateException("injected fault at the end of epoch 2");
    }
  }
  private static ServiceFixture service;

  @BeforeAll
  static void startService() throws Exception {
    service = ServiceFixture.start(state, ServiceSettings.defaults().withCpuSlots(2).withEpochHook(MentorServiceTest::injectFaults));
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
    List<JsonNode> events = follow(Topics.STATUS, "served", List.of("finished", "failed", "cancelled"));
    List<String> kinds = events.stream().map(e -> e.path("kind").asText()).toList();
    assertThat(kinds).first().isEqualTo("queued");
    assertThat(kinds).last().isEqualTo("finished");
    assertThat(kinds.stream().filter("run-finished"::equals)).hasSize(3);
    assertThat(kinds.stream().filter("epoch"::equals)).hasSize(6);
    JsonNode epoch = events.stream().filter(e -> e.path("kind").asText().equals("epoch") && e.path("arm").asText().equals("student"))
        .findFirst().orElseThrow();
    assertThat(epoch.path("metrics").path("terms").has("kd")).isTrue();

    List<JsonNode> results = records("served", 3);
    assertThat(results).extracting(r -> r.path("arm").asText()).containsExactlyInAnyOrder("teacher", "student", "scratch");
    results.sort(java.util.Comparator.comparing(r -> List.of("teacher", "student", "scratch").indexOf(r.path("arm").asText())));
    JsonNode studentScheduled = events.stream().filter(e -> e.path("kind").asText().equals("run-scheduled") && e.path("arm").asText().equals("student"))
        .findFirst().orElseThrow();
    assertThat(studentScheduled.path("message").asText()).startsWith("student on cpu#");
    assertThat(events.indexOf(studentScheduled)).as("the student starts after its teacher's run finished")
        .isGreaterThan(indexOf(events, "run-finished", "teacher"));
    assertThat(indexOf(events, "run-started", "scratch")).as("scratch, independent of the teacher, trains at the same time")
        .isLessThan(indexOf(events, "run-finished", "teacher"));
    assertThat(results.get(1).path("distillation").path("teacher").asText()).isEqualTo("arm teacher seed 1");
    assertThat(state.resolve("runs").resolve("served").resolve("report.md")).isRegularFile();

    submit("served", SPEC.formatted("served"));
    List<JsonNode> again = follow(Topics.STATUS, "served", List.of("duplicate"));
    assertThat(again).last().satisfies(e -> assertThat(e.path("message").asText()).contains("not run again"));
  }

  @Test
  void aJobWithARelativeDataPathFailsNamingTheFieldInsteadOfReadingUnderTheStateFolder() throws Exception {
    // The job has no file its relative path could be relative to; the state folder is no such place.
    java.nio.file.Files.createDirectories(state.resolve("service").resolve("mine"));
    submit("relative", """
        name: relative
        seeds: [1]
        data: {source: idx, path: mine}
        tasks: {t: {classes: [0, 1]}}
        arms: [{name: a, task: t, epochs: 1, model: {type: logistic}}]
        """);
    List<JsonNode> events = follow(Topics.STATUS, "relative", List.of("finished", "failed", "cancelled"));
    assertThat(events).last().satisfies(e -> {
      assertThat(e.path("kind").asText()).isEqualTo("failed");
      assertThat(e.path("message").asText()).contains("data.path").contains("relative").contains("absolute");
    });
  }

  @Test
  void aCancelledExperimentStopsBetweenRuns() throws Exception {
    submit("to-cancel", SPEC.formatted("to-cancel"));
    follow(Topics.STATUS, "to-cancel", List.of("run-started"));
    new KafkaTestClient(service.bootstrapServers()).send(Topics.CONTROL, "to-cancel", SpecReader.toJson(ControlRequest.cancel("to-cancel")));
    List<JsonNode> events = follow(Topics.STATUS, "to-cancel", List.of("finished", "failed", "cancelled"));
    assertThat(events).last().satisfies(e -> {
      assertThat(e.path("kind").asText()).isEqualTo("cancelled");
      assertThat(e.path("message").asText()).contains("not run");
    });
    assertThat(events.stream().filter(e -> e.path("kind").asText().equals("run-finished")).count()).isLessThan(3);
  }

  @Test
  void aJobAtTheRunLimitStartsAtOnceAndItsCancelIsHonouredWithinAnEpoch() throws Exception {
    // 100 arms x 100 seeds = 10,000 runs, the limit: planned in linear time, cancelled between epochs, never resumed.
    StringBuilder spec = new StringBuilder("""
        name: at-the-limit
        seeds: [%s]
        data: {source: synthetic, syntheticClasses: 3, syntheticPerClass: 10}
        tasks:
          t: {classes: [0, 1, 2]}
        defaults: {task: t, epochs: 3, batchSize: 16, model: {type: mlp, widths: [4]}}
        arms:
        """.formatted(String.join(", ", java.util.stream.IntStream.rangeClosed(1, 100).mapToObj(String::valueOf).toList())));
    for (int a = 0; a < 100; a++) {
      spec.append("  - {name: arm-").append(a).append("}\n");
    }
    long submitted = System.nanoTime();
    submit("at-the-limit", spec.toString());
    follow(Topics.STATUS, "at-the-limit", List.of("run-started"));
    double startSeconds = (System.nanoTime() - submitted) / 1e9;
    long cancelAt = System.nanoTime();
    new KafkaTestClient(service.bootstrapServers()).send(Topics.CONTROL, "at-the-limit",
        SpecReader.toJson(ControlRequest.cancel("at-the-limit")));
    List<JsonNode> events = follow(Topics.STATUS, "at-the-limit", List.of("finished", "failed", "cancelled"));
    double cancelSeconds = (System.nanoTime() - cancelAt) / 1e9;
    assertThat(events).last().satisfies(e -> assertThat(e.path("kind").asText()).isEqualTo("cancelled"));
    assertThat(events.stream().filter(e -> e.path("kind").asText().equals("run-finished")).count()).isLessThan(10_000);
    assertThat(startSeconds).as("seconds from submit to the first run").isLessThan(60);
    assertThat(cancelSeconds).as("seconds from cancel to cancelled").isLessThan(30);
    assertThat(state.resolve("service").resolve("jobs").resolve("at-the-limit.ended")).content().startsWith("cancelled");
  }

  private static int indexOf(List<JsonNode> events, String kind, String arm) {
    for (int i = 0; i < events.size(); i++) {
      if (events.get(i).path("kind").asText().equals(kind) && events.get(i).path("arm").asText().equals(arm)) {
        return i;
      }
    }
    throw new AssertionError("no " + kind + " event of " + arm);
  }

  @Test
  void aDivergedArmFailsAtOnceItsStudentIsNotRunAndTheOtherArmsGoOn() throws Exception {
    String spec = SPEC.formatted("failing").replace("- {name: teacher, model: {type: cnn, channels: [4, 8], hidden: 16}}",
        "- {name: teacher, model: {type: cnn, channels: [4, 8], hidden: 16}, optimizer: {lr: 1.0e12}}");
    submit("failing", spec);
    List<JsonNode> events = follow(Topics.STATUS, "failing", List.of("finished", "cancelled"), "2 of 3 runs failed");
    List<String> kinds = events.stream().map(e -> e.path("kind").asText() + " " + e.path("arm").asText()).toList();
    assertThat(kinds).contains("failed teacher", "failed student", "run-finished scratch");
    assertThat(kinds).doesNotContain("run-started student", "retrying teacher");
    JsonNode teacherFailure = events.stream().filter(e -> e.path("kind").asText().equals("failed") && e.path("arm").asText().equals("teacher"))
        .findFirst().orElseThrow();
    assertThat(teacherFailure.path("message").asText()).as("a diverged loss fails at once, with its reason")
        .contains("TrainingDivergedException").contains("loss became");
    assertThat(events).last().satisfies(e -> assertThat(e.path("message").asText())
        .contains("teacher seed 1: TrainingDivergedException", "student seed 1: not run: it needs teacher seed 1, which failed"));
  }

  @Test
  void aTrainerThatThrowsOnItsSecondEpochIsRestartedFromItsCheckpointAndTheExperimentCompletes() throws Exception {
    submit("flaky", SPEC.formatted("flaky"));
    List<JsonNode> events = follow(Topics.STATUS, "flaky", List.of("finished", "failed", "cancelled"));
    assertThat(events).last().satisfies(e -> assertThat(e.path("kind").asText()).isEqualTo("finished"));
    List<String> scratch = events.stream().filter(e -> e.path("arm").asText().equals("scratch"))
        .map(e -> e.path("kind").asText() + (e.path("kind").asText().equals("epoch") ? " " + e.path("epoch").asInt() : "")).toList();
    assertThat(scratch).containsSubsequence("run-started", "epoch 1", "epoch 2", "retrying", "run-started", "epoch 2", "run-finished");
    assertThat(scratch).as("resumed from the checkpoint of epoch 1: epoch 1 is not trained again").containsOnlyOnce("epoch 1");
    JsonNode retry = events.stream().filter(e -> e.path("kind").asText().equals("retrying")).findFirst().orElseThrow();
    assertThat(retry.path("message").asText()).contains("attempt 2 of 3", "injected fault at the end of epoch 2");
    assertThat(records("flaky", 3)).hasSize(3);
  }

  @Test
  void anEnsemblesMembersTrainAtTheSameTimeAndTheEnsembleMatchesAnInProcessRun() throws Exception {
    String spec = """
        name: ensemble
        seeds: [2]
        data: {source: synthetic, syntheticClasses: 3, syntheticPerClass: 30}
        tasks:
          t: {classes: [0, 1, 2]}
        defaults: {task: t, epochs: 8, batchSize: 16, optimizer: {lr: 0.01}}
        arms:
          - {name: deep, model: {type: mlp, widths: [8]}, ensemble: {members: 3}}
        """;
    submit("ensemble", spec);
    List<JsonNode> events = follow(Topics.STATUS, "ensemble", List.of("finished", "failed", "cancelled"));
    assertThat(events).last().satisfies(e -> assertThat(e.path("kind").asText()).isEqualTo("finished"));
    assertThat(events.stream().filter(e -> e.path("kind").asText().equals("run-scheduled")).map(e -> e.path("message").asText()))
        .filteredOn(m -> m.startsWith("ensemble-member on")).hasSize(3);
    assertThat(indexOf(events, "run-started", "deep/member-1")).as("member 1 starts while member 0 trains")
        .isLessThan(lastIndexOf(events, "epoch", "deep/member-0"));
    assertThat(indexOf(events, "run-scheduled", "deep")).as("the ensemble is evaluated after its members")
        .isGreaterThan(lastIndexOf(events, "epoch", "deep/member-2"));
    List<JsonNode> results = records("ensemble", 1);
    assertThat(results).hasSize(1);
    dev.mentor.messages.record.RunRecord alone = new dev.mentor.training.run.ExperimentRunner(SpecReader.parse(spec), state,
        state.resolve("alone")).run(dev.mentor.training.run.RunListener.NONE).get(0);
    assertThat(results.get(0).path("test").path("accuracy").asDouble()).isEqualTo(alone.test().accuracy());
    assertThat(results.get(0).path("test").path("nll").asDouble()).as("members trained at the same time are those trained one by one")
        .isEqualTo(alone.test().nll());
  }

  private static int lastIndexOf(List<JsonNode> events, String kind, String arm) {
    for (int i = events.size() - 1; i >= 0; i--) {
      if (events.get(i).path("kind").asText().equals(kind) && events.get(i).path("arm").asText().equals(arm)) {
        return i;
      }
    }
    throw new AssertionError("no " + kind + " event of " + arm);
  }

  @Test
  void aPausedExperimentHoldsItsRunsUntilResumed() throws Exception {
    String spec = SPEC.formatted("paused").replace("epochs: 2", "epochs: 30");
    submit("paused", spec);
    follow(Topics.STATUS, "paused", List.of("epoch"));
    KafkaTestClient client = new KafkaTestClient(service.bootstrapServers());
    client.send(Topics.CONTROL, "paused", SpecReader.toJson(ControlRequest.of("paused", Action.PAUSE)));
    follow(Topics.STATUS, "paused", List.of("paused"));
    // A run may end the epoch it was in when the pause arrived; after that, nothing moves.
    Thread.sleep(2000);
    long epochsWhenPaused = client.readAll(Topics.STATUS, "paused").stream().filter(e -> e.path("kind").asText().equals("epoch")).count();
    Thread.sleep(2000);
    long epochsLater = client.readAll(Topics.STATUS, "paused").stream().filter(e -> e.path("kind").asText().equals("epoch")).count();
    assertThat(epochsLater).as("no epoch ends while paused").isEqualTo(epochsWhenPaused);
    assertThat(epochsWhenPaused).as("paused mid-run").isLessThan(90);
    client.send(Topics.CONTROL, "paused", SpecReader.toJson(ControlRequest.of("paused", Action.RESUME)));
    List<JsonNode> events = follow(Topics.STATUS, "paused", List.of("finished", "failed", "cancelled"));
    assertThat(events).last().satisfies(e -> assertThat(e.path("kind").asText()).isEqualTo("finished"));
    assertThat(events.stream().filter(e -> e.path("kind").asText().equals("epoch"))).hasSize(90);
  }
}
