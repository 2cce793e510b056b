package dev.mentor.actors;

import dev.mentor.messages.job.JobCodec;
import dev.mentor.messages.job.StatusEvent;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The guardian of a Mentor service: for every job the intake accepts it publishes {@code queued}
 * and spawns that experiment's {@link ExperimentSupervisor}; it forwards cancel requests and
 * forgets a supervisor when it ends. Experiments run side by side, their training sharing the
 * training dispatcher's slots.
 */
public final class MentorService extends AbstractBehavior<MentorService.Command> {
  public interface Command {}

  /** A job the intake has durably accepted, or one resumed after a restart. */
  public record JobAccepted(JobCodec.Job job, boolean resumed) implements Command {
    public JobAccepted(JobCodec.Job job) {
      this(job, false);
    }
  }

  /** A job id submitted again after it was accepted. */
  public record JobDuplicate(String experimentId) implements Command {}

  public record CancelJob(String experimentId) implements Command {}

  private record SupervisorEnded(String experimentId) implements Command {}

  private final Path baseDir;
  private final Path outputRoot;
  private final StatusSink sink;
  private final Path jobsDir;
  private final Map<String, ActorRef<ExperimentSupervisor.Command>> running = new HashMap<>();

  private MentorService(ActorContext<Command> context, Path baseDir, Path outputRoot, StatusSink sink, Path jobsDir) {
    super(context);
    this.jobsDir = jobsDir;
    this.baseDir = baseDir;
    this.outputRoot = outputRoot;
    this.sink = sink;
  }

  /** {@code jobsDir}: where accepted jobs are kept (ended ones get a marker there); null to keep no markers. */
  public static Behavior<Command> create(Path baseDir, Path outputRoot, StatusSink sink, Path jobsDir) {
    return Behaviors.setup(context -> new MentorService(context, baseDir, outputRoot, sink, jobsDir));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(JobAccepted.class, this::onAccepted)
        .onMessage(JobDuplicate.class, this::onDuplicate)
        .onMessage(CancelJob.class, this::onCancel)
        .onMessage(SupervisorEnded.class, this::onEnded)
        .build();
  }

  private Behavior<Command> onAccepted(JobAccepted accepted) {
    String id = accepted.job().id();
    if (running.containsKey(id)) {
      sink.status(StatusEvent.of(id, "duplicate", "experiment '" + id + "' is already running"));
      return this;
    }
    sink.status(StatusEvent.of(id, "queued", accepted.resumed() ? "resumed after a restart of the service" : "accepted"));
    ActorRef<ExperimentSupervisor.Command> supervisor = getContext().spawn(
        ExperimentSupervisor.create(id, accepted.job().spec(), baseDir, outputRoot, sink, jobsDir), "experiment-" + id);
    getContext().watchWith(supervisor, new SupervisorEnded(id));
    running.put(id, supervisor);
    return this;
  }

  private Behavior<Command> onDuplicate(JobDuplicate duplicate) {
    sink.status(StatusEvent.of(duplicate.experimentId(), "duplicate", "an experiment with this id was accepted before; not run again"));
    return this;
  }

  private Behavior<Command> onCancel(CancelJob cancel) {
    ActorRef<ExperimentSupervisor.Command> supervisor = running.get(cancel.experimentId());
    if (supervisor != null) {
      supervisor.tell(ExperimentSupervisor.Cancel.INSTANCE);
    }
    return this;
  }

  private Behavior<Command> onEnded(SupervisorEnded ended) {
    running.remove(ended.experimentId());
    return this;
  }
}
