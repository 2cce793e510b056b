package dev.mentor.actors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mentor.training.run.RunPlan.Task;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.BehaviorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestInbox;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Test;

/**
 * The trainer's epoch gate: the training thread asks at the end of every epoch whether to go on;
 * the actor says yes, holds the answer while paused, says no after a stop, and the thread stops
 * when the actor is gone. The run's end is reported to the supervisor with its slot.
 */
class TrainerActorTest {
  private static final Task RUN = Task.run("arm", 1);
  private static final DeviceAllocator.Slot SLOT = new DeviceAllocator.Slot(DeviceAllocator.Processor.CPU, 0);

  @Test
  void theGateAnswersPerEpochHoldsWhilePausedAndStopsAfterStop() {
    BehaviorTestKit<TrainerActor.Command> trainer = BehaviorTestKit.create(TrainerActor.create(RUN, SLOT, gate -> null,
        Runnable::run, TestInbox.<ExperimentSupervisor.Command>create().getRef(), false));
    CompletableFuture<Boolean> first = new CompletableFuture<>();
    trainer.run(new TrainerActor.EpochEnded(1, first));
    assertThat(first).isCompletedWithValue(true);

    trainer.run(TrainerActor.Pause.INSTANCE);
    CompletableFuture<Boolean> second = new CompletableFuture<>();
    trainer.run(new TrainerActor.EpochEnded(2, second));
    assertThat(second).as("held while paused").isNotDone();
    trainer.run(TrainerActor.Resume.INSTANCE);
    assertThat(second).isCompletedWithValue(true);

    trainer.run(TrainerActor.Pause.INSTANCE);
    CompletableFuture<Boolean> third = new CompletableFuture<>();
    trainer.run(new TrainerActor.EpochEnded(3, third));
    trainer.run(TrainerActor.Stop.INSTANCE);
    assertThat(third).as("a stop releases a paused run, to stop").isCompletedWithValue(false);
    CompletableFuture<Boolean> fourth = new CompletableFuture<>();
    trainer.run(new TrainerActor.EpochEnded(4, fourth));
    assertThat(fourth).isCompletedWithValue(false);
  }

  @Test
  void aRunTrainsEpochByEpochUntilStoppedAndReportsItsEndWithItsSlot() throws Exception {
    ActorTestKit kit = ActorTestKit.create();
    var pool = Executors.newSingleThreadExecutor();
    try {
      TestProbe<ExperimentSupervisor.Command> parent = kit.createTestProbe();
      List<Integer> epochs = new CopyOnWriteArrayList<>();
      CountDownLatch twoEpochs = new CountDownLatch(2);
      ActorRef<TrainerActor.Command> trainer = kit.spawn(TrainerActor.create(RUN, SLOT, gate -> {
        for (int epoch = 1; epoch <= 1000; epoch++) {
          Thread.sleep(5);
          gate.epochEnded(epoch);
          epochs.add(epoch);
          twoEpochs.countDown();
        }
        return null;
      }, pool, parent.getRef(), false));
      assertThat(twoEpochs.await(10, TimeUnit.SECONDS)).isTrue();
      trainer.tell(TrainerActor.Stop.INSTANCE);
      ExperimentSupervisor.TrainerEnded ended = parent.expectMessageClass(ExperimentSupervisor.TrainerEnded.class, Duration.ofSeconds(10));
      assertThat(ended.run()).isEqualTo(RUN);
      assertThat(ended.slot()).isEqualTo(SLOT);
      assertThat(ExperimentSupervisor.rootCause(ended.failure())).isInstanceOf(TrainerActor.RunStopped.class);
      assertThat(epochs).hasSizeLessThan(1000);
      kit.createTestProbe().expectTerminated(trainer, Duration.ofSeconds(5));
    } finally {
      pool.shutdownNow();
      kit.shutdownTestKit();
    }
  }

  @Test
  void theTrainingThreadStopsWhenTheActorIsGone() {
    ActorTestKit kit = ActorTestKit.create();
    try {
      TestProbe<TrainerActor.Command> gone = kit.createTestProbe();
      TrainerActor.Gate gate = new TrainerActor.Gate(gone.getRef());
      gone.stop();
      CompletableFuture<Void> asked = CompletableFuture.runAsync(() -> gate.epochEnded(1));
      gate.close();
      assertThatThrownBy(() -> asked.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(TrainerActor.RunStopped.class);
    } finally {
      kit.shutdownTestKit();
    }
  }

  @Test
  void aPausedRunWaitingAtTheGateStopsWhenItsActorIsStopped() throws Exception {
    ActorTestKit kit = ActorTestKit.create();
    var pool = Executors.newSingleThreadExecutor();
    try {
      CountDownLatch waiting = new CountDownLatch(1);
      CompletableFuture<Throwable> outcome = new CompletableFuture<>();
      ActorRef<TrainerActor.Command> trainer = kit.spawn(TrainerActor.create(RUN, SLOT, gate -> {
        waiting.countDown();
        try {
          gate.epochEnded(1);
          outcome.complete(null);
        } catch (RuntimeException e) {
          outcome.complete(e);
        }
        return null;
      }, pool, kit.<ExperimentSupervisor.Command>createTestProbe().getRef(), true));
      assertThat(waiting.await(10, TimeUnit.SECONDS)).isTrue();
      Thread.sleep(100);
      assertThat(outcome).as("held while paused").isNotDone();

      kit.stop(trainer);

      assertThat(outcome.get(5, TimeUnit.SECONDS)).isInstanceOf(TrainerActor.RunStopped.class);
    } finally {
      pool.shutdownNow();
      kit.shutdownTestKit();
    }
  }

  @Test
  void everyThreadHeldWhilePausedIsAnsweredOnResumeAndOnStop() {
    // The members of a co-distilled ensemble train side by side in one task: each ends its epoch at the same gate.
    BehaviorTestKit<TrainerActor.Command> trainer = BehaviorTestKit.create(TrainerActor.create(RUN, SLOT, gate -> null,
        Runnable::run, TestInbox.<ExperimentSupervisor.Command>create().getRef(), true));
    CompletableFuture<Boolean> member0 = new CompletableFuture<>();
    CompletableFuture<Boolean> member1 = new CompletableFuture<>();
    trainer.run(new TrainerActor.EpochEnded(1, member0));
    trainer.run(new TrainerActor.EpochEnded(1, member1));
    assertThat(member0).isNotDone();
    assertThat(member1).isNotDone();
    trainer.run(TrainerActor.Resume.INSTANCE);
    assertThat(member0).isCompletedWithValue(true);
    assertThat(member1).isCompletedWithValue(true);

    trainer.run(TrainerActor.Pause.INSTANCE);
    CompletableFuture<Boolean> again0 = new CompletableFuture<>();
    CompletableFuture<Boolean> again1 = new CompletableFuture<>();
    trainer.run(new TrainerActor.EpochEnded(2, again0));
    trainer.run(new TrainerActor.EpochEnded(2, again1));
    trainer.run(TrainerActor.Stop.INSTANCE);
    assertThat(again0).isCompletedWithValue(false);
    assertThat(again1).isCompletedWithValue(false);
  }

  @Test
  void aStopReachesEveryThreadOfAPausedRunSoTheRunEnds() throws Exception {
    ActorTestKit kit = ActorTestKit.create();
    var pool = Executors.newSingleThreadExecutor();
    var members = Executors.newFixedThreadPool(2);
    try {
      TestProbe<ExperimentSupervisor.Command> parent = kit.createTestProbe();
      CountDownLatch bothAtTheGate = new CountDownLatch(2);
      ActorRef<TrainerActor.Command> trainer = kit.spawn(TrainerActor.create(RUN, SLOT, gate -> {
        List<Future<?>> running = new ArrayList<>();
        for (int m = 0; m < 2; m++) {
          running.add(members.submit(() -> {
            bothAtTheGate.countDown();
            gate.epochEnded(1);
          }));
        }
        for (var member : running) {
          member.get();
        }
        return null;
      }, pool, parent.getRef(), true));
      assertThat(bothAtTheGate.await(10, TimeUnit.SECONDS)).isTrue();
      Thread.sleep(200);

      trainer.tell(TrainerActor.Stop.INSTANCE);

      ExperimentSupervisor.TrainerEnded ended = parent.expectMessageClass(ExperimentSupervisor.TrainerEnded.class, Duration.ofSeconds(10));
      // It ends at all only if both members were answered: before, the second waited for ever.
      assertThat(ExperimentSupervisor.rootCause(ended.failure())).isInstanceOf(TrainerActor.RunStopped.class);
    } finally {
      members.shutdownNow();
      pool.shutdownNow();
      kit.shutdownTestKit();
    }
  }

  @Test
  void everyThreadWaitingAtTheGateStopsWhenTheActorIsGone() throws Exception {
    ActorTestKit kit = ActorTestKit.create();
    try {
      TestProbe<TrainerActor.Command> actor = kit.createTestProbe();
      TrainerActor.Gate gate = new TrainerActor.Gate(actor.getRef());
      CompletableFuture<Void> member0 = CompletableFuture.runAsync(() -> gate.epochEnded(1));
      CompletableFuture<Void> member1 = CompletableFuture.runAsync(() -> gate.epochEnded(1));
      actor.expectMessageClass(TrainerActor.EpochEnded.class);
      actor.expectMessageClass(TrainerActor.EpochEnded.class);
      gate.close();
      assertThatThrownBy(() -> member0.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(TrainerActor.RunStopped.class);
      assertThatThrownBy(() -> member1.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(TrainerActor.RunStopped.class);
    } finally {
      kit.shutdownTestKit();
    }
  }
}
