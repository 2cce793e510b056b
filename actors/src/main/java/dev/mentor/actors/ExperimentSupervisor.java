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
 * on the training dispatcher, each as one blocking task whose result comes back as a message, so
 * a cancel request is honoured between runs. Every step is published through the
 * {@link StatusSink}: started, each run's start, epochs and record, and finished — or failed
 * (naming the runs that failed; the other runs still go on) or cancelled.
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

  private final String id;
  private final StatusSink sink;
  private final Executor training;
  private final Deque<ExperimentRunner.RunKey> pending = new ArrayDeque<>();
  private final List<RunRecord> records = new ArrayList<>();
  private final List<String> failures = new ArrayList<>();
  private ExperimentRunner runner;
  private RunExecutor executor;
  private boolean cancelled;

  private ExperimentSupervisor(ActorContext<Command> context, String id, StatusSink sink) {
    super(context);
    this.id = id;
    this.sink = sink;
    this.training = context.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig(TRAINING_DISPATCHER));
  }

  public static Behavior<Command> create(String id, ExperimentSpec spec, Path baseDir, Path outputRoot, StatusSink sink) {
    return Behaviors.setup(context -> {
      ExperimentSupervisor supervisor = new ExperimentSupervisor(context, id, sink);
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
    });
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Prepared.class, this::onPrepared)
        .onMessage(RunDone.class, this::onRunDone)
        .onMessage(RunFailed.class, this::onRunFailed)
        .onMessageEquals(Cancel.INSTANCE, this::onCancel)
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
      sink.status(StatusEvent.of(id, "failed", "could not prepare the experiment: " + cause));
      return Behaviors.stopped();
    }
    failures.add(failed.run().arm() + " seed " + failed.run().seed() + ": " + cause);
    sink.status(new StatusEvent(StatusEvent.SCHEMA_VERSION, id, "failed", failed.run().arm(), failed.run().seed(), null, cause, null,
        System.currentTimeMillis()));
    return next();
  }

  private Behavior<Command> onCancel() {
    cancelled = true;
    return this;
  }

  private Behavior<Command> next() {
    if (cancelled) {
      sink.status(StatusEvent.of(id, "cancelled", records.size() + " runs finished before the cancel request, " + pending.size() + " not run"));
      return Behaviors.stopped();
    }
    if (pending.isEmpty()) {
      runner.writeReport(records);
      if (failures.isEmpty()) {
        sink.status(StatusEvent.of(id, "finished", records.size() + " runs; report: " + runner.paths().experimentDir().resolve("report.md")));
      } else {
        sink.status(StatusEvent.of(id, "failed", failures.size() + " of " + (failures.size() + records.size()) + " runs failed: "
            + String.join("; ", failures)));
      }
      return Behaviors.stopped();
    }
    ExperimentRunner.RunKey run = pending.poll();
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
      }

      @Override
      public void runFinished(RunRecord record, boolean fromCache) {
        sink.status(new StatusEvent(StatusEvent.SCHEMA_VERSION, id, "run-finished", record.arm(), record.seed(), record.epochsRun(),
            String.format(java.util.Locale.ROOT, "test accuracy %.4f%s", record.test().accuracy(), fromCache ? " (finished earlier)" : ""),
            null, System.currentTimeMillis()));
      }
    };
  }

  private static String rootMessage(Throwable t) {
    Throwable root = t;
    while ((root instanceof java.util.concurrent.CompletionException || root instanceof java.io.UncheckedIOException) && root.getCause() != null) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName() + ": " + root.getMessage();
  }
}
