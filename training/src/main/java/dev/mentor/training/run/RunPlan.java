package dev.mentor.training.run;

import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.messages.spec.EnsembleSpec;
import dev.mentor.messages.spec.ExperimentSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every task of an experiment, what each needs finished before it starts, and its role; built
 * once from a validated spec and used by {@code mentor run --in-process} and by the service's
 * supervisor alike, so the scheduling is the same everywhere and testable without Kafka or DJL.
 *
 * <p>A task is an arm's run at a seed, or one member of a deep ensemble's run trained alone
 * (members that co-distil train together, inside their arm's run). A member needs what its arm
 * needs (the run it starts from, its teacher's run); the ensemble's run, which evaluates the
 * members together, needs its members; any other run needs the same seed's run of the arm it
 * starts from ({@code init.from}) and of its teacher arm. Spec validation puts those arms first,
 * so {@link #tasks()} in order is a valid schedule and the graph has no cycle.
 */
public final class RunPlan {
  /** One task: arm {@code arm} at {@code seed}; {@code member} ≥ 0 for one member of an ensemble arm trained alone, else -1. */
  public record Task(String arm, long seed, int member) {
    public static Task run(String arm, long seed) {
      return new Task(arm, seed, -1);
    }

    public boolean isMember() {
      return member >= 0;
    }

    /** The run this task is, or is a member of. */
    public Task run() {
      return isMember() ? run(arm, seed) : this;
    }

    /** How the task is named to listeners and in status events: the arm, or {@code arm/member-m}. */
    public String label() {
      return isMember() ? RunExecutor.memberLabel(arm, member) : arm;
    }

    @Override
    public String toString() {
      return label() + " seed " + seed;
    }
  }

  private final ExperimentSpec spec;
  private final Set<String> sources;
  private final List<Task> tasks;
  private final Map<Task, List<Task>> needs = new LinkedHashMap<>();
  private final Map<Task, List<Task>> neededBy = new LinkedHashMap<>();
  /** The task each run label reports from, by label and seed: a co-distilled member reports from inside its arm's run. */
  private final Map<Labelled, Task> byLabel = new HashMap<>();

  private record Labelled(String label, long seed) {}

  private RunPlan(ExperimentSpec spec) {
    this.spec = spec;
    this.sources = sources(spec);
    List<Task> all = new ArrayList<>();
    for (ArmSpec arm : spec.arms()) {
      for (long seed : spec.seeds()) {
        EnsembleSpec ensemble = arm.ensemble();
        for (int m = 0; ensemble != null && !membersTogether(arm) && m < ensemble.members(); m++) {
          all.add(new Task(arm.name(), seed, m));
        }
        all.add(Task.run(arm.name(), seed));
      }
    }
    this.tasks = List.copyOf(all);
    for (Task task : tasks) {
      byLabel.put(new Labelled(task.label(), task.seed()), task);
      EnsembleSpec ensemble = spec.arm(task.arm()).ensemble();
      for (int m = 0; !task.isMember() && ensemble != null && membersTogether(spec.arm(task.arm())) && m < ensemble.members(); m++) {
        byLabel.put(new Labelled(RunExecutor.memberLabel(task.arm(), m), task.seed()), task);
      }
    }
    for (Task task : tasks) {
      List<Task> deps = computeNeeds(task);
      needs.put(task, deps);
      for (Task dep : deps) {
        neededBy.computeIfAbsent(dep, d -> new ArrayList<>()).add(task);
      }
    }
  }

  /** The plan of a validated spec. */
  public static RunPlan of(ExperimentSpec spec) {
    return new RunPlan(spec);
  }

  /** Every task, in an order in which each comes after the tasks it needs (spec order of arms, then seeds, members before their run). */
  public List<Task> tasks() {
    return tasks;
  }

  /** The runs of the experiment (no members), in spec order. */
  public List<Task> runs() {
    return tasks.stream().filter(t -> !t.isMember()).toList();
  }

  /** The tasks {@code task} needs finished before it starts. */
  public List<Task> needs(Task task) {
    List<Task> deps = needs.get(task);
    if (deps == null) {
      throw new IllegalArgumentException("no task " + task + " in the plan of experiment '" + spec.name() + "'");
    }
    return deps;
  }

  /**
   * The task a run named {@code label} (as a {@link RunListener} hears it) at {@code seed} belongs
   * to: its own, or for a co-distilled member ({@code arm/member-m}) its arm's run; null for none.
   */
  public Task taskOf(String label, long seed) {
    return byLabel.get(new Labelled(label, seed));
  }

  /** The tasks that need {@code task} finished. */
  public List<Task> neededBy(Task task) {
    return Collections.unmodifiableList(neededBy.getOrDefault(task, List.of()));
  }

  /**
   * The role of a task: {@code ensemble-member} for a member, {@code ensemble} for an ensemble's
   * run, {@code student} for an arm taught by a teacher, {@code teacher} for an arm other arms
   * learn from or start from, else {@code trainer}.
   */
  public String role(Task task) {
    if (task.isMember()) {
      return "ensemble-member";
    }
    ArmSpec arm = spec.arm(task.arm());
    if (arm.ensemble() != null) {
      return "ensemble";
    }
    if (arm.distill() != null) {
      return "student";
    }
    return sources.contains(task.arm()) ? "teacher" : "trainer";
  }

  private List<Task> computeNeeds(Task task) {
    ArmSpec arm = spec.arm(task.arm());
    EnsembleSpec ensemble = arm.ensemble();
    if (!task.isMember() && ensemble != null && !membersTogether(arm)) {
      List<Task> members = new ArrayList<>();
      for (int m = 0; m < ensemble.members(); m++) {
        members.add(new Task(arm.name(), task.seed(), m));
      }
      return List.copyOf(members);
    }
    List<Task> deps = new ArrayList<>();
    String from = arm.init() == null ? null : arm.init().from();
    if (from != null) {
      deps.add(Task.run(from, task.seed()));
    }
    if (arm.distill() != null) {
      for (String teacher : arm.distill().teacher().armNames()) {
        if (!teacher.equals(from)) {
          deps.add(Task.run(teacher, task.seed()));
        }
      }
    }
    return List.copyOf(deps);
  }

  /**
   * Whether an ensemble arm's members train inside its run (co-distilled: one thread each; stacked:
   * as one model) rather than as tasks of their own.
   */
  static boolean membersTogether(ArmSpec arm) {
    return arm.ensemble() != null && (arm.ensemble().codistill() != null || arm.stacksMembers());
  }

  /** The arms other arms learn from (teachers) or start from (sources). */
  private static Set<String> sources(ExperimentSpec spec) {
    Set<String> sources = new HashSet<>();
    for (ArmSpec arm : spec.arms()) {
      if (arm.distill() != null) {
        sources.addAll(arm.distill().teacher().armNames());
      }
      if (arm.init() != null && arm.init().from() != null) {
        sources.add(arm.init().from());
      }
    }
    return sources;
  }
}
