package dev.mentor.actors;

import java.util.List;

/**
 * How a service process trains: the device slots it hands out (see {@link DeviceAllocator#slots})
 * and a hook called at every epoch's end (tests inject faults with it; {@link
 * ExperimentSupervisor.EpochHook#NONE} otherwise).
 */
public record ServiceSettings(List<DeviceAllocator.Slot> slots, ExperimentSupervisor.EpochHook epochHook) {
  /** CPU slots when the machine has no GPU: two trainers at a time (see docs/benchmarks.md, "Two trainers at the same time"). */
  public static final int DEFAULT_CPU_SLOTS = 2;

  public static final int DEFAULT_SLOTS_PER_GPU = 1;

  public ServiceSettings {
    slots = List.copyOf(slots);
    if (slots.isEmpty()) {
      throw new IllegalArgumentException("at least one device slot is needed");
    }
  }

  /** The slots of this machine: every GPU the engine sees ({@code slotsPerGpu} each), else {@code cpuSlots}. */
  public static ServiceSettings detect(int slotsPerGpu, int cpuSlots) {
    int gpus = ai.djl.engine.Engine.getInstance().getGpuCount();
    return new ServiceSettings(DeviceAllocator.slots(gpus, slotsPerGpu, cpuSlots), ExperimentSupervisor.EpochHook.NONE);
  }

  public static ServiceSettings defaults() {
    return detect(DEFAULT_SLOTS_PER_GPU, DEFAULT_CPU_SLOTS);
  }

  public ServiceSettings withEpochHook(ExperimentSupervisor.EpochHook hook) {
    return new ServiceSettings(slots, hook);
  }

  public ServiceSettings withCpuSlots(int cpuSlots) {
    return new ServiceSettings(DeviceAllocator.slots(0, 1, cpuSlots), epochHook);
  }
}
