package dev.mentor.training.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.training.run.RunPlan.Task;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The schedule of an experiment, read from its spec alone: no data, no engine, no broker. */
class RunPlanTest {
  private static final ExperimentSpec SPEC = SpecReader.parse("""
      name: planned
      seeds: [1, 2]
      tasks:
        all: {classes: [0, 1, 2]}
        few: {classes: [0, 1], perClass: 5}
      defaults: {model: {type: mlp}}
      arms:
        - {name: source, task: all}
        - {name: tuned, task: few, strategy: full, init: {from: source}}
        - {name: deep, task: all, ensemble: {members: 2}}
        - {name: student, task: all, distill: {teacher: {arm: deep}}}
        - {name: self, task: all, init: {from: source}, strategy: full, distill: {teacher: {arm: source}}}
        - {name: mutual, task: all, ensemble: {members: 2, codistill: {}}}
        - {name: alone, task: few}
      """);

  private final RunPlan plan = RunPlan.of(SPEC);

  @Test
  void everyTaskComesAfterTheTasksItNeeds() {
    Set<Task> done = new HashSet<>();
    for (Task task : plan.tasks()) {
      assertThat(done).as("before " + task).containsAll(plan.needs(task));
      done.add(task);
    }
    // 7 arms x 2 seeds, plus 2 members of 'deep' per seed; co-distilled members train inside their run
    assertThat(plan.tasks()).hasSize(7 * 2 + 2 * 2);
    assertThat(plan.runs()).hasSize(7 * 2).noneMatch(Task::isMember);
  }

  @Test
  void aRunNeedsTheSameSeedOfItsSourceAndTeacherOnce() {
    assertThat(plan.needs(Task.run("tuned", 2))).containsExactly(Task.run("source", 2));
    assertThat(plan.needs(Task.run("student", 1))).containsExactly(Task.run("deep", 1));
    assertThat(plan.needs(Task.run("self", 1))).as("source and teacher are one arm: one dependency").containsExactly(Task.run("source", 1));
    assertThat(plan.needs(Task.run("alone", 1))).isEmpty();
  }

  @Test
  void anEnsemblesRunNeedsItsMembersAndTheMembersNeedWhatTheArmNeeds() {
    assertThat(plan.needs(Task.run("deep", 1))).containsExactly(new Task("deep", 1, 0), new Task("deep", 1, 1));
    assertThat(plan.needs(new Task("deep", 1, 1))).isEmpty();
    assertThat(plan.needs(Task.run("mutual", 2))).as("co-distilled members train together inside the run").isEmpty();
    assertThat(plan.neededBy(new Task("deep", 2, 0))).containsExactly(Task.run("deep", 2));
    assertThat(plan.neededBy(Task.run("source", 1))).containsExactly(Task.run("tuned", 1), Task.run("self", 1));
  }

  @Test
  void rolesAndLabels() {
    assertThat(List.of("source", "tuned", "deep", "student", "self", "mutual", "alone").stream().map(a -> plan.role(Task.run(a, 1))))
        .containsExactly("teacher", "trainer", "ensemble", "student", "student", "ensemble", "trainer");
    assertThat(plan.role(new Task("deep", 1, 0))).isEqualTo("ensemble-member");
    assertThat(new Task("deep", 1, 0).label()).isEqualTo("deep/member-0");
    assertThat(new Task("deep", 1, 0).run()).isEqualTo(Task.run("deep", 1));
    assertThatThrownBy(() -> plan.needs(Task.run("nowhere", 1))).hasMessageContaining("no task nowhere seed 1");
  }

  /** The arms of a sweep are arms: each student's run needs its own teacher's run at the same seed, a teacher shared by a sweep once. */
  @Test
  void theArmsOfASweepAreScheduledLikeHandWrittenOnes_teachersSharedAndDependenciesKept() {
    ExperimentSpec swept = SpecReader.parse("""
        name: swept
        seeds: [1, 2]
        tasks:
          all: {classes: [0, 1, 2]}
        defaults: {model: {type: mlp}}
        arms:
          - {name: "teacher-{widths}", task: all, sweep: {model.widths: [[32], [64]]}}
          - name: kd
            task: all
            distill: {teacher: {arm: teacher-32}}
            sweep: {distill.teacher.arm: [teacher-32, teacher-64], distill.temperature: [2, 4]}
        """);
    RunPlan sweptPlan = RunPlan.of(swept);

    assertThat(sweptPlan.runs()).hasSize(6 * 2);
    Set<Task> done = new HashSet<>();
    for (Task task : sweptPlan.tasks()) {
      assertThat(done).as("before " + task).containsAll(sweptPlan.needs(task));
      done.add(task);
    }
    assertThat(sweptPlan.needs(Task.run("kd[arm=teacher-64,temperature=4]", 2))).containsExactly(Task.run("teacher-64", 2));
    assertThat(sweptPlan.neededBy(Task.run("teacher-32", 1)))
        .containsExactlyInAnyOrder(Task.run("kd[arm=teacher-32,temperature=2]", 1), Task.run("kd[arm=teacher-32,temperature=4]", 1));
  }

  @Test
  void aSweptArmsRunFolderWritesItsBracketsAsAnAt() {
    RunPaths paths = new RunPaths(Path.of("runs", "e"));

    assertThat(paths.run("kd[temperature=4,alpha=0.9]", 3).getFileName()).hasToString("kd@temperature=4,alpha=0.9-s3");
    assertThat(paths.run("kd-t4", 3).getFileName()).hasToString("kd-t4-s3");
  }
}
