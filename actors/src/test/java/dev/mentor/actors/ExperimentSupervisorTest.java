package dev.mentor.actors;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.mentor.actors.ExperimentSupervisor.PreparedExperiment;
import dev.mentor.actors.status.StatusSink;
import dev.mentor.messages.job.StatusEvent.ExperimentEnded;
import dev.mentor.messages.job.StatusEvent.Kind;
import dev.mentor.messages.job.StatusEvent;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.messages.tensor.TeacherStreamRequest;
import dev.mentor.training.history.HistoryLocation;
import dev.mentor.training.history.HistoryStore;
import dev.mentor.training.history.HistoryWriter;
import dev.mentor.training.run.RunPlan.Task;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The supervisor's phases, without Kafka: commands that arrive while the experiment is still
 * being prepared are honoured (a cancel ends it at once, a shutdown stops it unended, a pause holds
 * its runs from the start), and a prepared experiment runs every task after what it needs and
 * ends as finished. Preparation is real (synthetic data, the spec checked against it); the test
 * holds it back by keeping the one thread of the blocking dispatcher busy until it lets go. Each
 * experiment's state is recorded in the history as each phase ends it (paused, cancelled, stopped, finished).
 */
class ExperimentSupervisorTest {
  private static final String SPEC = """
      name: %s
      seeds: [1]
      data: {source: synthetic, syntheticClasses: 3, syntheticPerClass: 20}
      tasks:
        t: {classes: [0, 1, 2]}
      defaults: {task: t, epochs: 1, batchSize: 16, optimizer: {lr: 0.01}}
      arms:
        - {name: teacher, model: {type: mlp, widths: [8]}}
        - {name: student, model: {type: mlp, widths: [4]}, distill: {teacher: {arm: teacher}, temperature: 4, alpha: 0.9}}
      """;

  @TempDir Path dir;
  private ActorTestKit kit;
  private final List<StatusEvent> events = new CopyOnWriteArrayList<>();
  private final List<RunRecord> results = new CopyOnWriteArrayList<>();
  private final StatusSink sink = new StatusSink() {
    @Override
    public void status(StatusEvent event) {
      events.add(event);
    }

    @Override
    public void result(String experimentId, RunRecord record) {
      results.add(record);
    }
  };
  /** Released to let preparation start. */
  private final CountDownLatch preparing = new CountDownLatch(1);

  /** Every experiment of a test is recorded here, as the service records it. */
  private HistoryWriter history;

  @BeforeEach
  void start() {
    history = HistoryWriter.start(HistoryLocation.sqlite(dir.resolve("history.db")), System.err);
    // One thread for blocking work, taken at once by a task that waits for the latch: the supervisor's preparation queues behind it.
    kit = ActorTestKit.create(ConfigFactory.parseMap(Map.of("pekko.actor.default-blocking-io-dispatcher.thread-pool-executor.fixed-pool-size", 1))
        .withFallback(ConfigFactory.load()));
    Executor blocking = kit.system().dispatchers().lookup(DispatcherSelector.blocking());
    blocking.execute(() -> {
      try {
        preparing.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
  }

  @AfterEach
  void stop() {
    preparing.countDown();
    kit.shutdownTestKit();
    history.close();
  }

  private ActorRef<ExperimentSupervisor.Command> spawn(String id, ActorRef<DeviceAllocator.Command> devices) throws Exception {
    return spawn(id, devices, null);
  }

  private ActorRef<ExperimentSupervisor.Command> spawn(String id, ActorRef<DeviceAllocator.Command> devices,
      ActorRef<PreparedExperiment> preparedTo) throws Exception {
    ExperimentSpec spec = SpecReader.parse(SPEC.formatted(id));
    Files.createDirectories(dir.resolve("jobs"));
    return kit.spawn(ExperimentSupervisor.create(id, spec, null, dir.resolve("out"), sink, dir.resolve("jobs"), devices,
        ExperimentSupervisor.EpochHook.NONE, null, null, new CpuShare(2, 1), preparedTo, history), "experiment-" + id);
  }

  /** The experiment's state in the history, and its message, once everything submitted so far is written. */
  private List<Object> recorded(String id) throws Exception {
    assertThat(history.flush(Duration.ofSeconds(10))).isTrue();
    try (HistoryStore store = HistoryStore.openForReading(history.location())) {
      return store.query("SELECT state, message FROM experiments WHERE name = '" + id + "'", 1).rows().get(0);
    }
  }

  private List<Kind> kinds() {
    return events.stream().map(StatusEvent::kind).toList();
  }

  private StatusEvent await(Kind kind) {
    TestProbe<Object> clock = kit.createTestProbe();
    return clock.awaitAssert(Duration.ofSeconds(60), () -> {
      assertThat(kinds()).contains(kind);
      return events.stream().filter(e -> e.kind() == kind).findFirst().orElseThrow();
    });
  }

  /** Lets the held-back preparation go and waits until the one blocking thread has run everything queued behind it. */
  private void releaseAndDrainBlocking() throws Exception {
    preparing.countDown();
    CompletableFuture.runAsync(() -> { }, kit.system().dispatchers().lookup(DispatcherSelector.blocking())).get(60, TimeUnit.SECONDS);
  }

  private static TeacherStreamRequest streamRequest(String experimentId, String spec) {
    return new TeacherStreamRequest(TeacherStreamRequest.SCHEMA_VERSION, experimentId, spec, "student", 1, 0, experimentId + "/student/s1", 4, 0);
  }

  @Test
  void aCancelWhilePreparingEndsTheExperimentAtOnceAsCancelled() throws Exception {
    TestProbe<DeviceAllocator.Command> devices = kit.createTestProbe();
    ActorRef<ExperimentSupervisor.Command> supervisor = spawn("cancelled-early", devices.getRef());
    supervisor.tell(ExperimentSupervisor.Cancel.INSTANCE);

    kit.createTestProbe().expectTerminated(supervisor, Duration.ofSeconds(10));
    assertThat(preparing.getCount()).as("still preparing when the cancel was honoured").isEqualTo(1);
    assertThat(kinds()).containsExactly(Kind.STARTED, Kind.CANCELLED);
    assertThat(((ExperimentEnded) events.get(1)).message()).isEqualTo("cancelled before any run started");
    assertThat(dir.resolve("jobs").resolve("cancelled-early.ended")).content().isEqualTo("cancelled\n");
    assertThat(recorded("cancelled-early")).containsExactly("cancelled", "cancelled before any run started");
    devices.expectNoMessage(Duration.ofMillis(200));
    releaseAndDrainBlocking();
    assertThat(dir.resolve("out")).as("the preparation queued before the cancel is skipped: no output folder").doesNotExist();
  }

  @Test
  void aShutdownWhilePreparingStopsTheExperimentLeavingTheJobToResume() throws Exception {
    TestProbe<DeviceAllocator.Command> devices = kit.createTestProbe();
    ActorRef<ExperimentSupervisor.Command> supervisor = spawn("shut-early", devices.getRef());
    supervisor.tell(ExperimentSupervisor.Shutdown.INSTANCE);

    kit.createTestProbe().expectTerminated(supervisor, Duration.ofSeconds(10));
    assertThat(kinds()).containsExactly(Kind.STARTED);
    assertThat(dir.resolve("jobs").resolve("shut-early.ended")).doesNotExist();
    assertThat(recorded("shut-early")).as("resumed at the next start").containsExactly("stopped", "stopped with the service before it was prepared");
    devices.expectNoMessage(Duration.ofMillis(200));
    releaseAndDrainBlocking();
    assertThat(dir.resolve("out")).as("the preparation queued before the shutdown is skipped: no output folder").doesNotExist();
  }

  @Test
  void aPauseWhilePreparingHoldsEveryRunFromTheStartUntilResumed() throws Exception {
    TestProbe<DeviceAllocator.Command> devices = kit.createTestProbe();
    ActorRef<ExperimentSupervisor.Command> supervisor = spawn("paused-early", devices.getRef());
    supervisor.tell(ExperimentSupervisor.Pause.INSTANCE);
    // Kept until the experiment is prepared, then applied before any run asks for a slot.
    kit.createTestProbe().expectNoMessage(Duration.ofMillis(200));
    assertThat(kinds()).containsExactly(Kind.STARTED);
    preparing.countDown();

    await(Kind.PAUSED);
    devices.expectNoMessage(Duration.ofMillis(500));
    assertThat(recorded("paused-early").get(0)).isEqualTo("paused");

    supervisor.tell(ExperimentSupervisor.Resume.INSTANCE);
    DeviceAllocator.Acquire asked = devices.expectMessageClass(DeviceAllocator.Acquire.class, Duration.ofSeconds(10));
    assertThat(asked.work()).as("the student waits for its teacher").isEqualTo(new DeviceAllocator.TrainingRun("paused-early", Task.run("teacher", 1)));
    devices.expectNoMessage(Duration.ofMillis(200));

    // Cancelled while its one request waits for a slot: nothing runs, so it ends at once.
    supervisor.tell(ExperimentSupervisor.Cancel.INSTANCE);
    kit.createTestProbe().expectTerminated(supervisor, Duration.ofSeconds(10));
    assertThat(kinds()).containsExactly(Kind.STARTED, Kind.PAUSED, Kind.RESUMED, Kind.CANCELLED);
    assertThat(recorded("paused-early").get(0)).isEqualTo("cancelled");
  }

  @Test
  void aPreparedExperimentRunsEachTaskAfterWhatItNeedsAndFinishes() throws Exception {
    preparing.countDown();
    ActorRef<DeviceAllocator.Command> devices = kit.spawn(DeviceAllocator.create(DeviceAllocator.slots(0, 1, 2)), "devices");
    TestProbe<PreparedExperiment> preparedTo = kit.createTestProbe();
    ActorRef<ExperimentSupervisor.Command> supervisor = spawn("whole", devices, preparedTo.getRef());

    // The service hears of the prepared experiment: a teacher stream for it, with its very spec, reuses it.
    PreparedExperiment prepared = preparedTo.expectMessageClass(PreparedExperiment.class, Duration.ofSeconds(60));
    ExperimentSpec spec = SpecReader.parse(SPEC.formatted("whole"));
    assertThat(prepared.spec()).isEqualTo(spec);
    assertThat(prepared.serves(streamRequest("whole", SpecReader.toJson(spec)))).isTrue();
    assertThat(prepared.serves(streamRequest("other", SpecReader.toJson(spec)))).as("another experiment").isFalse();
    assertThat(prepared.serves(streamRequest("whole", SpecReader.toJson(SpecReader.parse(SPEC.formatted("whole").replace("epochs: 1", "epochs: 2"))))))
        .as("the same id with another spec (another process's experiment): prepared there, not reused").isFalse();

    kit.createTestProbe().expectTerminated(supervisor, Duration.ofSeconds(120));
    assertThat(kinds()).last().isEqualTo(Kind.FINISHED);
    assertThat(recorded("whole").get(0)).isEqualTo("finished");
    assertThat(results).extracting(RunRecord::arm).containsExactly("teacher", "student");
    assertThat(dir.resolve("jobs").resolve("whole.ended")).content().isEqualTo("finished\n");
    assertThat(dir.resolve("out").resolve("whole").resolve("report.md")).isRegularFile();
  }
}
