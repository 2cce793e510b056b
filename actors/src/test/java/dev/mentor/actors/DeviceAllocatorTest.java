package dev.mentor.actors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.mentor.actors.DeviceAllocator.Granted;
import dev.mentor.actors.DeviceAllocator.Processor;
import dev.mentor.actors.DeviceAllocator.Slot;
import dev.mentor.actors.DeviceAllocator.TeacherStream;
import dev.mentor.actors.DeviceAllocator.TrainingRun;
import dev.mentor.actors.DeviceAllocator.Work;
import dev.mentor.training.run.RunPlan.Task;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.BehaviorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestInbox;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;

/** The device allocator's protocol: slots per device, first-come first-served queueing, release, and slots freed when their holder stops. */
class DeviceAllocatorTest {
  private static final List<DeviceAllocator.Slot> TWO_CPU = DeviceAllocator.slots(0, 1, 2);

  @Test
  void slotsComeFromTheGpusOrElseTheCpu() {
    assertThat(DeviceAllocator.slots(0, 3, 2)).extracting(DeviceAllocator.Slot::toString).containsExactly("cpu#0", "cpu#1");
    assertThat(DeviceAllocator.slots(2, 2, 4)).extracting(DeviceAllocator.Slot::toString)
        .containsExactly("gpu0#0", "gpu1#0", "gpu0#1", "gpu1#1");
    assertThat(DeviceAllocator.slots(0, 1, 1).get(0).djlDevice()).isEqualTo(Device.cpu());
    assertThat(DeviceAllocator.slots(0, 1, 1).get(0).onCpu()).isTrue();
    Slot gpu = DeviceAllocator.slots(2, 1, 1).get(1);
    assertThat(gpu.onCpu()).isFalse();
    assertThat(gpu.processor()).isEqualTo(Processor.gpu(1));
    assertThat(gpu.djlDevice()).isEqualTo(Device.gpu(1));
    assertThatThrownBy(() -> Processor.gpu(-1)).hasMessageContaining("GPU index");
    assertThatThrownBy(() -> DeviceAllocator.slots(0, 1, 0)).hasMessageContaining("must be >= 1");
  }

  @Test
  void grantsUpToTheSlotsThenQueuesInOrderOfArrival() {
    BehaviorTestKit<DeviceAllocator.Command> allocator = BehaviorTestKit.create(DeviceAllocator.create(TWO_CPU));
    TestInbox<Granted> replies = TestInbox.create();
    TestInbox<Object> owner = TestInbox.create();
    for (String stream : List.of("a", "b", "c", "d")) {
      allocator.run(new DeviceAllocator.Acquire(new TeacherStream(stream), replies.getRef(), owner.getRef()));
    }
    Granted a = replies.receiveMessage();
    Granted b = replies.receiveMessage();
    assertThat(List.of(a.work(), b.work())).containsExactly(new TeacherStream("a"), new TeacherStream("b"));
    assertThat(a.slot()).isNotEqualTo(b.slot());
    assertThat(replies.hasMessages()).as("c and d wait: both slots are taken").isFalse();

    TestInbox<DeviceAllocator.Usage> usage = TestInbox.create();
    allocator.run(new DeviceAllocator.GetUsage(usage.getRef()));
    assertThat(usage.receiveMessage()).isEqualTo(new DeviceAllocator.Usage(2, 2, 2, List.of("teacher for a", "teacher for b")));

    allocator.run(new DeviceAllocator.Release(b.slot()));
    Granted c = replies.receiveMessage();
    assertThat(c.work()).isEqualTo(new TeacherStream("c"));
    assertThat(c.slot()).isEqualTo(b.slot());
    allocator.run(new DeviceAllocator.Release(b.slot()));
    assertThat(replies.receiveMessage().work()).isEqualTo(new TeacherStream("d"));
    allocator.run(new DeviceAllocator.Release(new Slot(Processor.gpu(7), 0)));
    assertThat(replies.hasMessages()).as("releasing a slot that is not held changes nothing").isFalse();
  }

  @Test
  void theSlotsOfAnOwnerThatStopsGoBackAndItsQueuedRequestsAreDropped() {
    ActorTestKit kit = ActorTestKit.create();
    try {
      ActorRef<DeviceAllocator.Command> allocator = kit.spawn(DeviceAllocator.create(DeviceAllocator.slots(0, 1, 1)));
      TestProbe<Granted> first = kit.createTestProbe();
      TestProbe<Granted> second = kit.createTestProbe();
      ActorRef<Object> owner = kit.spawn(Behaviors.receiveMessage(m -> Behaviors.stopped()));
      ActorRef<Object> other = kit.spawn(Behaviors.ignore());
      allocator.tell(new DeviceAllocator.Acquire(new TeacherStream("held"), first.getRef(), owner));
      allocator.tell(new DeviceAllocator.Acquire(new TeacherStream("queued-by-owner"), first.getRef(), owner));
      allocator.tell(new DeviceAllocator.Acquire(new TeacherStream("other"), second.getRef(), other));
      assertThat(first.receiveMessage().work()).isEqualTo(new TeacherStream("held"));
      second.expectNoMessage(Duration.ofMillis(200));

      owner.tell("stop");
      assertThat(second.receiveMessage().work()).as("the stopped owner's slot goes to the next request of another owner").isEqualTo(new TeacherStream("other"));
      first.expectNoMessage(Duration.ofMillis(200));
    } finally {
      kit.shutdownTestKit();
    }
  }

  @Test
  void aGrantNamesTheWorkItWasAskedForAsTypedValueSoRunsOfDifferentExperimentsAndStreamsNeverMix() {
    BehaviorTestKit<DeviceAllocator.Command> allocator = BehaviorTestKit.create(DeviceAllocator.create(DeviceAllocator.slots(0, 1, 3)));
    TestInbox<Granted> replies = TestInbox.create();
    TestInbox<Object> owner = TestInbox.create();
    // The same task of two experiments, and a teacher stream: three different pieces of work.
    Work first = new TrainingRun("exp-a", new Task("arm", 7, 2));
    Work second = new TrainingRun("exp-b", new Task("arm", 7, 2));
    Work stream = new TeacherStream("exp-a/student/s7");
    for (Work work : List.of(first, second, stream)) {
      allocator.run(new DeviceAllocator.Acquire(work, replies.getRef(), owner.getRef()));
    }
    List<Granted> grants = replies.getAllReceived();
    assertThat(grants).extracting(Granted::work).containsExactly(first, second, stream);
    assertThat(grants.get(0).work()).isNotEqualTo(grants.get(1).work());
    assertThat(grants.get(0).work()).isEqualTo(new TrainingRun("exp-a", new Task("arm", 7, 2)));
    // What a grant answers is read from its fields, never parsed from a key.
    assertThat(grants.get(0).work()).isInstanceOfSatisfying(TrainingRun.class, run -> {
      assertThat(run.experimentId()).isEqualTo("exp-a");
      assertThat(run.task().member()).isEqualTo(2);
    });
    assertThat(grants).extracting(Granted::slot).extracting(Slot::onCpu).containsOnly(true);
    TestInbox<DeviceAllocator.Usage> usage = TestInbox.create();
    allocator.run(new DeviceAllocator.GetUsage(usage.getRef()));
    assertThat(usage.receiveMessage().holders()).containsExactly("exp-a/arm/member-2/s7", "exp-b/arm/member-2/s7", "teacher for exp-a/student/s7");
  }
}
