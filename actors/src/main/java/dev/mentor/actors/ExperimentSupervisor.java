package dev.mentor.actors;

import dev.mentor.messages.job.StatusEvent;
import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.training.run.ExperimentRunner;
import dev.mentor.training.run.RunExecutor;
import dev.mentor.training.run.RunListener;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Runs one experiment: prepares it (data, validation), then its runs one at a time in spec order
 * on the training dispatcher, each as one blocking task whose result comes back as a message. A
 * cancel request (or the supervisor stopping with its service) is honoured at the end of the
 * epoch in progress: the run stops there, its last checkpoint kept for a later resume. Every step is published through the
 * {@link StatusSink}: started, each run's start, epochs and record, and finished — or failed
 * (naming the runs that failed; the other runs still go on) or cancelled. A run that fails is
 * started again after a backoff (500 ms, then doubled) up to {@value #MAX_RESTARTS} times,
 * resuming from its last checkpoint; a diverged loss (NaN or infinite) fails at once, with the
 * step it happened at.
 */
public final class ExperimentSupervisor extends AbstractBehavior<ExperimentSupervisor.Command> {
  /** The dispatcher training runs on (configured in application.conf; a fixed pool, one thread per slot). */
  public static final String TRAINING_DISPATCHER = "mentor.training-dispatcher";

  public interface Command {}

  /** Stop after the run in progress. */
  public enum Cancel implements Command {
    INSTANCE
  }

  private record Prepared(ExperimentRunner runner, RunExecutor executor) implements Command {}

  private record RunDone(ExperimentRunner.RunKey run, RunRecord record) implements Command {}

  private record RunFailed(ExperimentRunner.RunKey run, Throwable cause) implements Command {}

  private record Retry(ExperimentRunner.RunKey run) implements Command {}

  /** How often a failed run is started again (from its last checkpoint) before its arm counts as failed. */
  public static final int MAX_RESTARTS = 2;

  /** Wait before the first restart; doubled for each further one. */
  public static final java.time.Duration FIRST_BACKOFF = java.time.Duration.ofMillis(500);

  private final String id;
  private final StatusSink sink;
  private final Executor training;
  private final Deque<ExperimentRunner.RunKey> pending = new ArrayDeque<>();
  private final List<RunRecord> records = new ArrayList<>();
  private final List<String> failures = new ArrayList<>();
  private ExperimentRunner runner;
  private RunExecutor executor;
  private boolean cancelled;
  /** Read by the training thread at each epoch's end: the run in progress stops there (its last checkpoint stays). */
  private volatile boolean stopRequested;
  private final Path jobsDir;
  private final java.util.Map<ExperimentRunner.RunKey, Integer> restarts = new java.util.HashMap<>();
  private final org.apache.pekko.actor.typed.javadsl.TimerScheduler<Command> timers;

  private ExperimentSupervisor(ActorContext<Command> context, org.apache.pekko.actor.typed.javadsl.TimerScheduler<Command> timers, String id,
      StatusSink sink, Path jobsDir) {
    super(context);
    this.timers = timers;
    this.jobsDir = jobsDir;
    this.id = id;
    this.sink = sink;
    this.training = context.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig(TRAINING_DISPATCHER));
  }

  /**
   * {@code jobsDir}, when not null, is where the service keeps accepted jobs: the supervisor marks
   * the job ended there ({@code <id>.ended}) when it finishes, fails or is cancelled, so a service
   * that restarts resumes only the experiments that were still running.
   */
  public static Behavior<Command> create(String id, ExperimentSpec spec, Path baseDir, Path outputRoot, StatusSink sink, Path jobsDir) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      ExperimentSupervisor supervisor = new ExperimentSupervisor(context, timers, id, sink, jobsDir);
      sink.status(StatusEvent.of(id, "started", spec.arms().size() + " arms x " + spec.seeds().size() + " seeds"));
      context.pipeToSelf(CompletableFuture.supplyAsync(() -> {
        ExperimentRunner prepared = new ExperimentRunner(spec, baseDir, outputRoot);
        try {
          return new Prepared(prepared, prepared.prepare(supervisor.listener()));
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }, supervisor.training), (prepared, failure) -> failure == null ? prepared : new RunFailed(null, failure));
      return supervisor;
    }));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Prepared.class, this::onPrepared)
        .onMessage(RunDone.class, this::onRunDone)
        .onMessage(RunFailed.class, this::onRunFailed)
        .onMessage(Retry.class, retry -> start(retry.run()))
        .onMessageEquals(Cancel.INSTANCE, this::onCancel)
        .onSignal(org.apache.pekko.actor.typed.PostStop.class, signal -> {
          stopRequested = true;
          return this;
        })
        .build();
  }

  private Behavior<Command> onPrepared(Prepared prepared) {
    runner = prepared.runner();
    executor = prepared.executor();
    pending.addAll(runner.runs());
    return next();
  }

  private Behavior<Command> onRunDone(RunDone done) {
    records.add(done.record());
    sink.result(id, done.record());
    return next();
  }

  private Behavior<Command> onRunFailed(RunFailed failed) {
    String cause = rootMessage(failed.cause());
    if (failed.run() == null) {
      return end("failed", "could not prepare the experiment: " + cause);
    }
    ExperimentRunner.RunKey run = failed.run();
    if (rootCause(failed.cause()) instanceof RunStopped) {
      return next();
    }
    int attempt = restarts.getOrDefault(run, 0);
    // A diverged loss is a property of the arm's settings, not a transient fault: restarting would diverge again.
    boolean diverged = rootCause(failed.cause()) instanceof dev.mentor.training.loop.TrainingDivergedException;
    if (!diverged && !cancelled && attempt < MAX_RESTARTS) {
      restarts.put(run, attempt + 1);
      java.time.Duration backoff = FIRST_BACKOFF.multipliedBy(1L << attempt);
      sink.status(new StatusEvent(StatusEvent.SCHEMA_VERSION, id, "retrying", run.arm(), run.seed(), null,
          "attempt " + (attempt + 2) + " of " + (MAX_RESTARTS + 1) + " in " + backoff.toMillis() + " ms, from the last checkpoint, after: " + cause,
          null, System.currentTimeMillis()));
      timers.startSingleTimer(new Retry(run), backoff);
      return this;
    }
    String reason = diverged ? cause : cause + (attempt > 0 ? " (after " + attempt + " restarts)" : "");
    failures.add(run.arm() + " seed " + run.seed() + ": " + reason);
    sink.status(new StatusEvent(StatusEvent.SCHEMA_VERSION, id, "failed", run.arm(), run.seed(), null, reason, null,
        System.currentTimeMillis()));
    return next();
  }

  private Behavior<Command> onCancel() {
    cancelled = true;
    stopRequested = true;
    return this;
  }

  /** Thrown from the run listener to stop a run at the end of an epoch. */
  private static final class RunStopped extends RuntimeException {
    RunStopped() {
      super("stopped at the end of an epoch", null, false, false);
    }
  }

  private Behavior<Command> end(String kind, String message) {
    sink.status(StatusEvent.of(id, kind, message));
    if (jobsDir != null) {
      dev.mentor.training.files.AtomicFiles.writeString(jobsDir.resolve(id + ".ended"), kind + "\n");
    }
    return Behaviors.stopped();
  }

  private Behavior<Command> next() {
    if (cancelled) {
      return end("cancelled", records.size() + " runs finished before the cancel request, " + pending.size() + " not run"
          + " (the run in progress stopped at the end of an epoch; its checkpoint is kept)");
    }
    if (pending.isEmpty()) {
      runner.writeReport(records);
      if (failures.isEmpty()) {
        return end("finished", records.size() + " runs; report: " + runner.paths().experimentDir().resolve("report.md"));
      }
      return end("failed", failures.size() + " of " + (failures.size() + records.size()) + " runs failed: " + String.join("; ", failures));
    }
    return start(pending.poll());
  }

  private Behavior<Command> start(ExperimentRunner.RunKey run) {
    getContext().pipeToSelf(CompletableFuture.supplyAsync(() -> {
      try {
        return executor.execute(runner.spec().arm(run.arm()), run.seed());
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, training), (record, failure) -> failure == null ? new RunDone(run, record) : new RunFailed(run, failure));
    return this;
  }

  private RunListener listener() {
    return new RunListener() {
      @Override
      public void runStarted(String arm, long seed, int epochsPlanned, boolean resumed) {
        sink.status(new StatusEvent(StatusEvent.SCHEMA_VERSION, id, "run-started", arm, seed, null,
            epochsPlanned + " epochs planned" + (resumed ? ", resumed from its checkpoint" : ""), null, System.currentTimeMillis()));
      }

      @Override
      public void epochFinished(String arm, long seed, EpochMetrics metrics) {
        sink.status(new StatusEvent(StatusEvent.SCHEMA_VERSION, id, "epoch", arm, seed, metrics.epoch(), null, metrics,
            System.currentTimeMillis()));
        if (stopRequested) {
          throw new RunStopped();
        }
      }

      @Override
      public void runFinished(RunRecord record, boolean fromCache) {
        sink.status(new StatusEvent(StatusEvent.SCHEMA_VERSION, id, "run-finished", record.arm(), record.seed(), record.epochsRun(),
            String.format(java.util.Locale.ROOT, "test accuracy %.4f%s", record.test().accuracy(), fromCache ? " (finished earlier)" : ""),
            null, System.currentTimeMillis()));
      }
    };
  }

  private static Throwable rootCause(Throwable t) {
    Throwable root = t;
    while ((root instanceof java.util.concurrent.CompletionException || root instanceof java.io.UncheckedIOException) && root.getCause() != null) {
      root = root.getCause();
    }
    return root;
  }

  private static String rootMessage(Throwable t) {
    Throwable root = rootCause(t);
    return root.getClass().getSimpleName() + ": " + root.getMessage();
  }
}
