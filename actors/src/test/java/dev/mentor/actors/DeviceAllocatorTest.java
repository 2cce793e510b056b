package dev.mentor.actors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
    assertThat(DeviceAllocator.slots(0, 1, 1).get(0).djlDevice()).isEqualTo(ai.djl.Device.cpu());
    assertThatThrownBy(() -> DeviceAllocator.slots(0, 1, 0)).hasMessageContaining("must be >= 1");
  }

  @Test
  void grantsUpToTheSlotsThenQueuesInOrderOfArrival() {
    BehaviorTestKit<DeviceAllocator.Command> allocator = BehaviorTestKit.create(DeviceAllocator.create(TWO_CPU));
    TestInbox<DeviceAllocator.Granted> replies = TestInbox.create();
    TestInbox<Object> owner = TestInbox.create();
    for (String work : List.of("a", "b", "c", "d")) {
      allocator.run(new DeviceAllocator.Acquire(work, replies.getRef(), owner.getRef()));
    }
    DeviceAllocator.Granted a = replies.receiveMessage();
    DeviceAllocator.Granted b = replies.receiveMessage();
    assertThat(List.of(a.work(), b.work())).containsExactly("a", "b");
    assertThat(a.slot()).isNotEqualTo(b.slot());
    assertThat(replies.hasMessages()).as("c and d wait: both slots are taken").isFalse();

    TestInbox<DeviceAllocator.Usage> usage = TestInbox.create();
    allocator.run(new DeviceAllocator.GetUsage(usage.getRef()));
    assertThat(usage.receiveMessage()).isEqualTo(new DeviceAllocator.Usage(2, 2, 2, List.of("a", "b")));

    allocator.run(new DeviceAllocator.Release(b.slot()));
    DeviceAllocator.Granted c = replies.receiveMessage();
    assertThat(c.work()).isEqualTo("c");
    assertThat(c.slot()).isEqualTo(b.slot());
    allocator.run(new DeviceAllocator.Release(b.slot()));
    assertThat(replies.receiveMessage().work()).isEqualTo("d");
    allocator.run(new DeviceAllocator.Release(new DeviceAllocator.Slot("gpu7", 0)));
    assertThat(replies.hasMessages()).as("releasing a slot that is not held changes nothing").isFalse();
  }

  @Test
  void theSlotsOfAnOwnerThatStopsGoBackAndItsQueuedRequestsAreDropped() {
    ActorTestKit kit = ActorTestKit.create();
    try {
      ActorRef<DeviceAllocator.Command> allocator = kit.spawn(DeviceAllocator.create(DeviceAllocator.slots(0, 1, 1)));
      TestProbe<DeviceAllocator.Granted> first = kit.createTestProbe();
      TestProbe<DeviceAllocator.Granted> second = kit.createTestProbe();
      ActorRef<Object> owner = kit.spawn(Behaviors.receiveMessage(m -> Behaviors.stopped()));
      ActorRef<Object> other = kit.spawn(Behaviors.ignore());
      allocator.tell(new DeviceAllocator.Acquire("held", first.getRef(), owner));
      allocator.tell(new DeviceAllocator.Acquire("queued-by-owner", first.getRef(), owner));
      allocator.tell(new DeviceAllocator.Acquire("other", second.getRef(), other));
      assertThat(first.receiveMessage().work()).isEqualTo("held");
      second.expectNoMessage(java.time.Duration.ofMillis(200));

      owner.tell("stop");
      assertThat(second.receiveMessage().work()).as("the stopped owner's slot goes to the next request of another owner").isEqualTo("other");
      first.expectNoMessage(java.time.Duration.ofMillis(200));
    } finally {
      kit.shutdownTestKit();
    }
  }
}
