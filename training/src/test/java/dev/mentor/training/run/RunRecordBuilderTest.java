package dev.mentor.training.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mentor.messages.record.DataProvenance;
import dev.mentor.messages.record.DistillationInfo;
import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.record.EvalMetrics;
import dev.mentor.messages.record.InferenceCost;
import dev.mentor.messages.record.RunEvent;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.messages.spec.SpecReader;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunRecordBuilderTest {
  private static final ArmSpec ARM = SpecReader.parse("""
      name: tiny
      seeds: [7]
      data: {source: synthetic}
      tasks:
        target: {classes: [0, 1]}
      arms:
        - {name: student, task: target, model: {type: mlp, widths: [8]}}
      """).arm("student");
  private static final EvalMetrics VALIDATION = new EvalMetrics(20, 0.7, 0.6, 0.02, List.of(), List.of());
  private static final EvalMetrics TEST = new EvalMetrics(40, 0.65, 0.7, 0.03, List.of(), List.of());
  private static final Map<String, EvalMetrics> SHIFTED = Map.of("contrast 0.5", new EvalMetrics(40, 0.5, 1.0, 0.1, List.of(), List.of()));
  private static final List<EpochMetrics> HISTORY = List.of(new EpochMetrics(1, "train", 0.9, 0.6, 0.8, 0.65, 0.001, 1600, 2.5, null));
  private static final List<RunEvent> EVENTS = List.of(new RunEvent(0, "note", "a note"));
  private static final InferenceCost COST = new InferenceCost(0.4, 9000, 320);
  private static final DataProvenance PROVENANCE = new DataProvenance("synthetic", null, List.of(),
      new DataProvenance.Standardization(0.5, 0.25), new DataProvenance.Split(20, "ab"), new DataProvenance.Split(20, "cd"),
      new DataProvenance.Split(40, "ef"), Map.of());

  private static RunRecordBuilder complete() {
    return RunRecordBuilder.of("tiny", ARM, 7)
        .setModel("mlp [8]", 100, 90, 1_000, 400)
        .setSamples(20, 20)
        .setEpochs(3, 1, 1, "last epoch 1")
        .setCurve(HISTORY, EVENTS)
        .setTrainingTime(2.5, 1600)
        .setMetrics(VALIDATION, TEST, SHIFTED)
        .setInference(COST)
        .setProvenance(PROVENANCE);
  }

  @Test
  void build_givesTheRecordOfEveryPart_inTheRecordsOwnFieldOrder() {
    DistillationInfo distillation = new DistillationInfo("arm teacher seed 7", "cnn", 1, 0.9, "loss", List.of("kd ×0.5"), 4, 0.5, "inference",
        "the student's inputs", "cached", 10, 5);

    RunRecord built = complete().optDistillation("arm teacher seed 7", distillation).optSparsity(0.25).build();

    RunRecord expected = new RunRecord(RunRecord.SCHEMA_VERSION, "tiny", "student", 7, "target", ARM.strategy().specName(), "mlp [8]",
        "arm teacher seed 7", 100, 90, 1_000, 400, 20, 20, 3, 1, 1, "last epoch 1", 0.25, 2.5, 1600, VALIDATION, TEST, SHIFTED, HISTORY, EVENTS,
        distillation, null, COST, PROVENANCE);
    assertThat(built).isEqualTo(expected);
    assertThat(SpecReader.toJson(built)).isEqualTo(SpecReader.toJson(expected));
  }

  @Test
  void build_withoutTheOptionalParts_leavesTeacherDistillationAndEnsembleOutAndSparsityZero() {
    RunRecord built = complete().build();

    assertThat(built.teacher()).isNull();
    assertThat(built.distillation()).isNull();
    assertThat(built.ensemble()).isNull();
    assertThat(built.sparsity()).isZero();
  }

  @Test
  void build_withoutMetrics_failsNamingTheMissingPart() {
    RunRecordBuilder noMetrics = RunRecordBuilder.of("tiny", ARM, 7)
        .setModel("mlp [8]", 100, 90, 1_000, 400)
        .setSamples(20, 20)
        .setEpochs(3, 1, 1, "last epoch 1")
        .setCurve(HISTORY, EVENTS)
        .setTrainingTime(2.5, 1600)
        .setInference(COST)
        .setProvenance(PROVENANCE);

    assertThatThrownBy(noMetrics::build).isInstanceOf(IllegalStateException.class)
        .hasMessage("the run record of arm 'student' seed 7 lacks the metrics (setMetrics)");
  }
}
