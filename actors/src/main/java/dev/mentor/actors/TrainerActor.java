package dev.mentor.actors;

import dev.mentor.messages.record.RunRecord;
import dev.mentor.training.run.RunPlan.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * One run of an experiment in one role (teacher, student, ensemble, trainer) on one device slot:
 * it owns the run's model and trainer, which live on a thread of the training dispatcher. The
 * thread trains one epoch at a time and, once each epoch's checkpoint is written, asks this actor whether to go on
 * ({@link EpochEnded}): the actor answers no after {@link Stop} (cancel, service shutdown), and
 * holds the answer while paused ({@link Pause} … {@link Resume}). So control messages are
 * honoured between epochs, and the run stops with its checkpoint of the last epoch written.
 * When the run ends the actor reports {@link ExperimentSupervisor.TrainerEnded} to its parent and stops.
 */
public final class TrainerActor extends AbstractBehavior<TrainerActor.Command> {
  public sealed interface Command permits Stop, Pause, Resume, EpochEnded, Finished {}

  public enum Stop implements Command {
    INSTANCE
  }

  public enum Pause implements Command {
    INSTANCE
  }

  public enum Resume implements Command {
    INSTANCE
  }

  /** Sent by the training thread at the end of an epoch; completed with true to train the next one. */
  public record EpochEnded(int epoch, CompletableFuture<Boolean> proceed) implements Command {}

  private record Finished(RunRecord record, Throwable failure) implements Command {}

  /** The training work of a run, given the gate its listener calls at each epoch's end. */
  public interface Work {
    RunRecord run(Gate gate) throws Exception;
  }

  /** Thrown on the training thread when the actor says stop; the run ends there, its checkpoint kept. */
  public static final class RunStopped extends RuntimeException {
    RunStopped(int epoch) {
      super("stopped at the end of epoch " + epoch, null, false, false);
    }
  }

  /**
   * The training thread's side: {@link #epochEnded} blocks until the actor answers, and stops the
   * run if the actor said so or is gone (the service stopping). Nothing polls: the actor's answer
   * completes the wait, and so does the actor's end ({@link #close}). Several threads may wait at
   * once — the members of a co-distilled ensemble train side by side in one task, each reaching
   * its epoch's end — and each waits for its own answer.
   */
  public static final class Gate {
    private final ActorRef<Command> actor;
    /** The answers training threads are waiting for. */
    private final Set<CompletableFuture<Boolean>> pending = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    Gate(ActorRef<Command> actor) {
      this.actor = actor;
    }

    /** Marks the actor gone: every training thread waiting here, or coming later, stops. */
    void close() {
      closed = true;
      pending.forEach(waiting -> waiting.complete(false));
    }

    public void epochEnded(int epoch) {
      CompletableFuture<Boolean> proceed = new CompletableFuture<>();
      pending.add(proceed);
      // Added before reading closed, as close() sets closed before reading pending: one of the two sees the other.
      if (closed) {
        proceed.complete(false);
      } else {
        actor.tell(new EpochEnded(epoch, proceed));
      }
      try {
        if (!proceed.get()) {
          throw new RunStopped(epoch);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new RunStopped(epoch);
      } catch (ExecutionException e) {
        throw new IllegalStateException(e.getCause());
      } finally {
        pending.remove(proceed);
      }
    }
  }

  private final Task run;
  private final DeviceAllocator.Slot slot;
  private final ActorRef<ExperimentSupervisor.Command> parent;
  private final Gate gate;
  private boolean stopping;
  private boolean paused;
  /** The epoch ends held while paused: one per training thread of the run (co-distilled members each have one). */
  private final List<EpochEnded> waiting = new ArrayList<>();

  private TrainerActor(ActorContext<Command> context, Task run, DeviceAllocator.Slot slot, ActorRef<ExperimentSupervisor.Command> parent,
      boolean paused) {
    super(context);
    this.run = run;
    this.slot = slot;
    this.parent = parent;
    this.paused = paused;
    this.gate = new Gate(context.getSelf());
  }

  /** Starts {@code work} on {@code training} at once; {@code paused} holds it at its first epoch's end until {@link Resume}. */
  public static Behavior<Command> create(Task run, DeviceAllocator.Slot slot, Work work, Executor training,
      ActorRef<ExperimentSupervisor.Command> parent, boolean paused) {
    return Behaviors.setup(context -> {
      TrainerActor actor = new TrainerActor(context, run, slot, parent, paused);
      context.pipeToSelf(CompletableFuture.supplyAsync(() -> {
        try {
          return work.run(actor.gate);
        } catch (RuntimeException e) {
          throw e;
        } catch (Exception e) {
          throw new CompletionException(e);
        }
      }, training), Finished::new);
      return actor;
    });
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(EpochEnded.class, this::onEpochEnded)
        .onMessageEquals(Stop.INSTANCE, this::onStop)
        .onMessageEquals(Pause.INSTANCE, () -> {
          paused = true;
          return this;
        })
        .onMessageEquals(Resume.INSTANCE, this::onResume)
        .onMessage(Finished.class, this::onFinished)
        .onSignal(PostStop.class, signal -> {
          gate.close();
          return this;
        })
        .build();
  }

  private Behavior<Command> onEpochEnded(EpochEnded ended) {
    if (stopping) {
      ended.proceed().complete(false);
    } else if (paused) {
      waiting.add(ended);
    } else {
      ended.proceed().complete(true);
    }
    return this;
  }

  private Behavior<Command> onStop() {
    stopping = true;
    answerWaiting(false);
    return this;
  }

  private Behavior<Command> onResume() {
    paused = false;
    answerWaiting(!stopping);
    return this;
  }

  private void answerWaiting(boolean proceed) {
    waiting.forEach(ended -> ended.proceed().complete(proceed));
    waiting.clear();
  }

  private Behavior<Command> onFinished(Finished finished) {
    parent.tell(new ExperimentSupervisor.TrainerEnded(run, slot, finished.record(), finished.failure()));
    return Behaviors.stopped();
  }
}
