package dev.mentor.messages.spec;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Distillation students and ensembles in the spec: defaults, and every bad input the issue names
 * (a stage the model lacks, pairs out of depth order, T ≤ 0, α outside [0, 1], an ensemble of
 * size 0, a teacher that is not an earlier arm or predicts other classes) rejected at its field.
 */
class DistillSpecTest {
  private static final String BASE = """
      name: exp
      seeds: [1]
      tasks:
        all: {classes: [0, 1, 2]}
        other: {classes: [2, 1, 0]}
        noisy: {classes: [0, 1, 2], shift: {type: noise, severity: 0.3}}
      arms:
        - {name: teacher, task: all, model: {type: cnn, channels: [8, 16], hidden: 32}}
      """;

  private static ExperimentSpec parse(String arm) {
    return SpecReader.parse(BASE + "  - " + arm + "\n");
  }

  private static SpecException rejected(String arm, String field, String... words) {
    try {
      ExperimentSpec spec = parse(arm);
      throw new AssertionError("expected a SpecException, but the spec parsed: " + spec);
    } catch (SpecException e) {
      assertThat(e.field()).as("field of: %s", e.getMessage()).isEqualTo(field);
      assertThat(e.getMessage()).startsWith(field + ": ").contains(words);
      return e;
    }
  }

  private static String student(String distill) {
    return "{name: s, task: all, model: {type: cnn, channels: [4, 8], hidden: 8}, distill: " + distill + "}";
  }

  @Test
  void softTargetsAreTheDefaultAtTemperatureFourAndAlphaPointNine() {
    DistillSpec d = parse(student("{teacher: {arm: teacher}}")).arm("s").distill();
    assertThat(d.logits()).isEqualTo(DistillSpec.LogitMode.SOFT_TARGETS);
    assertThat(d.temperature()).isEqualTo(4.0);
    assertThat(d.alpha()).isEqualTo(0.9);
    assertThat(d.softLoss()).isEqualTo(DistillSpec.SoftLoss.KL);
    assertThat(d.average()).isEqualTo(DistillSpec.Average.PROBABILITIES);
    assertThat(d.teacherInput()).isEqualTo(DistillSpec.TeacherInput.SAME);
  }

  @Test
  void featureTermsGetTheirMethodsDefaults() {
    DistillSpec d = parse(student("{teacher: {arm: teacher}, features: [{method: attention, pairs: [{student: stage1, teacher: stage1}]},"
        + " {method: fitnets, pairs: [{student: stage1, teacher: stage2}], hintEpochs: 3}]}")).arm("s").distill();
    assertThat(d.features().get(0).p()).isEqualTo(2.0);
    assertThat(d.features().get(0).form()).as("existing specs keep the paper's equation").isEqualTo(FeatureTermSpec.Form.PAPER);
    assertThat(d.features().get(0).weight()).isEqualTo(1.0);
    assertThat(d.features().get(0).hintEpochs()).isNull();
    assertThat(d.features().get(1).form()).isNull();
    assertThat(d.hintEpochs()).isEqualTo(3);
    assertThat(d.hintTerm().pairs()).containsExactly(new StagePair("stage1", "stage2"));
  }

  @Test
  void temperatureAtOrBelowZeroIsRejected() {
    rejected(student("{teacher: {arm: teacher}, temperature: 0}"), "arms[1].distill.temperature", "must be > 0, got 0");
    rejected(student("{teacher: {arm: teacher}, temperature: -2}"), "arms[1].distill.temperature", "must be > 0");
  }

  @Test
  void alphaOutsideZeroOneIsRejected() {
    rejected(student("{teacher: {arm: teacher}, alpha: 1.5}"), "arms[1].distill.alpha", "[0.0, 1.0]", "1.5");
    rejected(student("{teacher: {arm: teacher}, alpha: -0.1}"), "arms[1].distill.alpha", "[0.0, 1.0]");
  }

  @Test
  void ensembleOfSizeZeroIsRejected() {
    rejected("{name: e, task: all, model: {type: mlp}, ensemble: {members: 0}}", "arms[1].ensemble.members", "at least 1 member, got 0");
  }

  @Test
  void tappingAStageTheStudentLacksIsRejected() {
    rejected(student("{teacher: {arm: teacher}, features: [{method: attention, pairs: [{student: stage9, teacher: stage1}]}]}"),
        "arms[1].distill.features[0].pairs[0].student", "no stage 'stage9'", "stage1, stage2, stage3, head");
  }

  @Test
  void tappingAStageTheTeacherLacksIsRejected() {
    rejected("{name: s, task: all, model: {type: mlp, widths: [8]}, distill: {teacher: {arm: teacher},"
        + " features: [{method: similarity, pairs: [{student: stage1, teacher: block3}]}]}}",
        "arms[1].distill.features[0].pairs[0].teacher", "teacher model has no stage 'block3'");
  }

  @Test
  void pairsOutOfDepthOrderAreRejected() {
    rejected(student("{teacher: {arm: teacher}, features: [{method: attention, pairs: [{student: stage1, teacher: stage2},"
        + " {student: stage2, teacher: stage1}]}]}"), "arms[1].distill.features[0].pairs[1]", "depth order");
  }

  @Test
  void pairsInDepthOrderAreAccepted() {
    parse(student("{teacher: {arm: teacher}, features: [{method: attention, pairs: [{student: stage1, teacher: stage1},"
        + " {student: stage2, teacher: stage3}]}]}"));
  }

  @Test
  void teacherMustBeAnEarlierArm() {
    rejected(student("{teacher: {arm: later}}"), "arms[1].distill.teacher.arm", "names no earlier arm: 'later'", "teacher");
  }

  @Test
  void teacherPredictingOtherClassesOrOrderIsRejected() {
    rejected("{name: s, task: other, model: {type: mlp}, distill: {teacher: {arm: teacher}}}", "arms[1].distill.teacher.arm",
        "[0, 1, 2]", "[2, 1, 0]", "would not line up");
  }

  @Test
  void teacherNeedsExactlyOneSource() {
    rejected(student("{teacher: {}}"), "arms[1].distill.teacher", "exactly one of 'arm'");
    rejected(student("{teacher: {checkpoint: t.params}}"), "arms[1].distill.teacher.model", "needs the model");
  }

  @Test
  void optionsOfAnotherLogitMethodAreRejected() {
    rejected(student("{teacher: {arm: teacher}, logits: logit-matching, temperature: 2}"), "arms[1].distill.temperature", "'soft-targets' only");
    rejected(student("{teacher: {arm: teacher}, logits: none}"), "arms[1].distill.features", "nothing to distil");
    rejected(student("{teacher: {arm: teacher}, logits: magic}"), "arms[1].distill.logits", "soft-targets, logit-matching, none");
  }

  @Test
  void cleanTeacherInputNeedsAShiftedStudentTask() {
    rejected(student("{teacher: {arm: teacher}, teacherInput: clean}"), "arms[1].distill.teacherInput", "has no shift");
    parse("{name: s, task: noisy, model: {type: mlp}, distill: {teacher: {arm: teacher}, teacherInput: clean}}");
  }

  @Test
  void ensembleTeachersTeachByTheirPredictionsNotTheirFeatures() {
    String ensemble = "{name: e, task: all, model: {type: mlp, widths: [8]}, ensemble: {members: 2}}\n  - ";
    rejected(ensemble + "{name: s, task: all, model: {type: mlp, widths: [8]}, distill: {teacher: {arm: e},"
        + " features: [{method: similarity, pairs: [{student: stage1, teacher: stage1}]}]}}", "arms[2].distill.features", "ensemble");
    assertThat(parse(ensemble + "{name: s, task: all, model: {type: mlp}, distill: {teacher: {arm: e}}}").arm("e").memberCount()).isEqualTo(2);
  }

  @Test
  void ensemblesTrainFromScratchAndAreNotStudents() {
    rejected("{name: e, task: all, model: {type: mlp}, ensemble: {members: 2}, distill: {teacher: {arm: teacher}}}", "arms[1].ensemble",
        "cannot also be a distillation student");
  }

  @Test
  void twoStageFitNetsGuidesOneStage() {
    rejected(student("{teacher: {arm: teacher}, features: [{method: fitnets, hintEpochs: 2, pairs: [{student: stage1, teacher: stage1},"
        + " {student: stage2, teacher: stage2}]}]}"), "arms[1].distill.features[0].pairs", "one pair");
  }

  @Test
  void attentionExponentBelowOneIsRejected() {
    rejected(student("{teacher: {arm: teacher}, features: [{method: attention, p: 0.5, pairs: [{student: stage1, teacher: stage1}]}]}"),
        "arms[1].distill.features[0].p", "must be >= 1");
  }

  @Test
  void attentionInTheReferenceCodesFormDefaultsToTheAuthorsBeta() {
    DistillSpec d = parse(student("{teacher: {arm: teacher}, features: [{method: attention, form: reference-code,"
        + " pairs: [{student: stage1, teacher: stage1}]}, {method: attention, form: reference-code, weight: 250,"
        + " pairs: [{student: stage2, teacher: stage2}]}, {method: attention, form: paper, pairs: [{student: stage2, teacher: stage2}]}]}"))
        .arm("s").distill();
    assertThat(d.features().get(0).form()).isEqualTo(FeatureTermSpec.Form.REFERENCE_CODE);
    assertThat(d.features().get(0).weight()).as("β = 1000").isEqualTo(1000.0);
    assertThat(d.features().get(1).weight()).isEqualTo(250.0);
    assertThat(d.features().get(2).weight()).isEqualTo(1.0);
  }

  @Test
  void attentionFormOnAnotherMethodIsRejected() {
    rejected(student("{teacher: {arm: teacher}, features: [{method: similarity, form: paper, pairs: [{student: stage3, teacher: stage3}]}]}"),
        "arms[1].distill.features[0].form", "applies to method 'attention' only");
  }

  @Test
  void unknownAttentionFormIsRejectedWithTheAllowedValues() {
    rejected(student("{teacher: {arm: teacher}, features: [{method: attention, form: squared, pairs: [{student: stage1, teacher: stage1}]}]}"),
        "arms[1].distill.features[0].form", "unknown value 'squared'", "allowed: paper, reference-code");
  }

  @Test
  void twoStageFitNetsOnAFrozenGuidedStageIsRejected() {
    rejected("{name: s, task: all, strategy: linear-probe, init: {from: teacher}, model: {type: cnn, channels: [8, 16], hidden: 32},"
        + " distill: {teacher: {arm: teacher}, features: [{method: fitnets, hintEpochs: 2, pairs: [{student: stage1, teacher: stage1}]}]}}",
        "arms[1].distill.features", "keeps frozen");
  }

  @Test
  void studentsAndEnsemblesSurviveAJsonRoundTrip() {
    ExperimentSpec spec = parse("{name: e, task: all, model: {type: mlp, widths: [8]}, ensemble: {members: 3}}\n  - "
        + student("{teacher: {arm: teacher}, temperature: 2, alpha: 0.3, softLoss: cross-entropy, features: [{method: attention, weight: 5,"
        + " pairs: [{student: stage1, teacher: stage1}]}, {method: attention, form: reference-code, pairs: [{student: stage2, teacher: stage2}]},"
        + " {method: fitnets, hintEpochs: 2, pairs: [{student: stage2, teacher: stage2}]}]}"));
    assertThat(SpecReader.parse(SpecReader.toJson(spec))).isEqualTo(spec);
  }
}
