package dev.mentor.actors;

import ai.djl.Device;
import dev.mentor.training.run.RunPlan.Task;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Hands out device slots to the runs of every experiment of a service: each GPU the engine sees
 * gives {@code slotsPerGpu} slots, and a machine without a GPU gives {@code cpuSlots} CPU slots.
 * A request when every slot is taken waits in a first-come, first-served queue. A slot goes back
 * with {@link Release}, or by itself when the actor that holds it (the {@code owner} named in the
 * request) stops, so a crashed or stopped experiment never keeps a device.
 */
public final class DeviceAllocator extends AbstractBehavior<DeviceAllocator.Command> {
  /** The processor a slot's work runs on: the CPU, or one GPU by its index among the engine's GPUs. */
  public record Processor(int gpu) {
    public static final Processor CPU = new Processor(-1);

    public Processor {
      if (gpu < -1) {
        throw new IllegalArgumentException("a GPU index is >= 0 (-1 for the CPU), got " + gpu);
      }
    }

    public static Processor gpu(int index) {
      if (index < 0) {
        throw new IllegalArgumentException("a GPU index is >= 0, got " + index);
      }
      return new Processor(index);
    }

    public boolean isCpu() {
      return gpu < 0;
    }

    /** The engine's device for this processor. */
    public Device djlDevice() {
      return isCpu() ? Device.cpu() : Device.gpu(gpu);
    }

    /** {@code cpu}, {@code gpu0}, {@code gpu1}...: the name status events and logs give the device. */
    @Override
    public String toString() {
      return isCpu() ? "cpu" : "gpu" + gpu;
    }
  }

  /** One place a trainer may run: its {@code processor}, and its {@code index} among that processor's slots. */
  public record Slot(Processor processor, int index) {
    public boolean onCpu() {
      return processor.isCpu();
    }

    public Device djlDevice() {
      return processor.djlDevice();
    }

    @Override
    public String toString() {
      return processor + "#" + index;
    }
  }

  /** What a slot is asked for: the grant names it back, so the asker knows which of its requests was answered. */
  public sealed interface Work permits TrainingRun, TeacherStream {}

  /** A run (or ensemble member) of an experiment. */
  public record TrainingRun(String experimentId, Task task) implements Work {
    @Override
    public String toString() {
      return experimentId + "/" + task.label() + "/s" + task.seed();
    }
  }

  /** A teacher streaming its outputs to a student, by the stream's key on the tensor topic. */
  public record TeacherStream(String stream) implements Work {
    @Override
    public String toString() {
      return "teacher for " + stream;
    }
  }

  public sealed interface Command permits Acquire, Release, GetUsage, OwnerStopped {}

  /** Asks for a slot for {@code work}; the answer is a {@link Granted} to {@code replyTo} once a slot is free. */
  public record Acquire(Work work, ActorRef<Granted> replyTo, ActorRef<?> owner) implements Command {}

  public record Granted(Work work, Slot slot) {}

  public record Release(Slot slot) implements Command {}

  public record GetUsage(ActorRef<Usage> replyTo) implements Command {}

  /** Slots in all, slots held now, requests waiting for one, and what holds the slots (as {@link Work#toString}, sorted). */
  public record Usage(int total, int used, int queued, List<String> holders) {}

  private record OwnerStopped(ActorRef<?> owner) implements Command {}

  private final List<Slot> free;
  private final int total;
  private final Map<Slot, Acquire> held = new HashMap<>();
  private final Deque<Acquire> queue = new ArrayDeque<>();
  private final Set<ActorRef<?>> watched = new HashSet<>();

  private DeviceAllocator(ActorContext<Command> context, List<Slot> slots) {
    super(context);
    if (slots.isEmpty()) {
      throw new IllegalArgumentException("at least one device slot is needed");
    }
    this.free = new ArrayList<>(slots);
    this.total = slots.size();
  }

  public static Behavior<Command> create(List<Slot> slots) {
    return Behaviors.setup(context -> new DeviceAllocator(context, slots));
  }

  /** The slots of a machine with {@code gpus} GPUs ({@code slotsPerGpu} each), or {@code cpuSlots} CPU slots when it has none. */
  public static List<Slot> slots(int gpus, int slotsPerGpu, int cpuSlots) {
    if (slotsPerGpu < 1 || cpuSlots < 1) {
      throw new IllegalArgumentException("slots per GPU and CPU slots must be >= 1, got " + slotsPerGpu + " and " + cpuSlots);
    }
    List<Slot> slots = new ArrayList<>();
    if (gpus > 0) {
      for (int k = 0; k < slotsPerGpu; k++) {
        for (int g = 0; g < gpus; g++) {
          slots.add(new Slot(Processor.gpu(g), k));
        }
      }
    } else {
      for (int k = 0; k < cpuSlots; k++) {
        slots.add(new Slot(Processor.CPU, k));
      }
    }
    return slots;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Acquire.class, this::onAcquire)
        .onMessage(Release.class, this::onRelease)
        .onMessage(GetUsage.class, this::onUsage)
        .onMessage(OwnerStopped.class, this::onOwnerStopped)
        .build();
  }

  private Behavior<Command> onAcquire(Acquire request) {
    if (watched.add(request.owner())) {
      getContext().watchWith(request.owner(), new OwnerStopped(request.owner()));
    }
    queue.add(request);
    grant();
    return this;
  }

  private Behavior<Command> onRelease(Release release) {
    if (held.remove(release.slot()) != null) {
      free.add(0, release.slot());
      grant();
    }
    return this;
  }

  private Behavior<Command> onOwnerStopped(OwnerStopped stopped) {
    watched.remove(stopped.owner());
    queue.removeIf(a -> a.owner().equals(stopped.owner()));
    List<Slot> back = held.entrySet().stream().filter(e -> e.getValue().owner().equals(stopped.owner())).map(Map.Entry::getKey).toList();
    back.forEach(held::remove);
    free.addAll(0, back);
    grant();
    return this;
  }

  private Behavior<Command> onUsage(GetUsage get) {
    get.replyTo().tell(new Usage(total, held.size(), queue.size(), held.values().stream().map(a -> a.work().toString()).sorted().toList()));
    return this;
  }

  /** Gives free slots to waiting requests, oldest first, spreading work over devices (least used device first). */
  private void grant() {
    while (!free.isEmpty() && !queue.isEmpty()) {
      Slot slot = leastUsed();
      free.remove(slot);
      Acquire request = queue.poll();
      held.put(slot, request);
      request.replyTo().tell(new Granted(request.work(), slot));
    }
  }

  private Slot leastUsed() {
    Slot best = null;
    long bestLoad = Long.MAX_VALUE;
    for (Slot slot : free) {
      long load = held.keySet().stream().filter(s -> s.processor().equals(slot.processor())).count();
      if (load < bestLoad) {
        best = slot;
        bestLoad = load;
      }
    }
    return best;
  }
}
