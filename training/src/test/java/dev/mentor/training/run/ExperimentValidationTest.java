package dev.mentor.training.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.ModelSpec;
import dev.mentor.messages.spec.SpecException;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.training.model.ModelWeights;
import dev.mentor.training.model.ModelZoo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ExperimentRunner#validate()} rejects, before anything is written, every problem that needs
 * the data or the files to see, naming the field of the spec to fix.
 */
class ExperimentValidationTest {
  @TempDir Path base;

  private Path output() {
    return base.resolve("out");
  }

  private static ExperimentSpec spec(String tasks, String arms) {
    return SpecReader.parse("""
        name: checked
        seeds: [1]
        data: {source: synthetic, syntheticClasses: 6, syntheticPerClass: 60}
        tasks:
        %s
        defaults: {epochs: 1, model: {type: cnn, channels: [4, 8], hidden: 16}}
        arms:
        %s
        """.formatted(tasks.indent(2), arms.indent(2)));
  }

  private SpecException rejected(ExperimentSpec spec) {
    SpecException error = catchThrowableOfType(SpecException.class, () -> new ExperimentRunner(spec, base, output()).validate());
    assertThat(error).as("validate() must reject the spec").isNotNull();
    return error;
  }

  private SpecException rejectedByRun(ExperimentSpec spec) {
    SpecException error = catchThrowableOfType(SpecException.class, () -> new ExperimentRunner(spec, base, output()).run(RunListener.NONE));
    assertThat(error).as("run() must reject the spec").isNotNull();
    assertThat(output()).as("nothing written for an invalid spec").doesNotExist();
    return error;
  }

  @Test
  void classIndexBeyondTheDataNamesTheClassEntry() {
    ExperimentSpec spec = spec("source: {classes: [0, 1]}\ntarget: {classes: [2, 7, 3]}", "- {name: a, task: target}");
    SpecException error = rejected(spec);
    assertThat(error.field()).isEqualTo("tasks.target.classes[1]");
    assertThat(error.getMessage()).startsWith("tasks.target.classes[1]: ").contains("0..5", "7");
    assertThat(output()).doesNotExist();
    assertThat(rejectedByRun(spec).field()).isEqualTo("tasks.target.classes[1]");
  }

  @Test
  void moreSamplesPerClassThanTheDataHoldsNamesTheTask() {
    ExperimentSpec spec = spec("small: {classes: [0, 1], perClass: 10}\nbig: {classes: [2, 3], perClass: 100}", "- {name: a, task: big}");
    SpecException error = rejected(spec);
    assertThat(error.field()).isEqualTo("tasks.big");
    assertThat(error.reason()).contains("perClass");
    assertThat(rejectedByRun(spec).field()).isEqualTo("tasks.big");
  }

  @Test
  void testSamplesBeyondTheTestFileNameTheTask() {
    // synthetic data has 60 / 4 = 15 test samples per class
    ExperimentSpec spec = spec("t: {classes: [0, 1], perClass: 10, testPerClass: 16}", "- {name: a, task: t}");
    assertThat(rejected(spec).field()).isEqualTo("tasks.t");
    assertThat(output()).doesNotExist();
  }

  @Test
  void everyTaskThatDoesNotFitTheDataIsReportedAtOnce() {
    ExperimentSpec spec = spec("a: {classes: [0, 7]}\nb: {classes: [2, 3], perClass: 100}\nc: {classes: [4, 9]}",
        "- {name: x, task: a}");
    SpecException error = rejected(spec);
    assertThat(error.errors()).extracting(SpecException::field).containsExactly("tasks.a.classes[1]", "tasks.b", "tasks.c.classes[1]");
  }

  @Test
  void everyArmWhoseFilesDoNotFitIsReportedAtOnce() {
    ExperimentSpec spec = spec("t: {classes: [0, 1]}",
        "- {name: a, task: t, strategy: full, init: {checkpoint: weights/one.params}}\n"
            + "- {name: b, task: t, strategy: full, init: {checkpoint: weights/two.params}}");
    SpecException error = rejected(spec);
    assertThat(error.errors()).extracting(SpecException::field).containsExactly("arms[0].init.checkpoint", "arms[1].init.checkpoint");
  }

  @Test
  void missingCheckpointFileNamesTheArmsInitCheckpoint() {
    ExperimentSpec spec = spec("t: {classes: [0, 1]}",
        "- {name: a, task: t}\n- {name: b, task: t, strategy: full, init: {checkpoint: weights/missing.params}}");
    SpecException error = rejected(spec);
    assertThat(error.field()).isEqualTo("arms[1].init.checkpoint");
    assertThat(error.reason()).contains("not found").contains(base.resolve("weights/missing.params").toString());
    assertThat(rejectedByRun(spec).field()).isEqualTo("arms[1].init.checkpoint");
  }

  @Test
  void checkpointOfAnotherArchitectureNamesAMismatchedParameter() throws IOException {
    saveWeights(new ModelSpec(ModelSpec.Type.CNN, null, List.of(6, 8), 16, null, null), base.resolve("weights/other.params"));
    ExperimentSpec spec = spec("t: {classes: [0, 1]}", "- {name: probe, task: t, strategy: linear-probe, init: {checkpoint: weights/other.params}}");
    SpecException error = rejected(spec);
    assertThat(error.field()).isEqualTo("arms[0].init.checkpoint");
    assertThat(error.reason()).contains("stage1/").contains("shape");
    assertThat(output()).doesNotExist();
  }

  @Test
  void checkpointOfTheSameArchitectureIsAcceptedRelativeToTheSpecFolder() throws IOException {
    // another class count: the head is not loaded without keepHead
    saveWeights(new ModelSpec(ModelSpec.Type.CNN, null, List.of(4, 8), 16, null, null), base.resolve("weights/same.params"));
    ExperimentSpec spec = spec("t: {classes: [0, 1]}", "- {name: probe, task: t, strategy: linear-probe, init: {checkpoint: weights/same.params}}");
    assertThatCode(() -> new ExperimentRunner(spec, base, output()).validate()).doesNotThrowAnyException();
    assertThat(output()).doesNotExist();
  }

  @Test
  void outputHoldingAnotherSpecOfTheSameNameNamesTheName() throws IOException {
    ExperimentSpec earlier = spec("t: {classes: [0, 1]}", "- {name: a, task: t}");
    ExperimentSpec changed = spec("t: {classes: [0, 1]}", "- {name: a, task: t, epochs: 2}");
    Path stored = output().resolve("checked").resolve("experiment.json");
    Files.createDirectories(stored.getParent());
    Files.writeString(stored, SpecReader.toJson(earlier));

    SpecException error = rejected(changed);
    assertThat(error.field()).isEqualTo("name");
    assertThat(error.reason()).contains("checked");
    SpecException fromRun = catchThrowableOfType(SpecException.class, () -> new ExperimentRunner(changed, base, output()).run(RunListener.NONE));
    assertThat(fromRun.field()).isEqualTo("name");
    assertThat(Files.readString(stored)).as("the earlier spec is left alone").isEqualTo(SpecReader.toJson(earlier));
    try (var files = Files.list(stored.getParent())) {
      assertThat(files).containsExactly(stored);
    }
    // the same spec again is a resumable experiment, not a conflict
    assertThatCode(() -> new ExperimentRunner(earlier, base, output()).validate()).doesNotThrowAnyException();
  }

  @Test
  void outputWrittenByAnEarlierVersionIsRefusedSayingSo() throws IOException {
    ExperimentSpec spec = spec("t: {classes: [0, 1]}", "- {name: a, task: t}");
    Path stored = output().resolve("checked").resolve("experiment.json");
    Files.createDirectories(stored.getParent());
    // An earlier version wrote no allowOverlap: the same experiment, with other splits possibly.
    Files.writeString(stored, SpecReader.toJson(spec).replaceAll(",\\s*\"allowOverlap\" : false", ""));

    SpecException error = rejected(spec);
    assertThat(error.field()).isEqualTo("name");
    assertThat(error.reason()).contains("earlier version of Mentor", "another --output");
  }

  @Test
  void duplicateOodShiftIsRejectedBeforeTraining() {
    assertThatThrownBy(() -> spec("t: {classes: [0, 1], perClass: 10, ood: [{type: noise, severity: 0.1}, {type: noise, severity: 0.1}]}",
        "- {name: a, task: t}"))
        .isInstanceOfSatisfying(SpecException.class, e -> assertThat(e.field()).isEqualTo("tasks.t.ood[1]"))
        .hasMessageContaining("twice");
  }

  @Test
  void validSpecPassesWithoutWritingAnything() {
    ExperimentSpec spec = spec("s: {classes: [0, 1, 2]}\nt: {classes: [3, 4, 5], perClass: 20, testPerClass: 15}",
        "- {name: pre, task: s}\n- {name: probe, task: t, strategy: linear-probe, init: {from: pre}}");
    assertThatCode(() -> new ExperimentRunner(spec, base, output()).validate()).doesNotThrowAnyException();
    assertThat(output()).doesNotExist();
  }

  private static void saveWeights(ModelSpec model, Path file) throws IOException {
    Files.createDirectories(file.getParent());
    try (NDManager manager = NDManager.newBaseManager()) {
      ModelWeights.save(ModelZoo.create(model, 5, new Shape(1, 28, 28), manager, 1), file);
    }
  }

  private static void saveWeights(ModelSpec model, int classes, Path file) throws IOException {
    Files.createDirectories(file.getParent());
    try (NDManager manager = NDManager.newBaseManager()) {
      ModelWeights.save(ModelZoo.create(model, classes, new Shape(1, 28, 28), manager, 1), file);
    }
  }

  @Test
  void teacherCheckpointOfTheWrongArchitectureNamesTheTeacherCheckpoint() throws IOException {
    saveWeights(new ModelSpec(ModelSpec.Type.CNN, null, List.of(6, 8), 16, null, null), 2, base.resolve("weights/teacher.params"));
    ExperimentSpec spec = spec("t: {classes: [0, 1]}", "- {name: s, task: t, distill: {teacher: {checkpoint: weights/teacher.params,"
        + " model: {type: cnn, channels: [4, 8], hidden: 16}}}}");
    SpecException error = rejected(spec);
    assertThat(error.field()).isEqualTo("arms[0].distill.teacher.checkpoint");
    assertThat(error.reason()).contains("does not fit the teacher model").contains("stage1/").contains("shape");
    assertThat(rejectedByRun(spec).field()).isEqualTo("arms[0].distill.teacher.checkpoint");
  }

  @Test
  void teacherCheckpointForAnotherClassCountIsRejected() throws IOException {
    saveWeights(new ModelSpec(ModelSpec.Type.CNN, null, List.of(4, 8), 16, null, null), 5, base.resolve("weights/teacher5.params"));
    ExperimentSpec spec = spec("t: {classes: [0, 1]}", "- {name: s, task: t, distill: {teacher: {checkpoint: weights/teacher5.params,"
        + " model: {type: cnn, channels: [4, 8], hidden: 16}}}}");
    assertThat(rejected(spec).reason()).contains("2 classes").contains("head/");
  }

  @Test
  void teacherCheckpointThatFitsIsAccepted() throws IOException {
    saveWeights(new ModelSpec(ModelSpec.Type.CNN, null, List.of(4, 8), 16, null, null), 2, base.resolve("weights/teacher2.params"));
    ExperimentSpec spec = spec("t: {classes: [0, 1]}", "- {name: s, task: t, distill: {teacher: {checkpoint: weights/teacher2.params,"
        + " model: {type: cnn, channels: [4, 8], hidden: 16}, classes: [0, 1]}, features: [{method: attention, pairs: [{student: stage1, teacher: stage2}]}]}}");
    assertThatCode(() -> new ExperimentRunner(spec, base, output()).validate()).doesNotThrowAnyException();
  }

  private static void saveWeights(ModelSpec model, List<Integer> classes, Path file) throws IOException {
    Files.createDirectories(file.getParent());
    try (NDManager manager = NDManager.newBaseManager()) {
      ModelWeights.save(ModelZoo.create(model, classes.size(), new Shape(1, 28, 28), manager, 1), file, classes);
    }
  }

  private static final ModelSpec SMALL_CNN = new ModelSpec(ModelSpec.Type.CNN, null, List.of(4, 8), 16, null, null);
  private static final String SMALL_CNN_YAML = "{type: cnn, channels: [4, 8], hidden: 16}";

  /** Before: only the class count was compared, so a teacher for classes 2 and 3 taught a student of classes 0 and 1. */
  @Test
  void teacherCheckpointForOtherClassesOfTheSameCountIsRejected() throws IOException {
    saveWeights(SMALL_CNN, List.of(2, 3), base.resolve("weights/teacher23.params"));
    ExperimentSpec spec = spec("t: {classes: [0, 1]}", "- {name: s, task: t, distill: {teacher: {checkpoint: weights/teacher23.params,"
        + " model: " + SMALL_CNN_YAML + "}}}");
    SpecException error = rejected(spec);
    assertThat(error.field()).isEqualTo("arms[0].distill.teacher.checkpoint");
    assertThat(error.reason()).contains("predicts classes [2, 3]", "task has classes [0, 1]");
    assertThat(rejectedByRun(spec).field()).isEqualTo("arms[0].distill.teacher.checkpoint");
  }

  @Test
  void teacherCheckpointRecordingTheTasksClassesIsAcceptedWithoutStatingThem() throws IOException {
    saveWeights(SMALL_CNN, List.of(0, 1), base.resolve("weights/teacher01.params"));
    ExperimentSpec spec = spec("t: {classes: [0, 1]}", "- {name: s, task: t, distill: {teacher: {checkpoint: weights/teacher01.params,"
        + " model: " + SMALL_CNN_YAML + "}}}");
    assertThatCode(() -> new ExperimentRunner(spec, base, output()).validate()).doesNotThrowAnyException();
  }

  @Test
  void teacherCheckpointThatRecordsNoClassesNeedsThemStated() throws IOException {
    saveWeights(SMALL_CNN, 2, base.resolve("weights/foreign.params"));
    ExperimentSpec spec = spec("t: {classes: [0, 1]}", "- {name: s, task: t, distill: {teacher: {checkpoint: weights/foreign.params,"
        + " model: " + SMALL_CNN_YAML + "}}}");
    SpecException error = rejected(spec);
    assertThat(error.field()).isEqualTo("arms[0].distill.teacher.classes");
    assertThat(error.reason()).contains("does not record", "classes: [0, 1]");
  }

  @Test
  void statedClassesContradictingTheFileAreRejected() throws IOException {
    saveWeights(SMALL_CNN, List.of(1, 0), base.resolve("weights/teacher10.params"));
    ExperimentSpec spec = spec("t: {classes: [0, 1]}", "- {name: s, task: t, distill: {teacher: {checkpoint: weights/teacher10.params,"
        + " model: " + SMALL_CNN_YAML + ", classes: [0, 1]}}}");
    assertThat(rejected(spec).field()).isEqualTo("arms[0].distill.teacher.classes");
  }

  /** Before: a kept head of a checkpoint was loaded whatever classes it was trained on, if only as many. */
  @Test
  void keptHeadOfACheckpointForClassesInAnotherOrderIsRejected() throws IOException {
    saveWeights(SMALL_CNN, List.of(1, 0), base.resolve("weights/swapped.params"));
    ExperimentSpec spec = spec("t: {classes: [0, 1]}",
        "- {name: zero, task: t, strategy: none, init: {checkpoint: weights/swapped.params, keepHead: true}}");
    SpecException error = rejected(spec);
    assertThat(error.field()).isEqualTo("arms[0].init.checkpoint");
    assertThat(error.reason()).contains("predicts classes [1, 0]");

    ExperimentSpec backboneOnly = spec("t: {classes: [0, 1]}",
        "- {name: probe, task: t, strategy: linear-probe, init: {checkpoint: weights/swapped.params}}");
    assertThatCode(() -> new ExperimentRunner(backboneOnly, base, output()).validate()).as("a new head needs no class check")
        .doesNotThrowAnyException();
  }

  @Test
  void attentionOnAStageWithoutFeatureMapsIsRejected() {
    ExperimentSpec spec = spec("t: {classes: [0, 1]}", "- {name: teacher, task: t}\n- {name: s, task: t, model: {type: mlp, widths: [8]},"
        + " distill: {teacher: {arm: teacher}, features: [{method: attention, pairs: [{student: stage1, teacher: stage1}]}]}}");
    SpecException error = rejected(spec);
    assertThat(error.field()).isEqualTo("arms[1].distill.features[0].pairs[0]");
    assertThat(error.reason()).contains("feature maps").contains("(8)").contains("(4, 14, 14)");
  }

  @Test
  void featureMapsWhoseSizesCannotBeResampledAreRejected() {
    // 28 -> 14 -> 7 -> 3: the teacher's third conv stage is 3x3, the student's second 7x7
    ExperimentSpec spec = spec("t: {classes: [0, 1]}", "- {name: teacher, task: t, model: {type: cnn, channels: [4, 8, 8], hidden: 16}}\n"
        + "- {name: s, task: t, distill: {teacher: {arm: teacher}, features: [{method: fitnets, pairs: [{student: stage2, teacher: stage3}]}]}}");
    SpecException error = rejected(spec);
    assertThat(error.field()).isEqualTo("arms[1].distill.features[0].pairs[0]");
    assertThat(error.reason()).contains("7x7 cannot be resampled to 3x3");
  }

  @Test
  void crossArchitectureFitNetsAndSimilarityAreAccepted() {
    ExperimentSpec spec = spec("t: {classes: [0, 1]}", "- {name: teacher, task: t}\n- {name: s, task: t, model: {type: mlp, widths: [8]},"
        + " distill: {teacher: {arm: teacher}, features: [{method: fitnets, pairs: [{student: stage1, teacher: stage2}]},"
        + " {method: similarity, pairs: [{student: stage1, teacher: stage3}]}]}}");
    assertThatCode(() -> new ExperimentRunner(spec, base, output()).validate()).doesNotThrowAnyException();
  }
  @Test
  void perClassReachingIntoAnotherTasksValidationSamplesIsRefusedNamingBothTasks() {
    // 60 training-file samples per class: "some" validates on the last 30 of each class's order, "big" would train on the first 40.
    ExperimentSpec spec = spec("some: {classes: [0, 1], perClass: 5, validationPerClass: 30}\n"
        + "big: {classes: [1, 2], perClass: 40, validationPerClass: 5}", "- {name: a, task: big}\n- {name: b, task: some}");
    SpecException error = rejected(spec);
    assertThat(error.field()).isEqualTo("tasks.big.perClass");
    assertThat(error.reason()).contains("some").contains("40").contains("30").contains("allowOverlap");
    assertThat(rejectedByRun(spec).field()).isEqualTo("tasks.big.perClass");
  }

  @Test
  void perClassReachingIntoAnotherTasksValidationSamplesIsAcceptedWithAllowOverlap() {
    ExperimentSpec spec = spec("some: {classes: [0, 1], perClass: 5, validationPerClass: 30}\n"
        + "big: {classes: [1, 2], perClass: 40, validationPerClass: 5, allowOverlap: true}", "- {name: a, task: big}\n- {name: b, task: some}");
    assertThatCode(() -> new ExperimentRunner(spec, base, output()).validate()).doesNotThrowAnyException();
  }

  @Test
  void relativeDataPathWithoutASpecFileIsRefused() {
    // A job sent to the service has no file its relative paths could be resolved against.
    ExperimentSpec spec = SpecReader.parse("""
        name: sent
        seeds: [1]
        data: {source: idx, path: data/mine}
        tasks: {t: {classes: [0, 1]}}
        arms: [{name: a, task: t, epochs: 1, model: {type: logistic}}]
        """);
    SpecException error = catchThrowableOfType(SpecException.class, () -> new ExperimentRunner(spec, null, output()).validate());
    assertThat(error).isNotNull();
    assertThat(error.field()).isEqualTo("data.path");
    assertThat(error.reason()).contains("relative").contains("data/mine").contains("absolute");
  }

  @Test
  void relativeCheckpointsWithoutASpecFileAreRefused() {
    ExperimentSpec init = spec("t: {classes: [0, 1]}", "- {name: probe, task: t, strategy: linear-probe, init: {checkpoint: weights/same.params}}");
    SpecException error = catchThrowableOfType(SpecException.class, () -> new ExperimentRunner(init, null, output()).validate());
    assertThat(error).isNotNull();
    assertThat(error.field()).isEqualTo("arms[0].init.checkpoint");
    assertThat(error.reason()).contains("relative").contains("absolute");

    ExperimentSpec teacher = spec("t: {classes: [0, 1]}", "- {name: s, task: t, distill: {teacher: {checkpoint: weights/teacher.params,"
        + " model: {type: cnn, channels: [4, 8], hidden: 16}}}}");
    error = catchThrowableOfType(SpecException.class, () -> new ExperimentRunner(teacher, null, output()).validate());
    assertThat(error).isNotNull();
    assertThat(error.field()).isEqualTo("arms[0].distill.teacher.checkpoint");
    assertThat(error.reason()).contains("relative");
  }

  /** Before: a task without perClass lost the samples another task held back for validation, and nothing said so. */
  @Test
  void aTaskShortenedByAnotherTasksValidationBlockIsNoted() {
    ExperimentSpec spec = spec("all: {classes: [0, 1, 2]}\nsome: {classes: [0, 1], perClass: 5, validationPerClass: 20}\n"
        + "apart: {classes: [4, 5]}", "- {name: a, task: all}\n- {name: b, task: some}\n- {name: c, task: apart}");
    ExperimentRunner runner = new ExperimentRunner(spec, base, output());
    runner.validate();

    List<String> notes = runner.notes();

    assertThat(notes).hasSize(1);
    assertThat(notes.get(0)).startsWith("task 'all' trains on ").contains("fewer than on its own", "validation samples of task 'some'",
        "allowOverlap: true on task 'all'");
    ExperimentSpec allowed = spec("all: {classes: [0, 1, 2], allowOverlap: true}\nsome: {classes: [0, 1], perClass: 5, validationPerClass: 20}",
        "- {name: a, task: all}\n- {name: b, task: some}");
    assertThat(new ExperimentRunner(allowed, base, base.resolve("out2")).notes()).isEmpty();
  }
}
