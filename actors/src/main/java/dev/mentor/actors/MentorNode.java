package dev.mentor.actors;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.mentor.actors.kafka.ControlListener;
import dev.mentor.actors.kafka.JobIntake;
import dev.mentor.actors.kafka.JsonTopicListener;
import dev.mentor.actors.kafka.KafkaClients;
import dev.mentor.actors.kafka.KafkaStatusSink;
import dev.mentor.actors.kafka.MentorTopics;
import dev.mentor.actors.kafka.TeacherRequestListener;
import dev.mentor.actors.status.MeteredStatusSink;
import dev.mentor.actors.status.StatusSink;
import dev.mentor.messages.job.ControlRequest;
import dev.mentor.messages.job.JobCodec;
import dev.mentor.messages.job.JobRejection;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.messages.tensor.TeacherStreamRequest;
import dev.mentor.messages.topic.Topics;
import dev.mentor.monitoring.LoopHealth;
import dev.mentor.monitoring.MentorMonitoring;
import dev.mentor.training.history.HistoryWriter;
import dev.mentor.training.timing.Timeline;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * One Mentor service process wired to a broker: creates the topics, then runs the actor system
 * (guardian {@link MentorService}), the job intake feeding it, the control listener forwarding
 * cancel, pause and resume requests, the listener taking teacher-stream requests (each role
 * only when the settings give the process that role), and the sink publishing status and results;
 * when the settings ask for metrics, the process's meters and endpoint ({@link MentorMonitoring},
 * given this node's broker, device slots and actor system through its probes). Experiments accepted before and
 * not ended (the service stopped or crashed while they ran) are resumed at start, from their
 * runs' checkpoints. When the settings name a history database, every experiment is recorded in it
 * as it runs ({@link HistoryWriter}). {@link #close()} stops intake and
 * control first, so no new work arrives, then the actors, the history, the sink last.
 */
public final class MentorNode implements AutoCloseable {
  private final KafkaStatusSink sink;
  private final ActorSystem<MentorService.Command> system;
  private final JobIntake intake;
  private final JsonTopicListener<ControlRequest> control;
  private final JsonTopicListener<TeacherStreamRequest> teachers;
  private final MentorMonitoring monitoring;
  private final NodeProbes probes;
  private final LoopHealth loops;
  private final HistoryWriter history;

  /** How long {@link #close()} waits for runs to finish their epoch before it stops anyway. */
  public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(120);

  /** Where the status sink keeps what the broker had not acknowledged when the node closed. */
  public static final String UNPUBLISHED_FILE = "unpublished.jsonl";

  private MentorNode(KafkaStatusSink sink, ActorSystem<MentorService.Command> system, JobIntake intake,
      JsonTopicListener<ControlRequest> control, JsonTopicListener<TeacherStreamRequest> teachers,
      MentorMonitoring monitoring, NodeProbes probes, LoopHealth loops, HistoryWriter history) {
    this.loops = loops;
    this.history = history;
    this.teachers = teachers;
    this.monitoring = monitoring;
    this.probes = probes;
    this.sink = sink;
    this.system = system;
    this.intake = intake;
    this.control = control;
  }

  /**
   * Starts a node. {@code clientProperties} holds {@code bootstrap.servers} and any client
   * security settings; {@code stateDir} keeps accepted jobs; runs go to {@code outputRoot}. Jobs
   * come without a spec file, so a relative path in a spec (data, checkpoints) is refused.
   */
  public static MentorNode start(Map<String, Object> clientProperties, Path stateDir, Path outputRoot, short replicationFactor)
      throws Exception {
    return start(clientProperties, stateDir, null, outputRoot, replicationFactor);
  }

  /**
   * As above, resolving relative paths in specs (data, checkpoints) against {@code baseDir}, the
   * folder of the experiment file the jobs come from; null where they come from no file (a
   * service), which refuses relative paths rather than guess what they are relative to.
   */
  public static MentorNode start(Map<String, Object> clientProperties, Path stateDir, Path baseDir, Path outputRoot, short replicationFactor)
      throws Exception {
    return start(clientProperties, stateDir, baseDir, outputRoot, replicationFactor, ServiceSettings.defaults());
  }

  /** As above, with the device slots (and test hooks) of {@code settings}. */
  public static MentorNode start(Map<String, Object> clientProperties, Path stateDir, Path baseDir, Path outputRoot, short replicationFactor,
      ServiceSettings settings) throws Exception {
    return start(clientProperties, stateDir, baseDir, outputRoot, replicationFactor, settings, () -> {});
  }

  /** Waits until the broker of the client properties accepts connections (it may still be starting). */
  @FunctionalInterface
  public interface BrokerStart {
    void await() throws Exception;
  }

  /**
   * As above, for a broker that may still be starting at its known address (an embedded one):
   * what needs no broker — the status sink's producer, the monitoring, the actor system — is built
   * first, then {@code brokerStart} is awaited before the topics are declared and the consumers
   * start. A client that connects early retries until the broker listens.
   */
  public static MentorNode start(Map<String, Object> clientProperties, Path stateDir, Path baseDir, Path outputRoot, short replicationFactor,
      ServiceSettings settings, BrokerStart brokerStart) throws Exception {
    LoopHealth loops = new LoopHealth();
    Files.createDirectories(stateDir);
    KafkaStatusSink kafkaSink = new KafkaStatusSink(clientProperties, stateDir.resolve(UNPUBLISHED_FILE), loops, Duration.ofSeconds(10));
    MentorMonitoring monitoring = settings.metrics() == null ? null : new MentorMonitoring(settings.metrics().retention(), loops, kafkaSink);
    StatusSink sink = monitoring == null ? kafkaSink : new MeteredStatusSink(kafkaSink, monitoring.training(), monitoring.runtime());
    // One training thread per device slot (a run holds its slot's thread while it trains), and one
    // per teacher-stream slot when this process serves teachers (MentorService: they have slots of their own).
    int threads = settings.slots().size() * (settings.roles().contains(ServiceSettings.TEACHERS) ? 2 : 1);
    // The node stops its actor system itself (close: runs finish their epoch first); Pekko's own JVM hook would stop it at once.
    Config config = ConfigFactory.parseMap(Map.of(
        ExperimentSupervisor.TRAINING_DISPATCHER + ".thread-pool-executor.fixed-pool-size", threads,
        "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook", "off"))
        .withFallback(ConfigFactory.load());
    Timeline.Span actors = Timeline.process().start("service: actor system");
    // Opens the database on its own thread: a history that is away never holds up (or fails) the service.
    HistoryWriter history = settings.history() == null ? null : HistoryWriter.start(settings.history(), System.err);
    ActorSystem<MentorService.Command> system = ActorSystem.create(MentorService.create(baseDir, outputRoot, sink,
        JobIntake.jobsDir(stateDir), settings, clientProperties, history), "mentor", config);
    actors.close();
    try {
      brokerStart.await();
      try (Timeline.Span span = Timeline.process().start("service: topics"); Admin admin = new KafkaClients(clientProperties).admin()) {
        MentorTopics.ensure(admin, replicationFactor);
      }
    } catch (Exception e) {
      system.terminate();
      if (history != null) {
        history.close();
      }
      if (monitoring != null) {
        monitoring.close();
      }
      kafkaSink.close();
      throw e;
    }
    JsonTopicListener<TeacherStreamRequest> teachers = settings.roles().contains(ServiceSettings.TEACHERS)
        ? TeacherRequestListener.start(clientProperties, request -> system.tell(new MentorService.StreamTeacher(request)),
            reason -> invalid(monitoring, Topics.TEACHER_REQUESTS), loops) : null;
    NodeProbes probes = null;
    if (monitoring != null) {
      probes = new NodeProbes(clientProperties, system);
      monitoring.start(settings.metrics().bind(), settings.metrics().port(), probes);
    }
    if (!settings.roles().contains(ServiceSettings.EXPERIMENTS)) {
      return new MentorNode(kafkaSink, system, null, null, teachers, monitoring, probes, loops, history);
    }
    resumeUnfinished(stateDir, system);
    Timeline.Span listeners = Timeline.process().start("service: control and job listeners");
    JsonTopicListener<ControlRequest> control = ControlListener.start(clientProperties, request -> system.tell(switch (request.action()) {
      case PAUSE -> new MentorService.PauseJob(request.experimentId(), true);
      case RESUME -> new MentorService.PauseJob(request.experimentId(), false);
      case CANCEL -> new MentorService.CancelJob(request.experimentId());
    }), reason -> invalid(monitoring, Topics.CONTROL), loops);
    JobIntake intake = JobIntake.start(clientProperties, stateDir, new JobIntake.Listener() {
      @Override
      public void accepted(JobCodec.Job job) {
        system.tell(new MentorService.JobAccepted(job));
      }

      @Override
      public void rejected(JobRejection rejection) {
        if (monitoring != null) {
          monitoring.runtime().rejectedJob();
        }
        StringBuilder line = new StringBuilder("mentor: rejected job '" + rejection.experimentId() + "':");
        for (JobRejection.FieldError error : rejection.errors()) {
          line.append(rejection.errors().size() == 1 ? " " : "\n  ").append(error.field().isEmpty() ? "" : error.field() + ": ").append(error.reason());
        }
        if (rejection.errorsLeftOut() > 0) {
          line.append("\n  ... and ").append(rejection.errorsLeftOut()).append(" more");
        }
        System.err.println(line);
      }

      @Override
      public void duplicate(String experimentId) {
        system.tell(new MentorService.JobDuplicate(experimentId));
      }
    }, loops);
    listeners.close();
    return new MentorNode(kafkaSink, system, intake, control, teachers, monitoring, probes, loops, history);
  }

  private static void invalid(MentorMonitoring monitoring, String topic) {
    if (monitoring != null) {
      monitoring.runtime().invalidRecord(topic);
    }
  }

  /**
   * What the monitoring samples from this node every 2 s: whether the broker answers (through an
   * admin client of its own, closed with the node), the device slots (asked of the service), and
   * whether the actor system still runs.
   */
  private static final class NodeProbes implements MentorMonitoring.Probes, AutoCloseable {
    private final Admin admin;
    private final ActorSystem<MentorService.Command> system;

    NodeProbes(Map<String, Object> clientProperties, ActorSystem<MentorService.Command> system) {
      this.admin = new KafkaClients(clientProperties).admin();
      this.system = system;
    }

    @Override
    public boolean brokerReachable() {
      try {
        admin.describeCluster().clusterId().get(2, TimeUnit.SECONDS);
        return true;
      } catch (Exception e) {
        return false;
      }
    }

    @Override
    public Optional<MentorMonitoring.DeviceSlots> deviceSlots() {
      try {
        DeviceAllocator.Usage usage = AskPattern.<MentorService.Command, DeviceAllocator.Usage>ask(system,
            MentorService.GetDeviceUsage::new, Duration.ofSeconds(2), system.scheduler()).toCompletableFuture().get(3, TimeUnit.SECONDS);
        return Optional.of(new MentorMonitoring.DeviceSlots(usage.total(), usage.used(), usage.queued()));
      } catch (Exception e) {
        // the actor system is stopping: the last values stay
        return Optional.empty();
      }
    }

    @Override
    public boolean running() {
      return !system.getWhenTerminated().toCompletableFuture().isDone();
    }

    @Override
    public void close() {
      admin.close();
    }
  }

  /** Experiments accepted earlier whose supervisor never marked them ended: the service stopped while they ran. */
  private static void resumeUnfinished(Path stateDir, ActorSystem<MentorService.Command> system) throws IOException {
    Path jobs = JobIntake.jobsDir(stateDir);
    if (!Files.isDirectory(jobs)) {
      return;
    }
    try (var files = Files.list(jobs)) {
      for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList()) {
        String id = file.getFileName().toString().replaceFirst("\\.json$", "");
        if (!Files.exists(jobs.resolve(id + ".ended"))) {
          system.tell(new MentorService.JobAccepted(new JobCodec.Job(id, SpecReader.readResolved(file)), true));
        }
      }
    }
  }

  /** The jobs partitions this node consumes now. */
  public Set<Integer> jobPartitions() {
    return intake == null ? Set.of() : intake.assignedPartitions();
  }

  /** The port of the metrics and health endpoint, or -1 when the node serves none. */
  public int metricsPort() {
    return monitoring == null ? -1 : monitoring.port();
  }

  /**
   * When something scrapes this node's metrics, waits (at most {@code timeout}) for one more
   * scrape, so that the scraper holds the final values before a short-lived process exits;
   * returns at once when nothing ever scraped.
   */
  public void awaitFinalScrape(Duration timeout) throws InterruptedException {
    if (monitoring != null) {
      monitoring.awaitFinalScrape(timeout);
    }
  }

  public ActorSystem<MentorService.Command> system() {
    return system;
  }

  /** The health of this node's background loops (consumers, publisher). */
  public LoopHealth loops() {
    return loops;
  }

  /** Closes, letting runs finish their epoch for at most {@link #DEFAULT_STOP_TIMEOUT}. */
  @Override
  public void close() throws Exception {
    close(DEFAULT_STOP_TIMEOUT);
  }

  /**
   * Stops taking work (intake, control and teacher requests), lets every run finish the epoch in
   * progress and write its checkpoint — for at most {@code stopTimeout}, after which the runs
   * still training are abandoned and repeat that epoch at the next start — then stops the
   * actors, and the sink last (what the broker has not acknowledged by then is kept for the next start).
   */
  public void close(Duration stopTimeout) throws Exception {
    if (monitoring != null) {
      monitoring.draining();
    }
    // The consumers leave their groups at the same time (each a round trip to the broker), then are waited for.
    Timeline.Span consumers = Timeline.process().start("service stop: consumers");
    if (intake != null) {
      intake.stopPolling();
      control.stopPolling();
    }
    if (teachers != null) {
      teachers.stopPolling();
    }
    if (intake != null) {
      intake.close();
      control.close();
    }
    if (teachers != null) {
      teachers.close();
    }
    consumers.close();
    Timeline.Span actors = Timeline.process().start("service stop: runs and actors");
    try {
      AskPattern.<MentorService.Command, MentorService.Drained>ask(system, MentorService.Drain::new,
          stopTimeout.isZero() ? Duration.ofMillis(1) : stopTimeout, system.scheduler()).toCompletableFuture()
          .get(stopTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      System.err.println("mentor: runs still training after " + stopTimeout.toSeconds() + " s are stopped now; they repeat their epoch at the next start");
    }
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
    actors.close();
    if (history != null) {
      try (Timeline.Span span = Timeline.process().start("service stop: history")) {
        history.close();
      }
    }
    if (monitoring != null) {
      monitoring.close();
      probes.close();
    }
    try (Timeline.Span span = Timeline.process().start("service stop: status sink")) {
      sink.close();
    }
  }
}
