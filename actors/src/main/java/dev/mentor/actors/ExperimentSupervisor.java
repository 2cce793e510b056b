package dev.mentor.actors;

import dev.mentor.actors.status.StatusSink;
import dev.mentor.messages.job.StatusEvent.EpochEnded;
import dev.mentor.messages.job.StatusEvent.ExperimentEnded;
import dev.mentor.messages.job.StatusEvent.Kind;
import dev.mentor.messages.job.StatusEvent.Paused;
import dev.mentor.messages.job.StatusEvent.Resumed;
import dev.mentor.messages.job.StatusEvent.Retrying;
import dev.mentor.messages.job.StatusEvent.Role;
import dev.mentor.messages.job.StatusEvent.RunFailed;
import dev.mentor.messages.job.StatusEvent.RunFinished;
import dev.mentor.messages.job.StatusEvent.RunNote;
import dev.mentor.messages.job.StatusEvent.RunScheduled;
import dev.mentor.messages.job.StatusEvent.RunStarted;
import dev.mentor.messages.job.StatusEvent.Started;
import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.record.RunEvent;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.monitoring.TensorBusMeters;
import dev.mentor.training.distill.DistillationMethods;
import dev.mentor.training.distill.TeacherOutputStore;
import dev.mentor.training.distill.TeacherStreams;
import dev.mentor.training.engine.EngineThreads;
import dev.mentor.training.files.AtomicFiles;
import dev.mentor.training.loop.TrainingDivergedException;
import dev.mentor.training.run.ExperimentRunner;
import dev.mentor.training.run.RunExecutor;
import dev.mentor.training.run.RunListener;
import dev.mentor.training.run.RunPlan.Task;
import dev.mentor.training.run.RunPlan;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Runs one experiment. It prepares it (data, validation) off the actor threads, then plans its
 * runs as a graph — a student after its teacher arm's run of the same seed, a fine-tuned arm
 * after the arm it starts from, each member of a deep ensemble as a task of its own and the
 * ensemble's evaluation after its members — and runs every task whose dependencies have finished
 * at the same time, each in a {@link TrainerActor} child on a device slot granted by the service's
 * {@link DeviceAllocator}. Every step is published through the {@link StatusSink}.
 *
 * <p>Supervision: a run that fails is started again after a backoff ({@link #FIRST_BACKOFF},
 * doubled each time) from its last checkpoint, up to {@link #MAX_RESTARTS} times; past that its
 * arm fails with the cause, the runs depending on it are not run, and the other runs go on — the
 * experiment then ends as {@code failed}, naming every failed run and why. A diverged loss (NaN
 * or infinite) fails at once: restarting would diverge again. Cancel and service shutdown stop
 * every run at the end of its current epoch (checkpoint kept); pause holds them there.
 */
public final class ExperimentSupervisor extends AbstractBehavior<ExperimentSupervisor.Command> {
  /** The dispatcher training runs on (application.conf; a fixed pool sized to the device slots). */
  public static final String TRAINING_DISPATCHER = "mentor.training-dispatcher";

  /** How often a failed run is started again (from its last checkpoint) before its arm counts as failed. */
  public static final int MAX_RESTARTS = 2;

  /** Wait before the first restart; doubled for each further one. */
  public static final Duration FIRST_BACKOFF = Duration.ofMillis(500);

  public interface Command {}

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

  private record Prepared(ExperimentRunner runner, RunExecutor executor) implements Command {}

  private record PrepareFailed(Throwable cause) implements Command {}

  private record SlotGranted(DeviceAllocator.Granted granted) implements Command {}

  private record Retry(Task run) implements Command {}

  /**
   * Called on the training thread at the end of every epoch of every run, before its checkpoint
   * is written (a fault here repeats that epoch on restart); {@code attempt} is 0 for a run's first start. For tests that inject faults.
   */
  public interface EpochHook {
    void epochEnded(String experimentId, String run, long seed, int epoch, int attempt);

    EpochHook NONE = (experimentId, run, seed, epoch, attempt) -> {};
  }

  private final String id;
  private final StatusSink sink;
  private final Path jobsDir;
  private final ActorRef<DeviceAllocator.Command> devices;
  private final EpochHook hook;
  private final CpuShare cpuShare;
  private final TimerScheduler<Command> timers;
  private final Executor training;
  private final ActorRef<DeviceAllocator.Granted> grants;

  private ExperimentRunner runner;
  private RunExecutor executor;
  /** Every task of the experiment, what each needs, its role; built once from the validated spec. */
  private RunPlan plan;
  private List<Task> order = List.of();
  /** Runs not started yet (waiting for their dependencies or a slot). */
  private final Set<Task> waiting = new LinkedHashSet<>();
  /** The waiting runs whose dependencies all finished, in plan order: the next to ask for a slot. */
  private final Set<Task> ready = new LinkedHashSet<>();
  /** Per task, how many of its dependencies have not finished yet. */
  private final Map<Task, Integer> unfinishedNeeds = new HashMap<>();
  /** Runs that asked for a slot and have not got one yet. */
  private final Set<Task> requested = new LinkedHashSet<>();
  private final Map<Task, ActorRef<TrainerActor.Command>> running = new HashMap<>();
  private final Map<Task, RunRecord> finished = new HashMap<>();
  private final Map<Task, String> failed = new HashMap<>();
  /** Restarts per run; written by the actor, read by training threads (the epoch hook). */
  private final Map<Task, Integer> restarts = new ConcurrentHashMap<>();
  /** Failed runs waiting out their backoff before they ask for a slot again. */
  private final Set<Task> backingOff = new LinkedHashSet<>();
  /** The gates of the runs training now, by run, for the listener to reach from the training threads. */
  private final Map<Task, TrainerActor.Gate> gates = new ConcurrentHashMap<>();
  private boolean cancelled;
  private boolean paused;
  private boolean shuttingDown;

  private ExperimentSupervisor(ActorContext<Command> context, TimerScheduler<Command> timers, String id, StatusSink sink, Path jobsDir,
      ActorRef<DeviceAllocator.Command> devices, EpochHook hook, CpuShare cpuShare) {
    super(context);
    this.cpuShare = cpuShare;
    this.timers = timers;
    this.id = id;
    this.sink = sink;
    this.jobsDir = jobsDir;
    this.devices = devices;
    this.hook = hook;
    this.training = context.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig(TRAINING_DISPATCHER));
    this.grants = context.messageAdapter(DeviceAllocator.Granted.class, SlotGranted::new);
  }

  /**
   * {@code jobsDir}, when not null, is where the service keeps accepted jobs: the supervisor marks
   * the job ended there ({@code <id>.ended}) when it finishes, fails or is cancelled, so a service
   * that restarts resumes only the experiments that were still running. {@code teacherStreams},
   * when not null, gives students of live logits-only distillation their teacher from elsewhere;
   * {@code teacherOutputs}, when not null, shares cached teachers' logits across experiments.
   */
  public static Behavior<Command> create(String id, ExperimentSpec spec, Path baseDir, Path outputRoot, StatusSink sink, Path jobsDir,
      ActorRef<DeviceAllocator.Command> devices, EpochHook hook, TeacherStreams teacherStreams,
      TeacherOutputStore teacherOutputs, CpuShare cpuShare) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      ExperimentSupervisor supervisor = new ExperimentSupervisor(context, timers, id, sink, jobsDir, devices, hook, cpuShare);
      sink.status(Started.of(id, spec.arms().size(), spec.seeds().size()));
      Executor blocking = context.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
      context.pipeToSelf(CompletableFuture.supplyAsync(() -> {
        ExperimentRunner prepared = new ExperimentRunner(spec, baseDir, outputRoot);
        try {
          // Validation runs the models once: on a thread that ends, so no kernel thread team outlives it (see EngineThreads).
          RunExecutor executor = EngineThreads.onFreshThread("mentor-prepare-" + id,
              () -> prepared.prepare(supervisor.listener()));
          executor.setTeacherStreams(teacherStreams);
          executor.setTeacherOutputStore(teacherOutputs);
          return new Prepared(prepared, executor);
        } catch (RuntimeException e) {
          throw e;
        } catch (Exception e) {
          throw new CompletionException(e);
        }
      }, blocking), (prepared, failure) -> failure == null ? prepared : new PrepareFailed(failure));
      return supervisor;
    }));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Prepared.class, this::onPrepared)
        .onMessage(PrepareFailed.class, f -> end(Kind.FAILED, List.of(), "could not prepare the experiment: " + rootMessage(f.cause())))
        .onMessage(SlotGranted.class, this::onGranted)
        .onMessage(TrainerEnded.class, this::onTrainerEnded)
        .onMessage(Retry.class, this::onRetry)
        .onMessageEquals(Cancel.INSTANCE, this::onCancel)
        .onMessageEquals(Pause.INSTANCE, this::onPause)
        .onMessageEquals(Resume.INSTANCE, this::onResume)
        .onMessageEquals(Shutdown.INSTANCE, this::onShutdown)
        .build();
  }

  private Behavior<Command> onPrepared(Prepared prepared) {
    runner = prepared.runner();
    executor = prepared.executor();
    plan = runner.plan();
    order = plan.tasks();
    for (Task task : order) {
      unfinishedNeeds.put(task, plan.needs(task).size());
    }
    order.forEach(this::enqueue);
    return schedule();
  }

  /** Puts a task back among the waiting; it is ready when its dependencies have finished. */
  private void enqueue(Task run) {
    waiting.add(run);
    if (unfinishedNeeds.getOrDefault(run, 0) == 0) {
      ready.add(run);
    }
  }

  private void request(Task run) {
    requested.add(run);
    devices.tell(new DeviceAllocator.Acquire(new DeviceAllocator.TrainingRun(id, run), grants, getContext().getSelf()));
  }

  /** Asks a slot for every run whose dependencies finished; gives up the runs whose dependencies failed; ends when nothing is left. */
  private Behavior<Command> schedule() {
    if (shuttingDown) {
      if (!running.isEmpty()) {
        return this;
      }
      System.err.println("mentor: experiment " + id + " stopped with the service (" + finished.size() + " of " + order.size()
          + " runs finished); it resumes from its checkpoints at the next start");
      return Behaviors.stopped();
    }
    if (runner == null) {
      return cancelled ? end(Kind.CANCELLED, List.of(), "cancelled before any run started") : this;
    }
    if (!cancelled && !paused) {
      for (Task run : ready) {
        waiting.remove(run);
        request(run);
      }
      ready.clear();
    }
    if (!running.isEmpty() || !requested.isEmpty() || !backingOff.isEmpty()) {
      return this;
    }
    if (cancelled) {
      return end(Kind.CANCELLED, List.of(), finished.size() + " runs finished before the cancel request, " + (order.size() - finished.size() - failed.size())
          + " not run or stopped (a run in progress stopped at the end of an epoch; its checkpoint is kept)");
    }
    if (paused || !waiting.isEmpty()) {
      return this;
    }
    List<RunRecord> records = order.stream().filter(r -> !r.isMember()).filter(finished::containsKey).map(finished::get).toList();
    runner.writeReport(records);
    if (failed.isEmpty()) {
      return end(Kind.FINISHED, List.of(), records.size() + " runs; report: " + runner.paths().experimentDir().resolve("report.md"));
    }
    // The first reasons only: an event stays small whatever the experiment's size (every failure has its own event).
    List<String> reasons = order.stream().filter(failed::containsKey).limit(MAX_REASONS)
        .map(r -> r + ": " + failed.get(r)).toList();
    return end(Kind.FAILED, reasons, failed.size() + " of " + order.size() + " runs failed: " + String.join("; ", reasons)
        + (failed.size() > MAX_REASONS ? "; and " + (failed.size() - MAX_REASONS) + " more" : ""));
  }

  private Behavior<Command> onGranted(SlotGranted granted) {
    DeviceAllocator.Slot slot = granted.granted().slot();
    Task run = granted.granted().work() instanceof DeviceAllocator.TrainingRun asked ? asked.task() : null;
    if (run == null || !requested.remove(run) || cancelled || shuttingDown) {
      devices.tell(new DeviceAllocator.Release(slot));
      return schedule();
    }
    int attempt = restarts.getOrDefault(run, 0);
    Role role = Role.of(plan.role(run));
    boolean onCpu = slot.onCpu();
    TrainerActor.Work work = gate -> {
      if (onCpu) {
        cpuShare.enter();
      }
      gates.put(run, gate);
      try {
        return run.isMember() ? executor.executeMember(runner.spec().arm(run.arm()), run.seed(), run.member(), slot.djlDevice())
            : executor.execute(runner.spec().arm(run.arm()), run.seed(), slot.djlDevice());
      } finally {
        gates.remove(run);
      }
    };
    ActorRef<TrainerActor.Command> trainer = getContext().spawn(TrainerActor.create(run, slot, work, training, getContext().getSelf(), paused),
        role + "-" + safeName(run.label()) + "-s" + run.seed() + (attempt > 0 ? "-r" + attempt : ""));
    running.put(run, trainer);
    double temperature = temperature(runner.spec().arm(run.arm()), run.isMember());
    sink.status(RunScheduled.of(id, run.label(), run.seed(), role, slot.processor().toString(), slot.toString(), onCpu ? cpuShare.share() : null,
        Double.isNaN(temperature) ? null : temperature));
    return this;
  }

  private Behavior<Command> onTrainerEnded(TrainerEnded ended) {
    Task run = ended.run();
    running.remove(run);
    devices.tell(new DeviceAllocator.Release(ended.slot()));
    if (ended.failure() == null) {
      if (finished.put(run, ended.record()) == null) {
        for (Task next : plan.neededBy(run)) {
          if (unfinishedNeeds.merge(next, -1, Integer::sum) == 0 && waiting.contains(next)) {
            ready.add(next);
          }
        }
      }
      if (!run.isMember()) {
        sink.result(id, ended.record());
      }
      return schedule();
    }
    Throwable root = rootCause(ended.failure());
    if (root instanceof TrainerActor.RunStopped || shuttingDown) {
      if (!cancelled) {
        enqueue(run);
      }
      return schedule();
    }
    String cause = rootMessage(ended.failure());
    int attempt = restarts.getOrDefault(run, 0);
    boolean diverged = root instanceof TrainingDivergedException;
    if (!diverged && !cancelled && attempt < MAX_RESTARTS) {
      restarts.put(run, attempt + 1);
      Duration backoff = FIRST_BACKOFF.multipliedBy(1L << attempt);
      sink.status(Retrying.of(id, run.arm(), run.seed(), attempt + 2, MAX_RESTARTS + 1, backoff.toMillis(), cause));
      backingOff.add(run);
      timers.startSingleTimer(new Retry(run), backoff);
      return this;
    }
    fail(run, diverged ? cause : cause + (attempt > 0 ? " (after " + attempt + " restarts)" : ""));
    return schedule();
  }

  private Behavior<Command> onRetry(Retry retry) {
    backingOff.remove(retry.run());
    if (cancelled) {
      return schedule();
    }
    request(retry.run());
    return this;
  }

  /** Marks a run failed and, transitively, every waiting run that needs it as not run. */
  private void fail(Task run, String reason) {
    ArrayDeque<Task> broken = new ArrayDeque<>();
    failed.put(run, reason);
    sink.status(RunFailed.of(id, run.arm(), run.seed(), reason));
    broken.add(run);
    while (!broken.isEmpty()) {
      Task cause = broken.poll();
      for (Task next : plan.neededBy(cause)) {
        if (waiting.remove(next)) {
          ready.remove(next);
          String why = "not run: it needs " + cause.arm() + " seed " + cause.seed() + ", which failed";
          failed.put(next, why);
          sink.status(RunFailed.of(id, next.arm(), next.seed(), why));
          broken.add(next);
        }
      }
    }
  }

  private Behavior<Command> onCancel() {
    if (jobsDir != null) {
      // Written at once: a service killed before the runs stop must not resume a cancelled job.
      AtomicFiles.writeString(jobsDir.resolve(id + ".ended"), "cancelled\n");
    }
    cancelled = true;
    running.values().forEach(t -> t.tell(TrainerActor.Stop.INSTANCE));
    timers.cancelAll();
    backingOff.clear();
    // Requests still queued at the allocator are answered later; those slots are handed straight back.
    requested.clear();
    return schedule();
  }

  private Behavior<Command> onShutdown() {
    shuttingDown = true;
    running.values().forEach(t -> t.tell(TrainerActor.Stop.INSTANCE));
    timers.cancelAll();
    backingOff.clear();
    requested.clear();
    return schedule();
  }

  private Behavior<Command> onPause() {
    if (!paused) {
      paused = true;
      running.values().forEach(t -> t.tell(TrainerActor.Pause.INSTANCE));
      sink.status(Paused.of(id, running.size()));
    }
    return this;
  }

  private Behavior<Command> onResume() {
    if (paused) {
      paused = false;
      running.values().forEach(t -> t.tell(TrainerActor.Resume.INSTANCE));
      sink.status(Resumed.of(id, running.size()));
    }
    return schedule();
  }

  private Behavior<Command> end(Kind kind, List<String> reasons, String message) {
    sink.status(ExperimentEnded.of(id, kind, reasons, message));
    if (jobsDir != null) {
      AtomicFiles.writeString(jobsDir.resolve(id + ".ended"), kind + "\n");
    }
    return Behaviors.stopped();
  }

  /** The softmax temperature the run distils at: a student's soft targets, a co-distilled member's peers; NaN for none. */
  static double temperature(ArmSpec arm, boolean member) {
    if (member) {
      return arm.ensemble() != null && arm.ensemble().codistill() != null ? arm.ensemble().codistill().temperature() : Double.NaN;
    }
    return arm.distill() != null && DistillationMethods.logits(arm.distill()).tempered() ? arm.distill().temperature() : Double.NaN;
  }

  private RunListener listener() {
    return new RunListener() {
      @Override
      public void runStarted(String arm, long seed, int epochsPlanned, boolean resumed) {
        sink.status(RunStarted.of(id, arm, seed, epochsPlanned, resumed));
      }

      @Override
      public void epochFinished(String arm, long seed, EpochMetrics metrics) {
        sink.status(EpochEnded.of(id, arm, seed, metrics));
        Task task = plan.taskOf(arm, seed);
        hook.epochEnded(id, arm, seed, metrics.epoch(), task == null ? 0 : attemptOf(task));
      }

      @Override
      public void runEvent(String arm, long seed, RunEvent event) {
        // The events a monitor counts as they happen; notes about budgets stay in the record.
        Kind.ofRunNote(event.kind()).ifPresent(kind -> sink.status(RunNote.of(id, kind, arm, seed, event.epoch(), event.message())));
      }

      @Override
      public void teacherCache(String arm, long seed, long lookups, long hits) {
        TensorBusMeters.process().cacheLookups(lookups, hits);
      }

      @Override
      public void epochSaved(String arm, long seed, int epoch) {
        // A co-distilled member reports as "arm/member-m" from inside its arm's task: that task's gate holds it.
        Task task = plan.taskOf(arm, seed);
        TrainerActor.Gate gate = task == null ? null : gates.get(task);
        if (gate != null) {
          gate.epochEnded(epoch);
        }
      }

      @Override
      public void runFinished(RunRecord record, boolean fromCache) {
        sink.status(RunFinished.of(id, record.arm(), record.seed(), record.epochsRun(), record.test().accuracy(), fromCache));
      }
    };
  }

  /** Failed runs named in the experiment's {@code failed} event. */
  private static final int MAX_REASONS = 20;

  private int attemptOf(Task run) {
    return restarts.getOrDefault(run, 0);
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
