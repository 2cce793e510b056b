package dev.mentor.training.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.mentor.messages.record.DistillationInfo;
import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.training.distill.DarkKnowledge;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small experiment with every teacher–student method and a deep ensemble, run end to end on
 * synthetic data, then each run's record checked: provenance, loss terms, cache behaviour,
 * phases, ensemble metrics and the teacher's view of the data.
 */
class DistillationRunTest {
  private static final String SPEC = """
      name: distill
      seeds: [5]
      data: {source: synthetic, syntheticClasses: 3, syntheticPerClass: 60}
      tasks:
        all: {classes: [0, 1, 2], ood: [{type: noise, severity: 0.8}]}
        noisy: {classes: [0, 1, 2], shift: {type: occlusion, severity: 0.4}}
      defaults: {epochs: 2, batchSize: 32, optimizer: {lr: 0.01}, model: {type: cnn, channels: [2, 4], hidden: 8}}
      arms:
        - {name: teacher, task: all, model: {type: cnn, channels: [4, 8], hidden: 16}}
        - {name: scratch, task: all}
        - {name: kd, task: all, distill: {teacher: {arm: teacher}, temperature: 4, alpha: 0.9}}
        - {name: kd-t2, task: all, distill: {teacher: {arm: teacher}, temperature: 2, alpha: 0.5, softLoss: cross-entropy}}
        - {name: logits, task: all, distill: {teacher: {arm: teacher}, logits: logit-matching, alpha: 1}}
        - name: features
          task: all
          distill:
            teacher: {arm: teacher}
            features:
              - {method: attention, pairs: [{student: stage1, teacher: stage1}, {student: stage2, teacher: stage2}], weight: 10}
              - {method: similarity, pairs: [{student: stage3, teacher: stage3}]}
              - {method: fitnets, pairs: [{student: stage1, teacher: stage2}], weight: 0.5}
        - name: fitnets-two-stage
          task: all
          distill: {teacher: {arm: teacher}, logits: none, features: [{method: fitnets, pairs: [{student: stage2, teacher: stage2}], hintEpochs: 1}]}
        - {name: augmented, task: all, augmentation: {flip: true}, distill: {teacher: {arm: teacher}}}
        - {name: ensemble, task: all, model: {type: mlp, widths: [16]}, ensemble: {members: 3}}
        - {name: from-ensemble, task: all, model: {type: mlp, widths: [8]}, distill: {teacher: {arm: ensemble}}}
        - name: cnn-to-mlp
          task: all
          model: {type: mlp, widths: [12]}
          distill: {teacher: {arm: teacher}, features: [{method: fitnets, pairs: [{student: stage1, teacher: stage2}]}, {method: similarity, pairs: [{student: stage1, teacher: stage3}]}]}
        - {name: noisy-scratch, task: noisy, model: {type: cnn, channels: [4, 8], hidden: 16}}
        - {name: self-distill, task: noisy, model: {type: cnn, channels: [4, 8], hidden: 16}, distill: {teacher: {arm: teacher}, teacherInput: clean}}
      """;

  @TempDir static Path output;
  private static Map<String, RunRecord> records;
  private static RunPaths paths;

  @BeforeAll
  static void runExperiment() throws IOException {
    ExperimentRunner runner = new ExperimentRunner(SpecReader.parse(SPEC), output, output);
    paths = runner.paths();
    records = runner.run(new RunListener() { }).stream().collect(Collectors.toMap(RunRecord::arm, Function.identity()));
  }

  @Test
  void studentsRecordTheirTeacherTheLossAndTheTeacherMode() {
    DistillationInfo kd = records.get("kd").distillation();
    assertThat(records.get("kd").teacher()).isEqualTo("arm teacher seed 5");
    assertThat(kd.teacherModel()).isEqualTo("cnn [4, 8] fc16");
    assertThat(kd.teacherMembers()).isEqualTo(1);
    assertThat(kd.teacherTestAccuracy()).isEqualTo(records.get("teacher").test().accuracy());
    assertThat(kd.loss()).contains("(1 − α)·CE(y, p_S) + α·T²·KL(p_T‖p_S)").contains("batchmean").contains("inference at T = 1");
    assertThat(kd.terms()).containsExactly("ce ×" + (1 - 0.9), "kd ×0.9");
    assertThat(kd.temperature()).isEqualTo(4.0);
    assertThat(kd.teacherMode()).contains("inference").contains("no gradients");
    assertThat(records.get("scratch").distillation()).isNull();
    assertThat(records.get("kd-t2").distillation().loss()).contains("CE(p_T, p_S)");
  }

  @Test
  void everyTermIsRecordedPerEpoch() {
    assertThat(records.get("kd").history()).allSatisfy(e -> assertThat(e.terms()).containsOnlyKeys("ce", "kd"));
    assertThat(records.get("logits").history()).allSatisfy(e -> assertThat(e.terms()).containsOnlyKeys("ce", "logits"));
    assertThat(records.get("features").history()).allSatisfy(e -> assertThat(e.terms()).containsOnlyKeys("ce", "kd",
        "attention:stage1>stage1", "attention:stage2>stage2", "similarity:stage3>stage3", "fitnets:stage1>stage2"));
    assertThat(records.get("scratch").history()).allSatisfy(e -> assertThat(e.terms()).isEmpty());
    for (String arm : List.of("kd", "logits", "features")) {
      for (EpochMetrics e : records.get(arm).history()) {
        assertThat(e.terms().values()).allSatisfy(v -> assertThat(v).isFinite().isGreaterThanOrEqualTo(0));
      }
    }
    // With alpha = 1 the hard-label term has weight 0 but is still recorded; the training loss is the logit term alone.
    for (EpochMetrics e : records.get("logits").history()) {
      assertThat(e.trainLoss()).isCloseTo(e.terms().get("logits"), within(1e-4));
    }
    for (EpochMetrics e : records.get("kd").history()) {
      assertThat(e.trainLoss()).isCloseTo(0.1 * e.terms().get("ce") + 0.9 * e.terms().get("kd"), within(1e-4));
    }
  }

  @Test
  void frozenTeacherLogitsAreCachedAcrossEpochsAndStudents() {
    DistillationInfo first = records.get("kd").distillation();
    assertThat(first.cache()).startsWith("cached");
    int samples = records.get("kd").trainSamples();
    assertThat(first.cacheLookups()).isEqualTo(2L * samples);
    assertThat(first.cacheHits()).as("epoch 1 fills the cache, epoch 2 reads it").isEqualTo(samples);
    DistillationInfo second = records.get("kd-t2").distillation();
    assertThat(second.cacheHits()).as("a later student of the same teacher and data").isEqualTo(second.cacheLookups());
    assertThat(records.get("augmented").distillation().cache()).startsWith("live: augmentation");
    assertThat(records.get("augmented").distillation().cacheLookups()).isZero();
    assertThat(records.get("features").distillation().cache()).startsWith("live: feature terms");
  }

  @Test
  void theLearningCurveFileHasAColumnPerTerm() throws IOException {
    List<String> lines = java.nio.file.Files.readAllLines(paths.run("fitnets-two-stage", 5).resolve("metrics.csv"));
    assertThat(lines.get(0)).endsWith(",seconds,term:fitnets:stage2>stage2,term:ce");
    assertThat(lines).hasSize(4);
    assertThat(lines.get(1)).startsWith("1,hint,").endsWith(",");
    assertThat(lines.get(2)).startsWith("2,train,").contains(",,");
  }

  @Test
  void twoStageFitNetsPreTrainsOnTheHintThenDistils() {
    List<EpochMetrics> history = records.get("fitnets-two-stage").history();
    assertThat(history).extracting(EpochMetrics::phase).containsExactly("hint", "train", "train");
    assertThat(history.get(0).terms()).containsOnlyKeys("fitnets:stage2>stage2");
    assertThat(history.get(1).terms()).containsOnlyKeys("ce");
    assertThat(records.get("fitnets-two-stage").epochsPlanned()).isEqualTo(3);
  }

  @Test
  void deepEnsembleIsEvaluatedAsTheAverageOfItsMembers() {
    RunRecord ensemble = records.get("ensemble");
    assertThat(ensemble.ensemble().members()).isEqualTo(3);
    assertThat(ensemble.ensemble().memberSeeds()).hasSize(3).doesNotHaveDuplicates().first().isEqualTo(5L);
    assertThat(ensemble.ensemble().bySize()).hasSize(3);
    assertThat(ensemble.ensemble().bySize().get(2).accuracy()).isEqualTo(ensemble.test().accuracy());
    assertThat(ensemble.ensemble().auroc()).containsOnlyKeys("noise 0.8");
    assertThat(ensemble.ensemble().uncertainty()).containsOnlyKeys("validation", "test", "noise 0.8");
    assertThat(ensemble.ensemble().uncertainty().get("validation").mutualInformation()).isPositive();
    assertThat(ensemble.ensemble().uncertainty().get("test").mutualInformation()).isPositive();
    assertThat(paths.memberWeights("ensemble", 5, 2)).isRegularFile();
    assertThat(ensemble.parameters()).isEqualTo(3 * records.get("ensemble").parameters() / 3);
    assertThat(ensemble.inference().bytesOnDisk()).isPositive();
    DistillationInfo fromEnsemble = records.get("from-ensemble").distillation();
    assertThat(fromEnsemble.teacherMembers()).isEqualTo(3);
    assertThat(fromEnsemble.teacher()).isEqualTo("ensemble arm ensemble seed 5 (3 members)");
    assertThat(fromEnsemble.teacherTestAccuracy()).isEqualTo(ensemble.test().accuracy());
  }

  @Test
  void teacherRunsWriteTheirDarkKnowledgeView_ofTheTestSet_andTheReportShowsIt() throws IOException {
    DarkKnowledge teacher = SpecReader.json().readValue(paths.run("teacher", 5).resolve(DarkKnowledge.FILE).toFile(), DarkKnowledge.class);
    assertThat(teacher.teacher()).isEqualTo("arm teacher seed 5");
    assertThat(teacher.split()).isEqualTo("test");
    assertThat(teacher.samples()).isEqualTo(records.get("teacher").test().samples());
    assertThat(teacher.classes()).containsExactly("class-0", "class-1", "class-2");
    assertThat(teacher.temperatureList()).as("the defaults; the students' 4 and 2 among them").containsExactly(1.0, 2.0, 4.0, 8.0, 20.0);
    for (DarkKnowledge.Level level : teacher.levels()) {
      for (double[] row : level.meanSoftTargets()) {
        assertThat(Arrays.stream(row).sum()).isCloseTo(1.0, within(1e-9));
      }
    }
    assertThat(teacher.level(1.0).meanEntropy()).isLessThan(teacher.level(20.0).meanEntropy());

    DarkKnowledge ensemble = SpecReader.json().readValue(paths.run("ensemble", 5).resolve(DarkKnowledge.FILE).toFile(), DarkKnowledge.class);
    assertThat(ensemble.teacher()).isEqualTo("ensemble arm ensemble seed 5 (3 members)");
    assertThat(ensemble.average()).isEqualTo("probabilities");
    assertThat(paths.member("ensemble", 5, 0).resolve(DarkKnowledge.FILE)).as("members are not teachers").doesNotExist();
    assertThat(paths.run("scratch", 5).resolve(DarkKnowledge.FILE)).as("no student learns from it").doesNotExist();
    assertThat(Files.readString(paths.experimentDir().resolve("report.md")))
        .contains("#### Dark knowledge of teacher `teacher`", "#### Dark knowledge of teacher `ensemble`");
  }

  @Test
  void crossArchitectureStudentsLearnFromFeatureMapsThroughARegressor() {
    RunRecord cross = records.get("cnn-to-mlp");
    assertThat(cross.history()).allSatisfy(e -> assertThat(e.terms()).containsKeys("fitnets:stage1>stage2", "similarity:stage1>stage3"));
    assertThat(cross.test().accuracy()).as("above chance (1/3)").isGreaterThan(0.4);
  }

  @Test
  void selfDistillationShowsTheTeacherCleanInputsOfTheStudentsSamples() {
    DistillationInfo self = records.get("self-distill").distillation();
    assertThat(self.teacherInput()).startsWith("clean");
    assertThat(self.teacherTestAccuracy()).as("the teacher is evaluated on the clean test inputs it would see")
        .isEqualTo(records.get("teacher").test().accuracy());
    assertThat(self.cache()).startsWith("cached");
  }

  @Test
  void everyRunMeasuresItsInferenceCost() {
    assertThat(records.values()).allSatisfy(r -> {
      assertThat(r.inference().latencyMs()).isPositive();
      assertThat(r.inference().samplesPerSecond()).isPositive();
    });
    assertThat(records.get("ensemble").inference().latencyMs()).isGreaterThan(0);
  }

  @Test
  void aTeacherCheckpointFromAnEarlierRunTeachesLikeItsArm() throws IOException {
    Path teacherFile = paths.finalWeights("teacher", 5);
    ExperimentSpec spec = SpecReader.parse("""
        name: from-checkpoint
        seeds: [5]
        data: {source: synthetic, syntheticClasses: 3, syntheticPerClass: 60}
        tasks:
          all: {classes: [0, 1, 2]}
        arms:
          - {name: kd, task: all, epochs: 2, batchSize: 32, optimizer: {lr: 0.01}, model: {type: cnn, channels: [2, 4], hidden: 8},
             distill: {teacher: {checkpoint: '%s', model: {type: cnn, channels: [4, 8], hidden: 16}}, temperature: 4, alpha: 0.9}}
        """.formatted(teacherFile.toString().replace("\\", "/")));
    RunRecord fromFile = new ExperimentRunner(spec, output, output.resolve("second")).run(new RunListener() { }).get(0);
    assertThat(fromFile.distillation().teacher()).startsWith("checkpoint ");
    assertThat(fromFile.distillation().teacherTestAccuracy()).isEqualTo(records.get("teacher").test().accuracy());
    assertThat(fromFile.test()).as("same teacher, seed and data as arm kd: the same student").isEqualTo(records.get("kd").test());
  }

  /**
   * Before: a checkpoint from an experiment whose standardisation differed was fed this
   * experiment's, so its inputs were scaled for another model. Now the weights file records the
   * standardisation of its training, a teacher gets its inputs restandardised to it, and an arm
   * starting from the file trains on inputs standardised as the file's model was.
   */
  @Test
  void aCheckpointRecordsItsStandardisationAndIsFedInputsScaledAsInItsTraining() throws IOException {
    Path teacherFile = paths.finalWeights("teacher", 5);
    var trained = records.get("teacher").provenance().normalization();
    var recorded = dev.mentor.training.model.ModelWeights.normalization(teacherFile).orElseThrow();
    assertThat((double) recorded.mean()).isEqualTo((double) (float) trained.mean());
    assertThat((double) recorded.std()).isEqualTo((double) (float) trained.std());

    ExperimentSpec spec = SpecReader.parse("""
        name: other-statistics
        seeds: [5]
        data: {source: synthetic, syntheticClasses: 3, syntheticPerClass: 60}
        tasks:
          few: {classes: [0, 1, 2], perClass: 12}
        arms:
          - {name: kd, task: few, epochs: 1, batchSize: 32, optimizer: {lr: 0.01}, model: {type: cnn, channels: [2, 4], hidden: 8},
             distill: {teacher: {checkpoint: '%1$s', model: {type: cnn, channels: [4, 8], hidden: 16}}}}
          - {name: tuned, task: few, epochs: 1, batchSize: 32, strategy: full, model: {type: cnn, channels: [4, 8], hidden: 16},
             init: {checkpoint: '%1$s', keepHead: true}}
        """.formatted(teacherFile.toString().replace("\\", "/")));
    Map<String, RunRecord> other = new ExperimentRunner(spec, output, output.resolve("other")).run(new RunListener() { }).stream()
        .collect(Collectors.toMap(RunRecord::arm, Function.identity()));

    assertThat(other.get("kd").provenance().normalization()).as("the student's own statistics differ from the teacher's").isNotEqualTo(trained);
    assertThat(other.get("kd").teacher()).contains("inputs restandardised to its training's mean");
    assertThat(other.get("tuned").provenance().normalization()).as("an arm starting from the file keeps its statistics").isEqualTo(
        new dev.mentor.messages.record.DataProvenance.Standardization(recorded.mean(), recorded.std()));
  }
}
