package dev.mentor.actors;

import dev.mentor.actors.status.StatusSink;
import dev.mentor.messages.job.StatusEvent.ExperimentEnded;
import dev.mentor.messages.job.StatusEvent.Kind;
import dev.mentor.messages.job.StatusEvent.Paused;
import dev.mentor.messages.job.StatusEvent.Resumed;
import dev.mentor.messages.job.StatusEvent.Retrying;
import dev.mentor.messages.job.StatusEvent.Role;
import dev.mentor.messages.job.StatusEvent.RunFailed;
import dev.mentor.messages.job.StatusEvent.Started;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.messages.tensor.TeacherStreamRequest;
import dev.mentor.training.distill.TeacherOutputStore;
import dev.mentor.training.distill.TeacherStreams;
import dev.mentor.training.engine.EngineThreads;
import dev.mentor.training.files.AtomicFiles;
import dev.mentor.training.history.HistoryRecorder;
import dev.mentor.training.history.HistoryWriter;
import dev.mentor.training.loop.TrainingDivergedException;
import dev.mentor.training.run.ExperimentRunner;
import dev.mentor.training.run.RunExecutor;
import dev.mentor.training.run.RunListener;
import dev.mentor.training.run.RunPaths;
import dev.mentor.training.run.RunPlan.Task;
import dev.mentor.training.run.RunPlan;
import dev.mentor.training.run.ValidatedExperiments;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Runs one experiment. It prepares it (data, validation) off the actor threads, then plans its
 * runs as a graph — a student after its teacher arm's run of the same seed, a fine-tuned arm
 * after the arm it starts from, each member of a deep ensemble as a task of its own and the
 * ensemble's evaluation after its members — and runs every task whose dependencies have finished
 * at the same time, each in a {@link TrainerActor} child on a device slot granted by the service's
 * {@link DeviceAllocator}. Every step is published through the {@link StatusSink}.
 *
 * <p>Its life has three phases, each a behaviour that accepts only the messages it handles:
 * <ul>
 *   <li>{@code preparing}: the data is read and the spec checked against it. A cancel ends the
 *       experiment at once, a shutdown stops it (to be prepared again at the next start); pause
 *       and resume are stashed and applied, in order, before the first run asks for a slot.
 *   <li>{@code running}: runs ask for slots as their dependencies finish, train, fail and are
 *       retried; pause holds every run at the end of its epoch and starts none until resume.
 *   <li>{@code ending}: after a cancel or a shutdown, every run stops at the end of its epoch
 *       (checkpoint kept); the experiment ends once none is left. Pause and resume mean nothing
 *       here; a cancel during a shutdown still ends the job as cancelled.
 * </ul>
 *
 * <p>Supervision: a run that fails is started again after a backoff ({@link #FIRST_BACKOFF},
 * doubled each time) from its last checkpoint, up to {@link #MAX_RESTARTS} times; past that its
 * arm fails with the cause, the runs depending on it are not run, and the other runs go on — the
 * experiment then ends as {@code failed}, naming every failed run and why. A diverged loss (NaN
 * or infinite) fails at once: restarting would diverge again.
 */
public final class ExperimentSupervisor {
  /** The dispatcher training runs on (application.conf; a fixed pool sized to the device slots). */
  public static final String TRAINING_DISPATCHER = "mentor.training-dispatcher";

  /** How often a failed run is started again (from its last checkpoint) before its arm counts as failed. */
  public static final int MAX_RESTARTS = 2;

  /** Wait before the first restart; doubled for each further one. */
  public static final Duration FIRST_BACKOFF = Duration.ofMillis(500);

  /** Pause and resume requests kept while preparing (one more place is kept for {@link Start}). */
  static final int STASH_CAPACITY = 64;

  public sealed interface Command permits Cancel, Pause, Resume, Shutdown, TrainerEnded, Prepared, PrepareFailed, Start, SlotGranted, Retry {}

  /** Stop every run at the end of its epoch and end the experiment as cancelled. */
  public enum Cancel implements Command {
    INSTANCE
  }

  /** Hold every run at the end of its epoch, and start no new one, until {@link Resume}. */
  public enum Pause implements Command {
    INSTANCE
  }

  public enum Resume implements Command {
    INSTANCE
  }

  /**
   * The service is stopping: stop every run at the end of its epoch (checkpoint written) and
   * stop, leaving the job unended so that the next start resumes it.
   */
  public enum Shutdown implements Command {
    INSTANCE
  }

  /** A trainer's run ended: with its record, or with the failure that ended it. */
  record TrainerEnded(Task run, DeviceAllocator.Slot slot, RunRecord record, Throwable failure) implements Command {}

  private record Prepared(ExperimentRunner runner, RunExecutor executor, RunProgress progress, String resolvedSpec) implements Command {}

  private record PrepareFailed(Throwable cause) implements Command {}

  /** Sent to itself, after the requests stashed while preparing: the runs may ask for slots. */
  private enum Start implements Command {
    INSTANCE
  }

  private record SlotGranted(DeviceAllocator.Granted granted) implements Command {}

  private record Retry(Task run) implements Command {}

  /**
   * An experiment this process has prepared, told to the service so that a teacher stream asked
   * for by one of its students reuses the parsed spec and the loaded data instead of preparing
   * the experiment again (see {@link TeacherStreamer}). {@code resolvedSpec} is the spec as its
   * students' requests carry it ({@link SpecReader#toJson}), to tell that a request is for this very experiment.
   */
  public record PreparedExperiment(String experimentId, String resolvedSpec, ExperimentSpec spec, RunExecutor executor) {
    /** Whether {@code request} asks for a teacher of this experiment, with exactly this spec. */
    public boolean serves(TeacherStreamRequest request) {
      return experimentId.equals(request.experimentId()) && resolvedSpec.equals(request.spec());
    }
  }

  /** Why the runs are stopping in the {@code ending} phase. */
  private enum Stopping {
    CANCEL, SHUTDOWN
  }

  /**
   * Called on the training thread at the end of every epoch of every run, before its checkpoint
   * is written (a fault here repeats that epoch on restart); {@code attempt} is 0 for a run's first start. For tests that inject faults.
   */
  public interface EpochHook {
    void epochEnded(String experimentId, String run, long seed, int epoch, int attempt);

    EpochHook NONE = (experimentId, run, seed, epoch, attempt) -> {};
  }

  /** Failed runs named in the experiment's {@code failed} event. */
  private static final int MAX_REASONS = 20;

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final StashBuffer<Command> stash;
  private final String id;
  private final StatusSink sink;
  private final Path jobsDir;
  private final ActorRef<DeviceAllocator.Command> devices;
  private final CpuShare cpuShare;
  private final Executor training;
  private final ActorRef<DeviceAllocator.Granted> grants;
  private final ActorRef<PreparedExperiment> preparedTo;
  /** Records the experiment in the history; null when the service keeps none. */
  private final HistoryRecorder history;

  // Known once prepared.
  private ExperimentRunner runner;
  private RunExecutor executor;
  private RunProgress progress;
  /** Every task of the experiment, what each needs, its role; built once from the validated spec. */
  private RunPlan plan;
  /** Which tasks wait, are ready, finished or failed. */
  private RunSchedule schedule;

  // The actor's side of the schedule.
  /** Runs that asked for a slot and have not got one yet. */
  private final Set<Task> requested = new LinkedHashSet<>();
  private final Map<Task, ActorRef<TrainerActor.Command>> running = new HashMap<>();
  /** Restarts per run; written by the actor, read by training threads (the epoch hook). */
  /** Set when the experiment ends before it is prepared, so that a preparation not yet started does not run. */
  private final AtomicBoolean abandoned = new AtomicBoolean();
  private final Map<Task, Integer> restarts = new ConcurrentHashMap<>();
  /** Failed runs waiting out their backoff before they ask for a slot again. */
  private final Set<Task> backingOff = new LinkedHashSet<>();
  private boolean paused;

  private ExperimentSupervisor(ActorContext<Command> context, TimerScheduler<Command> timers, StashBuffer<Command> stash, String id,
      StatusSink sink, Path jobsDir, ActorRef<DeviceAllocator.Command> devices, CpuShare cpuShare, ActorRef<PreparedExperiment> preparedTo,
      HistoryRecorder history) {
    this.context = context;
    this.history = history;
    this.preparedTo = preparedTo;
    this.timers = timers;
    this.stash = stash;
    this.id = id;
    this.sink = sink;
    this.jobsDir = jobsDir;
    this.devices = devices;
    this.cpuShare = cpuShare;
    this.training = context.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig(TRAINING_DISPATCHER));
    this.grants = context.messageAdapter(DeviceAllocator.Granted.class, SlotGranted::new);
  }

  /**
   * {@code jobsDir}, when not null, is where the service keeps accepted jobs: the supervisor marks
   * the job ended there ({@code <id>.ended}) when it finishes, fails or is cancelled, so a service
   * that restarts resumes only the experiments that were still running. {@code teacherStreams},
   * when not null, gives students of live logits-only distillation their teacher from elsewhere;
   * {@code teacherOutputs}, when not null, shares cached teachers' logits across experiments.
   * {@code preparedTo}, when not null, hears the {@link PreparedExperiment} once it is prepared.
   * {@code history}, when not null, records the experiment, its runs' epochs, events and records,
   * and its state in the experiment history (docs/history.md).
   */
  public static Behavior<Command> create(String id, ExperimentSpec spec, Path baseDir, Path outputRoot, StatusSink sink, Path jobsDir,
      ActorRef<DeviceAllocator.Command> devices, EpochHook hook, TeacherStreams teacherStreams,
      TeacherOutputStore teacherOutputs, CpuShare cpuShare, ActorRef<PreparedExperiment> preparedTo, HistoryWriter history) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> Behaviors.withStash(STASH_CAPACITY + 1, stash -> {
      HistoryRecorder recorder = history == null ? null
          : new HistoryRecorder(history, spec, new RunPaths(outputRoot.resolve(spec.name())), RunPlan.of(spec), id);
      ExperimentSupervisor supervisor = new ExperimentSupervisor(context, timers, stash, id, sink, jobsDir, devices, cpuShare,
          preparedTo, recorder);
      sink.status(Started.of(id, spec.arms().size(), spec.seeds().size()));
      if (recorder != null) {
        recorder.experimentState("running");
      }
      Executor blocking = context.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
      Map<Task, Integer> restarts = supervisor.restarts;
      AtomicBoolean abandoned = supervisor.abandoned;
      context.pipeToSelf(CompletableFuture.supplyAsync(() -> {
        if (abandoned.get()) {
          // Cancelled or shut down while the preparation waited for a thread: nothing to load or write.
          throw new CancellationException("experiment " + id + " ended before it was prepared");
        }
        // Validated already when this process's own `mentor run` checked the file: its data is not read again.
        ExperimentRunner prepared = ValidatedExperiments.take(spec, baseDir, outputRoot);
        RunProgress progress = new RunProgress(id, sink, hook, prepared.plan(), restarts);
        try {
          // Validation runs the models once: on a thread that ends, so no kernel thread team outlives it (see EngineThreads).
          RunListener listener = recorder == null ? progress : RunListener.all(progress, recorder);
          RunExecutor executor = EngineThreads.onFreshThread("mentor-prepare-" + id, () -> prepared.prepare(listener));
          executor.setTeacherStreams(teacherStreams);
          executor.setTeacherOutputStore(teacherOutputs);
          return new Prepared(prepared, executor, progress, SpecReader.toJson(spec));
        } catch (RuntimeException e) {
          throw e;
        } catch (Exception e) {
          throw new CompletionException(e);
        }
      }, blocking), (prepared, failure) -> failure == null ? prepared : new PrepareFailed(failure));
      return supervisor.preparing();
    })));
  }

  // ---- preparing ----

  private Behavior<Command> preparing() {
    return Behaviors.receive(Command.class)
        .onMessage(Prepared.class, this::onPrepared)
        .onMessage(PrepareFailed.class, f -> end(Kind.FAILED, List.of(), "could not prepare the experiment: " + rootMessage(f.cause())))
        .onMessageEquals(Cancel.INSTANCE, this::onCancelWhilePreparing)
        .onMessageEquals(Shutdown.INSTANCE, this::onShutdownWhilePreparing)
        .onMessageEquals(Pause.INSTANCE, () -> stashed(Pause.INSTANCE))
        .onMessageEquals(Resume.INSTANCE, () -> stashed(Resume.INSTANCE))
        .build();
  }

  private Behavior<Command> stashed(Command command) {
    if (stash.size() >= STASH_CAPACITY) {
      // Only a flood of pause/resume requests gets here; the ones kept decide the state the runs start in.
      System.err.println("mentor: experiment " + id + ": more than " + STASH_CAPACITY + " pause/resume requests while preparing; "
          + command + " dropped");
    } else {
      stash.stash(command);
    }
    return Behaviors.same();
  }

  private Behavior<Command> onPrepared(Prepared prepared) {
    runner = prepared.runner();
    executor = prepared.executor();
    progress = prepared.progress();
    plan = runner.plan();
    schedule = new RunSchedule(plan);
    if (preparedTo != null) {
      preparedTo.tell(new PreparedExperiment(id, prepared.resolvedSpec(), runner.spec(), executor));
    }
    // The pause and resume requests that came while preparing apply first, then Start asks for
    // slots: an experiment paused before it was prepared asks for none until it is resumed.
    stash.stash(Start.INSTANCE);
    return stash.unstashAll(running());
  }

  private Behavior<Command> onCancelWhilePreparing() {
    // Honoured at once: nothing runs yet, so nothing needs to stop first. A preparation that has
    // not started yet is skipped; one under way finishes on its thread and is dropped.
    abandoned.set(true);
    return end(Kind.CANCELLED, List.of(), "cancelled before any run started");
  }

  private Behavior<Command> onShutdownWhilePreparing() {
    abandoned.set(true);
    recordStopped("stopped with the service before it was prepared");
    System.err.println("mentor: experiment " + id + " stopped with the service before it was prepared; it is prepared again at the next start");
    return Behaviors.stopped();
  }

  // ---- running ----

  private Behavior<Command> running() {
    return Behaviors.receive(Command.class)
        .onMessageEquals(Start.INSTANCE, this::scheduled)
        .onMessage(SlotGranted.class, this::onGranted)
        .onMessage(TrainerEnded.class, this::onTrainerEnded)
        .onMessage(Retry.class, this::onRetry)
        .onMessageEquals(Pause.INSTANCE, this::onPause)
        .onMessageEquals(Resume.INSTANCE, this::onResume)
        .onMessageEquals(Cancel.INSTANCE, this::onCancel)
        .onMessageEquals(Shutdown.INSTANCE, () -> stopRuns(Stopping.SHUTDOWN))
        .build();
  }

  private void request(Task run) {
    requested.add(run);
    devices.tell(new DeviceAllocator.Acquire(new DeviceAllocator.TrainingRun(id, run), grants, context.getSelf()));
  }

  /** Asks a slot for every run whose dependencies finished, unless paused; ends the experiment when nothing is left. */
  private Behavior<Command> scheduled() {
    if (!paused) {
      schedule.takeReady().forEach(this::request);
    }
    if (!running.isEmpty() || !requested.isEmpty() || !backingOff.isEmpty() || paused || schedule.anyWaiting()) {
      return Behaviors.same();
    }
    List<RunRecord> records = schedule.runRecords();
    runner.writeReport(records);
    if (schedule.failedCount() == 0) {
      return end(Kind.FINISHED, List.of(), records.size() + " runs; report: " + runner.paths().experimentDir().resolve("report.md"));
    }
    // The first reasons only: an event stays small whatever the experiment's size (every failure has its own event).
    List<String> reasons = schedule.failures(MAX_REASONS);
    int failed = schedule.failedCount();
    return end(Kind.FAILED, reasons, failed + " of " + schedule.size() + " runs failed: " + String.join("; ", reasons)
        + (failed > MAX_REASONS ? "; and " + (failed - MAX_REASONS) + " more" : ""));
  }

  private Behavior<Command> onGranted(SlotGranted granted) {
    DeviceAllocator.Slot slot = granted.granted().slot();
    if (!(granted.granted().work() instanceof DeviceAllocator.TrainingRun asked) || !requested.remove(asked.task())) {
      devices.tell(new DeviceAllocator.Release(slot));
      return Behaviors.same();
    }
    Task run = asked.task();
    int attempt = restarts.getOrDefault(run, 0);
    Role role = Role.of(plan.role(run));
    ArmSpec arm = runner.spec().arm(run.arm());
    TrainerActor.Work work = gate -> {
      if (slot.onCpu()) {
        cpuShare.enter();
      }
      progress.training(run, gate);
      try {
        return run.isMember() ? executor.executeMember(arm, run.seed(), run.member(), slot.djlDevice())
            : executor.execute(arm, run.seed(), slot.djlDevice());
      } finally {
        progress.trained(run);
      }
    };
    ActorRef<TrainerActor.Command> trainer = context.spawn(TrainerActor.create(run, slot, work, training, context.getSelf(), paused),
        role + "-" + safeName(run.label()) + "-s" + run.seed() + (attempt > 0 ? "-r" + attempt : ""));
    running.put(run, trainer);
    progress.scheduled(run, slot, role, slot.onCpu() ? cpuShare.share() : null, arm);
    return Behaviors.same();
  }

  private Behavior<Command> onTrainerEnded(TrainerEnded ended) {
    Task run = ended.run();
    trainerGone(ended);
    if (ended.failure() == null) {
      return scheduled();
    }
    Throwable root = rootCause(ended.failure());
    if (root instanceof TrainerActor.RunStopped) {
      schedule.enqueue(run);
      return scheduled();
    }
    String cause = rootMessage(ended.failure());
    int attempt = restarts.getOrDefault(run, 0);
    boolean diverged = root instanceof TrainingDivergedException;
    if (!diverged && attempt < MAX_RESTARTS) {
      restarts.put(run, attempt + 1);
      Duration backoff = FIRST_BACKOFF.multipliedBy(1L << attempt);
      sink.status(Retrying.of(id, run.arm(), run.seed(), attempt + 2, MAX_RESTARTS + 1, backoff.toMillis(), cause));
      if (history != null) {
        history.serviceEvent(run, "retry", "attempt " + (attempt + 2) + " of " + (MAX_RESTARTS + 1) + " after " + backoff.toMillis() + " ms: " + cause);
      }
      backingOff.add(run);
      timers.startSingleTimer(new Retry(run), backoff);
      return Behaviors.same();
    }
    fail(run, diverged ? cause : cause + (attempt > 0 ? " (after " + attempt + " restarts)" : ""));
    return scheduled();
  }

  /** Frees the slot of a trainer that ended and, if its run finished, records it and readies the runs that needed it. */
  private void trainerGone(TrainerEnded ended) {
    Task run = ended.run();
    running.remove(run);
    devices.tell(new DeviceAllocator.Release(ended.slot()));
    if (ended.failure() != null) {
      return;
    }
    schedule.finished(run, ended.record());
    if (!run.isMember()) {
      sink.result(id, ended.record());
    }
  }

  private Behavior<Command> onRetry(Retry retry) {
    backingOff.remove(retry.run());
    request(retry.run());
    return Behaviors.same();
  }

  /** Marks a run failed and, transitively, every waiting run that needs it as not run; each gets its event. */
  private void fail(Task run, String reason) {
    sink.status(RunFailed.of(id, run.arm(), run.seed(), reason));
    if (history != null) {
      history.runFailed(run, reason);
    }
    schedule.fail(run, reason).forEach((next, why) -> {
      sink.status(RunFailed.of(id, next.arm(), next.seed(), why));
      if (history != null) {
        history.runFailed(next, why);
      }
    });
  }

  private Behavior<Command> onPause() {
    if (!paused) {
      paused = true;
      running.values().forEach(t -> t.tell(TrainerActor.Pause.INSTANCE));
      sink.status(Paused.of(id, running.size()));
      if (history != null) {
        history.experimentChanged("paused");
      }
    }
    return Behaviors.same();
  }

  private Behavior<Command> onResume() {
    if (paused) {
      paused = false;
      running.values().forEach(t -> t.tell(TrainerActor.Resume.INSTANCE));
      sink.status(Resumed.of(id, running.size()));
      if (history != null) {
        history.experimentChanged("running");
      }
    }
    return scheduled();
  }

  private Behavior<Command> onCancel() {
    markEnded(Kind.CANCELLED);
    return stopRuns(Stopping.CANCEL);
  }

  /** Stops every run at the end of its epoch and starts none: the experiment ends once none is left. */
  private Behavior<Command> stopRuns(Stopping why) {
    running.values().forEach(t -> t.tell(TrainerActor.Stop.INSTANCE));
    timers.cancelAll();
    backingOff.clear();
    // Requests still queued at the allocator are answered later; those slots are handed straight back.
    requested.clear();
    return running.isEmpty() ? stopped(why) : ending(why);
  }

  // ---- ending ----

  private Behavior<Command> ending(Stopping why) {
    return Behaviors.receive(Command.class)
        .onMessage(TrainerEnded.class, ended -> onTrainerEndedWhileEnding(ended, why))
        .onMessage(SlotGranted.class, granted -> {
          devices.tell(new DeviceAllocator.Release(granted.granted().slot()));
          return Behaviors.same();
        })
        .onMessageEquals(Cancel.INSTANCE, () -> {
          if (why == Stopping.CANCEL) {
            return Behaviors.same();
          }
          // Cancelled while the service stops: the job must not resume at the next start.
          markEnded(Kind.CANCELLED);
          return ending(Stopping.CANCEL);
        })
        .onMessageEquals(Shutdown.INSTANCE, Behaviors::same)
        .build();
  }

  private Behavior<Command> onTrainerEndedWhileEnding(TrainerEnded ended, Stopping why) {
    trainerGone(ended);
    Throwable root = ended.failure() == null ? null : rootCause(ended.failure());
    if (root != null && why == Stopping.CANCEL && !(root instanceof TrainerActor.RunStopped)) {
      // It failed before it got to its epoch's end: reported, not retried.
      String cause = rootMessage(ended.failure());
      int attempt = restarts.getOrDefault(ended.run(), 0);
      fail(ended.run(), root instanceof TrainingDivergedException || attempt == 0 ? cause : cause + " (after " + attempt + " restarts)");
    }
    return running.isEmpty() ? stopped(why) : Behaviors.same();
  }

  private Behavior<Command> stopped(Stopping why) {
    if (why == Stopping.CANCEL) {
      return end(Kind.CANCELLED, List.of(), schedule.finishedCount() + " runs finished before the cancel request, "
          + (schedule.size() - schedule.finishedCount() - schedule.failedCount())
          + " not run or stopped (a run in progress stopped at the end of an epoch; its checkpoint is kept)");
    }
    recordStopped("stopped with the service: " + schedule.finishedCount() + " of " + schedule.size() + " runs finished");
    System.err.println("mentor: experiment " + id + " stopped with the service (" + schedule.finishedCount() + " of " + schedule.size()
        + " runs finished); it resumes from its checkpoints at the next start");
    return Behaviors.stopped();
  }

  // ---- the end ----

  private Behavior<Command> end(Kind kind, List<String> reasons, String message) {
    sink.status(ExperimentEnded.of(id, kind, reasons, message));
    if (history != null) {
      history.experimentEnded(kind.name().toLowerCase(Locale.ROOT), message);
    }
    markEnded(kind);
    return Behaviors.stopped();
  }

  /** The service stops while the experiment runs: it resumes at the next start. */
  private void recordStopped(String message) {
    if (history != null) {
      history.experimentEnded("stopped", message);
    }
  }

  /** Marks the job ended in the service's jobs folder: a service that starts again does not resume it. */
  private void markEnded(Kind kind) {
    if (jobsDir != null) {
      // Written at once on a cancel: a service killed before the runs stop must not resume a cancelled job.
      AtomicFiles.writeString(jobsDir.resolve(id + ".ended"), kind + "\n");
    }
  }

  private static String safeName(String arm) {
    return URLEncoder.encode(arm, StandardCharsets.UTF_8);
  }

  static Throwable rootCause(Throwable t) {
    Throwable root = t;
    while ((root instanceof CompletionException || root instanceof UncheckedIOException
        || root instanceof ExecutionException) && root.getCause() != null) {
      root = root.getCause();
    }
    return root;
  }

  private static String rootMessage(Throwable t) {
    Throwable root = rootCause(t);
    return root.getClass().getSimpleName() + ": " + root.getMessage();
  }
}
