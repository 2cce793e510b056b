package dev.mentor.actors;

import ai.djl.engine.Engine;
import dev.mentor.training.engine.EngineThreads;
import dev.mentor.training.history.HistoryLocation;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * How a service process trains: the device slots it hands out (see {@link DeviceAllocator#slots}),
 * a hook called at every epoch's end (tests inject faults with it; {@link
 * ExperimentSupervisor.EpochHook#NONE} otherwise), its roles (running experiments, serving
 * teacher streams, or both), whether its students take live teachers as streams over Kafka, and
 * the engine kernel threads the trainers on CPU slots share (see {@link CpuShare}), and where the
 * experiments are recorded ({@code history}, docs/history.md; null: nowhere, the default).
 */
public record ServiceSettings(List<DeviceAllocator.Slot> slots, ExperimentSupervisor.EpochHook epochHook, Set<String> roles,
    boolean streamTeachers, int cpuThreads, Metrics metrics, HistoryLocation history) {
  /** The Prometheus and health endpoint: bind address and port (0: any free port); null settings: no endpoint. */
  public record Metrics(String bind, int port, Duration retention) {
    public Metrics {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("the metrics port must be 0..65535, got " + port);
      }
    }
  }

  /** Runs experiments taken from the jobs topic. */
  public static final String EXPERIMENTS = "experiments";

  /** Streams teachers' outputs to students that ask on the teacher-requests topic (of any process). */
  public static final String TEACHERS = "teachers";

  public static final Set<String> ROLES = Set.of(EXPERIMENTS, TEACHERS);

  /** Kernel threads a trainer gets by default on a machine without GPU: the default CPU slots are the engine's threads / 4. */
  public static final int THREADS_PER_DEFAULT_CPU_SLOT = 4;

  /**
   * CPU slots when none are asked for: one per 4 engine threads, at least one (2 cores: one
   * trainer with both; 16: four with four each). See docs/benchmarks.md, "Orchestrator overhead".
   */
  public static int defaultCpuSlots() {
    return Math.max(1, EngineThreads.configuredIntraOpThreads() / THREADS_PER_DEFAULT_CPU_SLOT);
  }

  public static final int DEFAULT_SLOTS_PER_GPU = 1;

  public ServiceSettings {
    slots = List.copyOf(slots);
    if (slots.isEmpty()) {
      throw new IllegalArgumentException("at least one device slot is needed");
    }
    roles = Set.copyOf(roles);
    if (roles.isEmpty() || !ROLES.containsAll(roles)) {
      throw new IllegalArgumentException("roles must be a non-empty subset of " + ROLES + ", got " + roles);
    }
  }

  /** The slots of this machine: every GPU the engine sees ({@code slotsPerGpu} each), else {@code cpuSlots}. */
  public static ServiceSettings detect(int slotsPerGpu, int cpuSlots) {
    int gpus = Engine.getInstance().getGpuCount();
    return new ServiceSettings(DeviceAllocator.slots(gpus, slotsPerGpu, cpuSlots), ExperimentSupervisor.EpochHook.NONE, ROLES, false,
        EngineThreads.configuredIntraOpThreads(), null, null);
  }

  public static ServiceSettings defaults() {
    return detect(DEFAULT_SLOTS_PER_GPU, defaultCpuSlots());
  }

  public ServiceSettings withEpochHook(ExperimentSupervisor.EpochHook hook) {
    return new ServiceSettings(slots, hook, roles, streamTeachers, cpuThreads, metrics, history);
  }

  public ServiceSettings withCpuSlots(int cpuSlots) {
    return new ServiceSettings(DeviceAllocator.slots(0, 1, cpuSlots), epochHook, roles, streamTeachers, cpuThreads, metrics, history);
  }

  /** Serves {@code /metrics} and health on {@code bind}:{@code port}; an ended experiment's training series go after an hour. */
  public ServiceSettings withMetrics(String bind, int port) {
    return new ServiceSettings(slots, epochHook, roles, streamTeachers, cpuThreads, new Metrics(bind, port, Duration.ofHours(1)), history);
  }

  public ServiceSettings withRoles(Set<String> roles) {
    return new ServiceSettings(slots, epochHook, roles, streamTeachers, cpuThreads, metrics, history);
  }

  /** Records the experiments in the history at {@code location} (null: nowhere). */
  public ServiceSettings withHistory(HistoryLocation location) {
    return new ServiceSettings(slots, epochHook, roles, streamTeachers, cpuThreads, metrics, location);
  }

  /** Students of live logits-only distillation get their teacher from a teacher stream (any process serving teachers). */
  public ServiceSettings withStreamTeachers(boolean stream) {
    return new ServiceSettings(slots, epochHook, roles, stream, cpuThreads, metrics, history);
  }
}
