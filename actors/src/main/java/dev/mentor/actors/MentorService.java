package dev.mentor.actors;

import dev.mentor.actors.ExperimentSupervisor.PreparedExperiment;
import dev.mentor.actors.kafka.KafkaTeacherOutputStore;
import dev.mentor.actors.kafka.KafkaTeacherStreams;
import dev.mentor.actors.status.StatusSink;
import dev.mentor.messages.job.JobCodec;
import dev.mentor.messages.job.StatusEvent.Duplicate;
import dev.mentor.messages.job.StatusEvent.ExperimentEnded;
import dev.mentor.messages.job.StatusEvent.Kind;
import dev.mentor.messages.job.StatusEvent.Queued;
import dev.mentor.messages.tensor.TeacherStreamRequest;
import dev.mentor.training.history.HistoryWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The guardian of a Mentor service: for every job the intake accepts it publishes {@code queued}
 * and spawns that experiment's {@link ExperimentSupervisor}; it forwards cancel, pause and resume
 * requests and forgets a supervisor when it ends. It owns the {@link DeviceAllocator}: the runs of
 * all experiments share its device slots, so experiments run side by side up to the slots and
 * queue beyond them.
 */
public final class MentorService extends AbstractBehavior<MentorService.Command> {
  public sealed interface Command permits JobAccepted, JobDuplicate, CancelJob, PauseJob, StreamTeacher, Drain, GetDeviceUsage,
      ExperimentPrepared {}

  /** A job the intake has durably accepted, or one resumed after a restart. */
  public record JobAccepted(JobCodec.Job job, boolean resumed) implements Command {
    public JobAccepted(JobCodec.Job job) {
      this(job, false);
    }
  }

  /** A job id submitted again after it was accepted. */
  public record JobDuplicate(String experimentId) implements Command {}

  public record CancelJob(String experimentId) implements Command {}

  /** {@code pause} or {@code resume} an experiment this service runs. */
  public record PauseJob(String experimentId, boolean pause) implements Command {}

  /** A student's request for a teacher stream, taken by this process. */
  public record StreamTeacher(TeacherStreamRequest request) implements Command {}

  /**
   * The service is stopping: every experiment stops its runs at the end of their epoch (their
   * checkpoints written, the jobs left to resume at the next start) and no new work starts;
   * {@code replyTo} hears once no experiment runs any more.
   */
  public record Drain(ActorRef<Drained> replyTo) implements Command {}

  public enum Drained {
    INSTANCE
  }

  /** Asks for the device slots' usage. */
  public record GetDeviceUsage(ActorRef<DeviceAllocator.Usage> replyTo) implements Command {}

  /** A supervisor prepared its experiment: its teacher streams served here may reuse it. */
  private record ExperimentPrepared(PreparedExperiment experiment) implements Command {}

  private final Path baseDir;
  private final Path outputRoot;
  private final StatusSink sink;
  private final Path jobsDir;
  private final Map<String, ActorRef<ExperimentSupervisor.Command>> running = new HashMap<>();
  /**
   * The running experiments that are prepared, by id: a teacher stream one of their students asks
   * for, when this process serves it, reuses the parsed spec and the loaded data (see {@link #onStreamTeacher}).
   */
  private final Map<String, PreparedExperiment> prepared = new HashMap<>();
  private final ActorRef<PreparedExperiment> preparedAdapter;
  private final ActorRef<DeviceAllocator.Command> devices;
  /**
   * Teacher streams take their slots from a pool of their own, one per training slot: a streamed
   * student holds its training slot while it waits for its teacher's frames, so a teacher that
   * queued for a training slot could wait for ever once streamed students hold them all (seen:
   * two streamed students on two CPU slots, both waiting).
   */
  private final ActorRef<DeviceAllocator.Command> streamDevices;
  private final ServiceSettings settings;
  private final CpuShare cpuShare;
  private final Map<String, Object> clientProperties;
  /** Where the experiments are recorded (docs/history.md); null: nowhere. */
  private final HistoryWriter history;
  /** Who waits for the experiments to stop; null unless the service is draining. */
  private ActorRef<Drained> drained;

  private MentorService(ActorContext<Command> context, Path baseDir, Path outputRoot, StatusSink sink, Path jobsDir, ServiceSettings settings,
      Map<String, Object> clientProperties, HistoryWriter history) {
    super(context);
    this.history = history;
    this.clientProperties = clientProperties;
    this.settings = settings;
    this.cpuShare = new CpuShare(settings.cpuThreads(), Math.max(1, (int) settings.slots().stream().filter(DeviceAllocator.Slot::onCpu).count()));
    this.devices = context.spawn(DeviceAllocator.create(settings.slots()), "devices");
    this.streamDevices = context.spawn(DeviceAllocator.create(settings.slots()), "teacher-stream-devices");
    this.jobsDir = jobsDir;
    this.baseDir = baseDir;
    this.outputRoot = outputRoot;
    this.sink = sink;
    this.preparedAdapter = context.messageAdapter(PreparedExperiment.class, ExperimentPrepared::new);
  }

  /** {@code jobsDir}: where accepted jobs are kept (ended ones get a marker there); null to keep no markers. */
  /**
   * {@code clientProperties}: how to reach the broker for tensor streams (null when the service streams no teacher);
   * {@code history}: where the experiments are recorded as they run (null: nowhere).
   */
  public static Behavior<Command> create(Path baseDir, Path outputRoot, StatusSink sink, Path jobsDir, ServiceSettings settings,
      Map<String, Object> clientProperties, HistoryWriter history) {
    return Behaviors.setup(context -> new MentorService(context, baseDir, outputRoot, sink, jobsDir, settings, clientProperties, history));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(JobAccepted.class, this::onAccepted)
        .onMessage(JobDuplicate.class, this::onDuplicate)
        .onMessage(CancelJob.class, this::onCancel)
        .onMessage(PauseJob.class, this::onPause)
        .onMessage(StreamTeacher.class, this::onStreamTeacher)
        .onMessage(ExperimentPrepared.class, this::onPrepared)
        .onMessage(Drain.class, this::onDrain)
        .onMessage(GetDeviceUsage.class, get -> {
          devices.tell(new DeviceAllocator.GetUsage(get.replyTo()));
          return this;
        })
        .onSignal(ChildFailed.class, this::onSupervisorCrashed)
        .onSignal(Terminated.class, t -> onEnded(t.getRef()))
        .build();
  }

  private Behavior<Command> onAccepted(JobAccepted accepted) {
    String id = accepted.job().id();
    if (drained != null) {
      // Accepted durably and not ended: the next start resumes it.
      return this;
    }
    if (running.containsKey(id)) {
      sink.status(Duplicate.of(id, true));
      return this;
    }
    sink.status(Queued.of(id, accepted.resumed()));
    ActorRef<ExperimentSupervisor.Command> supervisor = getContext().spawn(
        ExperimentSupervisor.create(id, accepted.job().spec(), baseDir, outputRoot, sink, jobsDir, devices,
            settings.epochHook(), settings.streamTeachers() && clientProperties != null
                ? new KafkaTeacherStreams(clientProperties, id, accepted.job().spec(), STREAM_TIMEOUT) : null,
            clientProperties == null ? null : new KafkaTeacherOutputStore(clientProperties), cpuShare, preparedAdapter, history), "experiment-" + id);
    getContext().watch(supervisor);
    running.put(id, supervisor);
    return this;
  }

  private Behavior<Command> onDuplicate(JobDuplicate duplicate) {
    sink.status(Duplicate.of(duplicate.experimentId(), false));
    return this;
  }

  private Behavior<Command> onCancel(CancelJob cancel) {
    ActorRef<ExperimentSupervisor.Command> supervisor = running.get(cancel.experimentId());
    if (supervisor != null) {
      supervisor.tell(ExperimentSupervisor.Cancel.INSTANCE);
    }
    return this;
  }

  private Behavior<Command> onDrain(Drain drain) {
    drained = drain.replyTo();
    running.values().forEach(supervisor -> supervisor.tell(ExperimentSupervisor.Shutdown.INSTANCE));
    return repliedIfDrained();
  }

  private Behavior<Command> repliedIfDrained() {
    if (drained != null && running.isEmpty()) {
      drained.tell(Drained.INSTANCE);
    }
    return this;
  }

  /** How long a student waits for its teacher's next frame before its run fails (and is restarted). */
  static final Duration STREAM_TIMEOUT = Duration.ofSeconds(120);

  private Behavior<Command> onStreamTeacher(StreamTeacher stream) {
    if (clientProperties == null) {
      return this;
    }
    // A request for an experiment this process runs, with the very spec it runs, reuses that
    // experiment's parsed spec and loaded data; any other (its student runs in another process,
    // or it is not prepared yet) is parsed and prepared by the streamer itself.
    PreparedExperiment local = prepared.get(stream.request().experimentId());
    getContext().spawnAnonymous(TeacherStreamer.create(stream.request(), local != null && local.serves(stream.request()) ? local : null,
        clientProperties, baseDir, outputRoot, streamDevices, cpuShare));
    return this;
  }

  private Behavior<Command> onPrepared(ExperimentPrepared experiment) {
    String id = experiment.experiment().experimentId();
    // Its supervisor may have ended already (its end, a signal, can overtake the message): then it is not kept.
    if (running.containsKey(id)) {
      prepared.put(id, experiment.experiment());
    }
    return this;
  }

  private Behavior<Command> onPause(PauseJob pause) {
    ActorRef<ExperimentSupervisor.Command> supervisor = running.get(pause.experimentId());
    if (supervisor != null) {
      supervisor.tell(pause.pause() ? ExperimentSupervisor.Pause.INSTANCE : ExperimentSupervisor.Resume.INSTANCE);
    }
    return this;
  }

  /** A supervisor that throws (a bug, not a failed run: those it handles) must not leave its experiment silently hanging. */
  private Behavior<Command> onSupervisorCrashed(ChildFailed crashed) {
    String id = idOf(crashed.getRef());
    if (id != null) {
      sink.status(ExperimentEnded.of(id, Kind.FAILED, List.of(), "the experiment's supervisor stopped on an internal error: " + crashed.cause()));
    }
    return onEnded(crashed.getRef());
  }

  private Behavior<Command> onEnded(ActorRef<?> supervisor) {
    String id = idOf(supervisor);
    if (id != null) {
      running.remove(id);
      // A stream already serving from it keeps its reference; new requests for it prepare their own.
      prepared.remove(id);
    }
    return repliedIfDrained();
  }

  private String idOf(ActorRef<?> supervisor) {
    return running.entrySet().stream().filter(e -> e.getValue().equals(supervisor)).map(Map.Entry::getKey).findFirst().orElse(null);
  }
}
