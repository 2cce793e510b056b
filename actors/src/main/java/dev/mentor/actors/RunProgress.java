package dev.mentor.actors;

import dev.mentor.actors.status.StatusSink;
import dev.mentor.messages.job.StatusEvent.EpochEnded;
import dev.mentor.messages.job.StatusEvent.Kind;
import dev.mentor.messages.job.StatusEvent.Role;
import dev.mentor.messages.job.StatusEvent.RunFinished;
import dev.mentor.messages.job.StatusEvent.RunNote;
import dev.mentor.messages.job.StatusEvent.RunScheduled;
import dev.mentor.messages.job.StatusEvent.RunStarted;
import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.record.RunEvent;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.monitoring.TensorBusMeters;
import dev.mentor.training.distill.DistillationMethods;
import dev.mentor.training.run.RunListener;
import dev.mentor.training.run.RunPlan.Task;
import dev.mentor.training.run.RunPlan;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the runs of one experiment report from their training threads: each step as a status
 * event, each epoch's end to the test hook and to the run's {@link TrainerActor.Gate} (which holds
 * or stops the run there). Split off the {@link ExperimentSupervisor}, which owns the schedule;
 * this side is called on the training threads, so everything it reads is thread-safe: the plan
 * is immutable, and the gates and the supervisor's restart counts are concurrent maps.
 */
final class RunProgress implements RunListener {
  private final String id;
  private final StatusSink sink;
  private final ExperimentSupervisor.EpochHook hook;
  private final RunPlan plan;
  /** Restarts per run, written by the supervisor: a run's attempt for the hook. */
  private final Map<Task, Integer> restarts;
  /** The gates of the runs training now, by run. */
  private final Map<Task, TrainerActor.Gate> gates = new ConcurrentHashMap<>();

  RunProgress(String id, StatusSink sink, ExperimentSupervisor.EpochHook hook, RunPlan plan, Map<Task, Integer> restarts) {
    this.id = id;
    this.sink = sink;
    this.hook = hook;
    this.plan = plan;
    this.restarts = restarts;
  }

  /** {@code run} trains now, on the training thread calling this, and stops or holds at {@code gate}. */
  void training(Task run, TrainerActor.Gate gate) {
    gates.put(run, gate);
  }

  void trained(Task run) {
    gates.remove(run);
  }

  /** Publishes that {@code run} got {@code slot}; {@code cpuThreads}: its kernel threads on a CPU slot, null on a GPU. */
  void scheduled(Task run, DeviceAllocator.Slot slot, Role role, Integer cpuThreads, ArmSpec arm) {
    double temperature = temperature(arm, run.isMember());
    sink.status(RunScheduled.of(id, run.label(), run.seed(), role, slot.processor().toString(), slot.toString(), cpuThreads,
        Double.isNaN(temperature) ? null : temperature));
  }

  /** The softmax temperature the run distils at: a student's soft targets, a co-distilled member's peers; NaN for none. */
  static double temperature(ArmSpec arm, boolean member) {
    if (member) {
      return arm.ensemble() != null && arm.ensemble().codistill() != null ? arm.ensemble().codistill().temperature() : Double.NaN;
    }
    return arm.distill() != null && DistillationMethods.logits(arm.distill()).tempered() ? arm.distill().temperature() : Double.NaN;
  }

  @Override
  public void runStarted(String arm, long seed, int epochsPlanned, boolean resumed) {
    sink.status(RunStarted.of(id, arm, seed, epochsPlanned, resumed));
  }

  @Override
  public void epochFinished(String arm, long seed, EpochMetrics metrics) {
    sink.status(EpochEnded.of(id, arm, seed, metrics));
    Task task = plan.taskOf(arm, seed);
    hook.epochEnded(id, arm, seed, metrics.epoch(), task == null ? 0 : restarts.getOrDefault(task, 0));
  }

  @Override
  public void runEvent(String arm, long seed, RunEvent event) {
    // The events a monitor counts as they happen; notes about budgets stay in the record.
    Kind.ofRunNote(event.kind()).ifPresent(kind -> sink.status(RunNote.of(id, kind, arm, seed, event.epoch(), event.message())));
  }

  @Override
  public void teacherCache(String arm, long seed, long lookups, long hits) {
    TensorBusMeters.process().cacheLookups(lookups, hits);
  }

  @Override
  public void epochSaved(String arm, long seed, int epoch) {
    // A co-distilled member reports as "arm/member-m" from inside its arm's task: that task's gate holds it.
    Task task = plan.taskOf(arm, seed);
    TrainerActor.Gate gate = task == null ? null : gates.get(task);
    if (gate != null) {
      gate.epochEnded(epoch);
    }
  }

  @Override
  public void runFinished(RunRecord record, boolean fromCache) {
    sink.status(RunFinished.of(id, record.arm(), record.seed(), record.epochsRun(), record.test().accuracy(), fromCache));
  }
}
