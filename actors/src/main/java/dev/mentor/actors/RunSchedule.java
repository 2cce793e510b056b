package dev.mentor.actors;

import dev.mentor.messages.record.RunRecord;
import dev.mentor.training.run.RunPlan.Task;
import dev.mentor.training.run.RunPlan;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The bookkeeping of an experiment's {@link RunPlan}: which tasks wait, which of them are ready
 * (everything they need has finished), which finished with what record, and which failed or
 * were given up because something they need failed. Split off the {@link ExperimentSupervisor},
 * which owns the actor side (slots, trainers, retries); used on the supervisor's thread only.
 */
final class RunSchedule {
  private final RunPlan plan;
  /** Tasks not started yet (waiting for their dependencies or a slot). */
  private final Set<Task> waiting = new LinkedHashSet<>();
  /** The waiting tasks whose dependencies all finished, in plan order: the next to ask for a slot. */
  private final Set<Task> ready = new LinkedHashSet<>();
  /** Per task, how many of its dependencies have not finished yet. */
  private final Map<Task, Integer> unfinishedNeeds = new HashMap<>();
  private final Map<Task, RunRecord> finished = new HashMap<>();
  private final Map<Task, String> failed = new HashMap<>();

  /** Every task of {@code plan} waits; those that need nothing are ready. */
  RunSchedule(RunPlan plan) {
    this.plan = plan;
    for (Task task : plan.tasks()) {
      unfinishedNeeds.put(task, plan.needs(task).size());
    }
    plan.tasks().forEach(this::enqueue);
  }

  /** Puts a task (back) among the waiting; it is ready when its dependencies have finished. */
  void enqueue(Task task) {
    waiting.add(task);
    if (unfinishedNeeds.getOrDefault(task, 0) == 0) {
      ready.add(task);
    }
  }

  /** The ready tasks, in plan order, which wait no more. */
  List<Task> takeReady() {
    List<Task> taken = new ArrayList<>(ready);
    waiting.removeAll(ready);
    ready.clear();
    return taken;
  }

  boolean anyWaiting() {
    return !waiting.isEmpty();
  }

  /** Records a finished task (once) and readies the waiting tasks that needed only it any more. */
  void finished(Task task, RunRecord record) {
    if (finished.put(task, record) == null) {
      for (Task next : plan.neededBy(task)) {
        if (unfinishedNeeds.merge(next, -1, Integer::sum) == 0 && waiting.contains(next)) {
          ready.add(next);
        }
      }
    }
  }

  /**
   * Marks {@code task} failed and, transitively, every waiting task that needs it as not run;
   * returns those given up, each with why, in the order they were found.
   */
  Map<Task, String> fail(Task task, String reason) {
    failed.put(task, reason);
    Map<Task, String> givenUp = new LinkedHashMap<>();
    ArrayDeque<Task> broken = new ArrayDeque<>(List.of(task));
    while (!broken.isEmpty()) {
      Task cause = broken.poll();
      for (Task next : plan.neededBy(cause)) {
        if (waiting.remove(next)) {
          ready.remove(next);
          String why = "not run: it needs " + cause.arm() + " seed " + cause.seed() + ", which failed";
          failed.put(next, why);
          givenUp.put(next, why);
          broken.add(next);
        }
      }
    }
    return givenUp;
  }

  int size() {
    return plan.tasks().size();
  }

  int finishedCount() {
    return finished.size();
  }

  int failedCount() {
    return failed.size();
  }

  /** The records of the finished runs (not ensemble members), in plan order: what the report shows. */
  List<RunRecord> runRecords() {
    return plan.tasks().stream().filter(t -> !t.isMember()).filter(finished::containsKey).map(finished::get).toList();
  }

  /** The first {@code max} failed tasks in plan order, each as "task: why". */
  List<String> failures(int max) {
    return plan.tasks().stream().filter(failed::containsKey).limit(max).map(t -> t + ": " + failed.get(t)).toList();
  }
}
