package dev.mentor.actors;

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
  /** One place a trainer may run: {@code device} ({@code cpu}, {@code gpu0}, {@code gpu1}...), {@code index} among its slots. */
  public record Slot(String device, int index) {
    public ai.djl.Device djlDevice() {
      return device.equals("cpu") ? ai.djl.Device.cpu() : ai.djl.Device.gpu(Integer.parseInt(device.substring(3)));
    }

    @Override
    public String toString() {
      return device + "#" + index;
    }
  }

  public interface Command {}

  /** Asks for a slot for {@code work}; the answer is a {@link Granted} to {@code replyTo} once a slot is free. */
  public record Acquire(String work, ActorRef<Granted> replyTo, ActorRef<?> owner) implements Command {}

  public record Granted(String work, Slot slot) {}

  public record Release(Slot slot) implements Command {}

  public record GetUsage(ActorRef<Usage> replyTo) implements Command {}

  /** Slots in all, slots held now, and requests waiting for one. */
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
          slots.add(new Slot("gpu" + g, k));
        }
      }
    } else {
      for (int k = 0; k < cpuSlots; k++) {
        slots.add(new Slot("cpu", k));
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
    get.replyTo().tell(new Usage(total, held.size(), queue.size(), held.values().stream().map(Acquire::work).sorted().toList()));
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
      long load = held.keySet().stream().filter(s -> s.device().equals(slot.device())).count();
      if (load < bestLoad) {
        best = slot;
        bestLoad = load;
      }
    }
    return best;
  }
}
