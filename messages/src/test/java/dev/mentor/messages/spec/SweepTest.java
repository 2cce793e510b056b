package dev.mentor.messages.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Sweeps of arms and of defaults, expanded by the real reader into arms checked like hand-written ones. */
class SweepTest {
  private static final String HEAD = """
      name: sweeps
      seeds: [1, 2]
      tasks:
        t: {classes: [0, 1]}
        u: {classes: [0, 1], perClass: 5}
        other: {classes: [2, 3]}
      """;

  private static ExperimentSpec read(String defaultsAndArms) {
    return SpecReader.parse(HEAD + defaultsAndArms);
  }

  private static SpecException error(String defaultsAndArms) {
    try {
      read(defaultsAndArms);
    } catch (SpecException e) {
      return e;
    }
    throw new AssertionError("the spec was read");
  }

  private static List<String> names(ExperimentSpec spec) {
    return spec.arms().stream().map(ArmSpec::name).toList();
  }

  @Test
  void grid_expandsEveryCombination_firstAxisSlowest_namedByShortKeys() {
    ExperimentSpec spec = read("""
        arms:
          - {name: teacher, task: t, model: {type: mlp, widths: [16]}}
          - name: kd
            task: t
            model: {type: mlp, widths: [4]}
            distill: {teacher: {arm: teacher}}
            sweep: {distill.temperature: [1, 4], distill.alpha: [0.5, 0.9, 0.99]}
        """);

    assertThat(names(spec)).containsExactly("teacher",
        "kd[temperature=1,alpha=0.5]", "kd[temperature=1,alpha=0.9]", "kd[temperature=1,alpha=0.99]",
        "kd[temperature=4,alpha=0.5]", "kd[temperature=4,alpha=0.9]", "kd[temperature=4,alpha=0.99]");
    ArmSpec last = spec.arm("kd[temperature=4,alpha=0.99]");
    assertThat(last.distill().temperature()).isEqualTo(4.0);
    assertThat(last.distill().alpha()).isEqualTo(0.99);
    assertThat(last.distill().teacher().arm()).isEqualTo("teacher");
    assertThat(last.sweepPoint().arm()).isEqualTo("kd");
    assertThat(last.sweepPoint().index()).isEqualTo(1);
    assertThat(last.sweepPoint().value("distill.temperature").asInt()).isEqualTo(4);
    assertThat(last.sweepPoint().value("distill.alpha").asDouble()).isEqualTo(0.99);
    assertThat(spec.arm("teacher").sweepPoint()).isNull();
    assertThat(spec.sweeps()).containsExactly("arms[1] kd: 6 arms (distill.temperature: 2, distill.alpha: 3)");
  }

  @Test
  void zip_pairsItsListsValueByValue_andMultipliesWithTheGrid() {
    ExperimentSpec spec = read("""
        arms:
          - name: a
            task: t
            model: {type: logistic}
            sweep:
              task: [t, u]
              zip: {optimizer.lr: [0.01, 0.001, 0.0003], epochs: [5, 10, 20]}
        """);

    assertThat(names(spec)).containsExactly(
        "a[task=t,lr=0.01,epochs=5]", "a[task=t,lr=0.001,epochs=10]", "a[task=t,lr=0.0003,epochs=20]",
        "a[task=u,lr=0.01,epochs=5]", "a[task=u,lr=0.001,epochs=10]", "a[task=u,lr=0.0003,epochs=20]");
    ArmSpec arm = spec.arm("a[task=u,lr=0.0003,epochs=20]");
    assertThat(arm.task()).isEqualTo("u");
    assertThat(arm.optimizer().lr()).isEqualTo(0.0003);
    assertThat(arm.epochs()).isEqualTo(20);
  }

  @Test
  void labelledAxis_mergesEachLabelsSettings_andNameTemplatesUseLabelsAndShortKeys() {
    ExperimentSpec spec = read("""
        defaults: {model: {type: cnn, channels: [4, 8], hidden: 8}, optimizer: {lr: 0.001}}
        arms:
          - {name: pre, task: t}
          - name: "{task}-{method}"
            task: t
            sweep:
              task: [t, u]
              method:
                logreg: {model: {type: logistic}, optimizer: {lr: 0.01}}
                probe: {strategy: linear-probe, init: {from: pre}}
                partial: {strategy: partial, lastStages: 1, init: {from: pre}, optimizer: {lr: 0.0003}}
        """);

    assertThat(names(spec)).containsExactly("pre", "t-logreg", "t-probe", "t-partial", "u-logreg", "u-probe", "u-partial");
    assertThat(spec.arm("u-logreg").model().type()).isEqualTo(ModelSpec.Type.LOGISTIC);
    assertThat(spec.arm("u-logreg").optimizer().lr()).isEqualTo(0.01);
    assertThat(spec.arm("t-probe").model().channels()).containsExactly(4, 8);
    assertThat(spec.arm("t-probe").optimizer().lr()).as("defaults' lr where the label sets none").isEqualTo(0.001);
    assertThat(spec.arm("u-partial").lastStages()).isEqualTo(1);
    assertThat(spec.arm("u-partial").sweepPoint().value("method").asText()).isEqualTo("partial");
    assertThat(spec.arm("u-partial").sweepPoint().arm()).isEqualTo("{task}-{method}");
  }

  @Test
  void defaultsSweep_appliesToEveryArm_outermost_andAnArmsOwnAxisOfTheSameKeyReplacesIt() {
    ExperimentSpec spec = read("""
        defaults:
          model: {type: logistic}
          epochs: 3
          sweep: {optimizer.lr: [0.1, 0.01]}
        arms:
          - {name: a, task: t, sweep: {epochs: [1, 2]}}
          - {name: b, task: t, optimizer: {lr: 0.5}, sweep: {optimizer.lr: [0.2]}}
          - {name: c, task: t, optimizer: {lr: 0.5}}
        """);

    assertThat(names(spec)).containsExactly("a[lr=0.1,epochs=1]", "a[lr=0.1,epochs=2]", "a[lr=0.01,epochs=1]", "a[lr=0.01,epochs=2]",
        "b[lr=0.2]", "c[lr=0.1]", "c[lr=0.01]");
    assertThat(spec.arm("a[lr=0.01,epochs=2]").optimizer().lr()).isEqualTo(0.01);
    assertThat(spec.arm("b[lr=0.2]").optimizer().lr()).as("the arm's own axis").isEqualTo(0.2);
    assertThat(spec.arm("c[lr=0.01]").optimizer().lr()).as("a swept value wins over the written one").isEqualTo(0.01);
    assertThat(spec.arm("c[lr=0.01]").epochs()).isEqualTo(3);
  }

  @Test
  void names_useTheFullPathWhenTwoKeysEndAlike_andWriteNumbersShort() {
    ExperimentSpec spec = read("""
        arms:
          - {name: pre, task: t, model: {type: mlp, widths: [4, 4]}}
          - name: f
            task: t
            model: {type: mlp, widths: [4, 4]}
            strategy: lp-ft
            init: {from: pre}
            sweep: {optimizer.lr: [1e-5, 3.0e-4], lpFt.lr: [0.01], batchSize: [16.0e0]}
        """.replace("16.0e0", "16"));

    assertThat(names(spec)).containsExactly("pre", "f[optimizer.lr=1e-5,lpFt.lr=0.01,batchSize=16]", "f[optimizer.lr=0.0003,lpFt.lr=0.01,batchSize=16]");
    assertThat(Sweeps.format(JsonNodeFactory.instance.numberNode(4.0))).isEqualTo("4");
    assertThat(Sweeps.format(JsonNodeFactory.instance.numberNode(1.5e-7))).isEqualTo("1.5e-7");
    assertThat(Sweeps.format(JsonNodeFactory.instance.numberNode(-0.5))).isEqualTo("-0.5");
  }

  @Test
  void aListOrMappingValue_isSetWhole_orMergedLikeAnArmsOwnValues() {
    ExperimentSpec spec = read("""
        defaults: {model: {type: cnn, channels: [4, 8], hidden: 16}}
        arms:
          - name: "w{channels}"
            task: t
            sweep: {model.channels: [[2, 4], [8]]}
          - name: m
            task: t
            sweep: {model: [{hidden: 32}, {type: mlp, widths: [3]}]}
        """);

    assertThat(names(spec)).containsExactly("w2_4", "w8", "m[model=32]", "m[model=mlp_3]");
    assertThat(spec.arm("w8").model().channels()).containsExactly(8);
    assertThat(spec.arm("w8").model().hidden()).isEqualTo(16);
    assertThat(spec.arm("m[model=32]").model().channels()).as("merged into the default model").containsExactly(4, 8);
    assertThat(spec.arm("m[model=mlp_3]").model().type()).as("another type replaces it").isEqualTo(ModelSpec.Type.MLP);
  }

  @Test
  void aStudentNamingASweptTeacherByItsWrittenName_isAmbiguous_andRefused() {
    SpecException e = error("""
        arms:
          - {name: teacher, task: t, model: {type: mlp, widths: [16]}, sweep: {optimizer.lr: [0.01, 0.001]}}
          - {name: kd, task: t, model: {type: mlp, widths: [4]}, distill: {teacher: {arm: teacher}}}
        """);

    assertThat(e.errors()).hasSize(1);
    assertThat(e.field()).isEqualTo("arms[1].distill.teacher.arm");
    assertThat(e.reason()).contains("'teacher' is swept into 2 arms (teacher[lr=0.01], teacher[lr=0.001])", "name one of them");
  }

  @Test
  void aStudentMaySweepItsTeacher_overTheTeachersArms() {
    ExperimentSpec spec = read("""
        arms:
          - {name: "teacher-{lr}", task: t, model: {type: mlp, widths: [16]}, sweep: {optimizer.lr: [0.01, 0.001]}}
          - name: "kd-from-{arm}-t{temperature}"
            task: t
            model: {type: mlp, widths: [4]}
            distill: {teacher: {arm: teacher-0.01}}
            sweep: {distill.teacher.arm: [teacher-0.01, teacher-0.001], distill.temperature: [2]}
        """);

    assertThat(names(spec)).containsExactly("teacher-0.01", "teacher-0.001", "kd-from-teacher-0.01-t2", "kd-from-teacher-0.001-t2");
    assertThat(spec.arm("kd-from-teacher-0.001-t2").distill().teacher().arm()).isEqualTo("teacher-0.001");
  }

  @Test
  void aSweptReferenceToNoEarlierArm_isNamedAtTheSweptValue() {
    SpecException e = error("""
        arms:
          - name: kd
            task: t
            model: {type: mlp, widths: [4]}
            distill: {teacher: {arm: teacher}}
            sweep: {distill.teacher.arm: [teacher, nobody]}
          - {name: teacher, task: t, model: {type: mlp, widths: [16]}}
        """);

    assertThat(e.errors()).extracting(SpecException::field)
        .containsExactly("arms[0].sweep[\"distill.teacher.arm\"][0]", "arms[0].sweep[\"distill.teacher.arm\"][1]");
    assertThat(e.errors().get(1).reason()).contains("names no earlier arm: 'nobody'");
  }

  @Test
  void unknownPath_isRefusedNamingTheKey_theTypoAndTheAllowedFields() {
    SpecException e = error("""
        arms:
          - {name: kd, task: t, model: {type: logistic}, sweep: {distill.temprature: [1, 2], optimiser.lr: [0.1]}}
        """);

    assertThat(e.errors()).extracting(SpecException::field)
        .containsExactly("arms[0].sweep[\"distill.temprature\"]", "arms[0].sweep[\"optimiser.lr\"]");
    assertThat(e.errors().get(0).reason()).contains("unknown field 'temprature' in distill (did you mean 'temperature'?)",
        "allowed fields here: alpha, average,");
    assertThat(e.errors().get(1).reason()).contains("unknown field 'optimiser' of an arm (did you mean 'optimizer'?)")
        .doesNotContain("sweepPoint");
  }

  @Test
  void emptyList_mismatchedZip_aFieldSweptTwice_andAFieldAsALabelledAxis_areRefusedNamingTheField() {
    SpecException e = error("""
        defaults: {model: {type: logistic}}
        arms:
          - {name: a, task: t, sweep: {epochs: []}}
          - {name: b, task: t, sweep: {zip: {optimizer.lr: [0.1, 0.01], epochs: [1, 2, 3]}}}
          - {name: c, task: t, sweep: {optimizer.lr: [0.1], zip: {optimizer.lr: [0.1], epochs: [1]}}}
          - {name: d, task: t, sweep: {optimizer: {lr: [0.1, 0.2]}}}
          - {name: e, task: t, sweep: {"model.widths[0]": [1]}}
          - {name: f, task: t, sweep: {name: [x, y]}}
        """);

    assertThat(e.errors()).extracting(SpecException::field).containsExactly(
        "arms[0].sweep.epochs", "arms[1].sweep.zip.epochs", "arms[2].sweep.zip", "arms[3].sweep.optimizer",
        "arms[4].sweep[\"model.widths[0]\"]", "arms[5].sweep.name");
    assertThat(e.errors().get(0).reason()).contains("empty list");
    assertThat(e.errors().get(1).reason()).contains("has 3 values but optimizer.lr has 2");
    assertThat(e.errors().get(2).reason()).contains("sets optimizer.lr, which arms[2].sweep[\"optimizer.lr\"] sets too");
    assertThat(e.errors().get(3).reason()).contains("'optimizer' is a field of an arm", "optimizer.lr: [0.001, 0.0003]");
    assertThat(e.errors().get(4).reason()).contains("unknown field 'widths[0]' in model");
    assertThat(e.errors().get(5).reason()).contains("named by the arm's name");
  }

  @Test
  void aGridOverTheRunLimit_isRefusedBeforeAnyArmIsBuilt() {
    String values = "[" + "1, ".repeat(99) + "1]";
    SpecException e = error("""
        arms:
          - {name: small, task: t, model: {type: logistic}}
          - {name: big, task: t, model: {type: logistic}, sweep: {epochs: %s, batchSize: %s}}
        """.formatted(values.replace("1, ", "2, "), values));

    assertThat(e.field()).isEqualTo("arms[1].sweep");
    assertThat(e.reason()).contains("makes 10000 arms (epochs 100 × batchSize 100)", "10001 arms × 2 seeds = 20002 runs",
        "the limit is 10000 runs per experiment");
  }

  @Test
  void aBadSweptValue_isNamedAtItsPlaceInTheSweep_andABadWrittenValueAtTheExpandedArmThatReachesIt() {
    SpecException e = error("""
        defaults: {sweep: {optimizer.lr: [0.1, -1]}}
        arms:
          - {name: teacher, task: t, model: {type: mlp, widths: [16]}}
          - name: kd
            task: t
            epochs: 0
            model: {type: mlp, widths: [4]}
            distill: {teacher: {arm: "teacher[lr=0.1]"}}
            sweep: {distill.temperature: [4, "hot"]}
        """);

    assertThat(e.errors()).extracting(SpecException::field).containsExactlyInAnyOrder(
        "defaults.sweep[\"optimizer.lr\"][1]", "arms[1].sweep[\"distill.temperature\"][1]",
        // The other arms of kd fail first at their temperature or their rate: only this one reaches its epochs.
        "arms[1](kd[lr=0.1,temperature=4]).epochs");
  }

  @Test
  void anErrorOfEveryArmOfASweep_isReportedOnceAtTheArmAsWritten() {
    SpecException e = error("""
        arms:
          - {name: a, task: t, epochs: 0, model: {type: logistic}, sweep: {optimizer.lr: [0.5, 0.1, 0.01]}}
        """);

    assertThat(e.errors()).hasSize(1);
    assertThat(e.field()).isEqualTo("arms[0].epochs");
    assertThat(e.reason()).isEqualTo("must be in [1, 10000], got 0 (in every arm of its sweep)");
  }

  @Test
  void anErrorOfSomeArmsOfASweep_namesTheExpandedArms() {
    SpecException e = error("""
        arms:
          - {name: teacher, task: t, model: {type: mlp, widths: [16]}}
          - {name: kd, model: {type: mlp, widths: [4]}, distill: {teacher: {arm: teacher}}, sweep: {task: [t, other]}}
        """);

    assertThat(e.field()).isEqualTo("arms[1](kd[task=other]).distill.teacher.arm");
    assertThat(e.reason()).contains("predicts classes [0, 1] but this student's task has [2, 3]");
  }

  @Test
  void duplicateNames_withinASweepAndAgainstAnotherArm_areRefused() {
    SpecException within = error("""
        arms:
          - {name: a, task: t, model: {type: logistic}, sweep: {optimizer.lr: [0.5, 0.50]}}
        """);
    SpecException across = error("""
        arms:
          - {name: "a[lr=0.5]", task: t, model: {type: logistic}}
          - {name: a, task: t, model: {type: logistic}, sweep: {optimizer.lr: [0.5]}}
        """);
    SpecException template = error("""
        arms:
          - {name: "a-{lr}", task: t, model: {type: logistic}, sweep: {optimizer.lr: [0.5], epochs: [1, 2]}}
        """);

    assertThat(within.field()).isEqualTo("arms[0].sweep");
    assertThat(within.reason()).contains("gives two of its arms the name 'a[lr=0.5]'");
    assertThat(across.field()).isEqualTo("arms[1](a[lr=0.5]).name");
    assertThat(across.reason()).contains("is already the name of arms[0]");
    assertThat(template.field()).isEqualTo("arms[0].name");
    assertThat(template.reason()).contains("gives two of its arms the name 'a-0.5'");
  }

  @Test
  void aTemplateMustNameAxesOfItsSweep_andNamesMustStayValid() {
    SpecException unknown = error("""
        arms:
          - {name: "a-{rate}", task: t, model: {type: logistic}, sweep: {optimizer.lr: [0.5]}}
        """);
    SpecException invalid = error("""
        arms:
          - {name: a, task: t, model: {type: logistic}, sweep: {task: [t], description: ["with spaces"]}}
        """.replace("description", "schedule.decay"));

    assertThat(unknown.field()).isEqualTo("arms[0].name");
    assertThat(unknown.reason()).contains("names {rate}, which is not an axis of its sweep; axes: lr (optimizer.lr)");
    assertThat(invalid.field()).isEqualTo("arms[0].name");
    assertThat(invalid.reason()).contains("'a[task=t,decay=with spaces]', which is not a valid arm name");
  }

  @Test
  void theResolvedSpecKeepsTheSweepPoints_andReadsBackAsItself_whileAHandWrittenArmWritesNoPoint() {
    ExperimentSpec swept = read("""
        arms:
          - {name: a, task: t, model: {type: logistic}, sweep: {optimizer.lr: [0.5, 0.1], method: {x: {epochs: 2}, y: {epochs: 3}}}}
        """);
    ExperimentSpec plain = read("""
        arms:
          - {name: a, task: t, model: {type: logistic}}
        """);

    String json = SpecReader.toJson(swept);
    assertThat(SpecReader.parse(json)).isEqualTo(swept);
    assertThat(json).contains("\"sweepPoint\"", "\"method\" : \"y\"");
    assertThat(SpecReader.toJson(plain)).doesNotContain("sweepPoint");
  }

  /** A resolved spec Mentor wrote (the service's job file) holds every arm written out: larger than a spec a person may submit. */
  @Test
  void aLargeSweepsResolvedSpec_isLargerThanASubmittedSpecMayBe_andReadsBackAsAResolvedSpec() {
    String epochs = IntStream.rangeClosed(1, 500).mapToObj(Integer::toString).collect(Collectors.joining(", "));
    ExperimentSpec swept = read("""
        arms:
          - {name: a, task: t, model: {type: logistic}, sweep: {epochs: [%s]}}
        """.formatted(epochs));

    String json = SpecReader.toJson(swept);
    assertThat(json.length()).isGreaterThan(SpecLimits.MAX_SPEC_BYTES);
    assertThatThrownBy(() -> SpecReader.parse(json)).isInstanceOf(SpecException.class).hasMessageContaining("the limit is 262144 bytes");
    assertThat(SpecReader.parseResolved(json)).isEqualTo(swept);
  }

  @Test
  void armField_namesTheArmAsTheFileWroteIt() {
    ExperimentSpec spec = read("""
        arms:
          - {name: a, task: t, model: {type: logistic}}
          - {name: b, task: t, model: {type: logistic}, sweep: {optimizer.lr: [0.5, 0.1]}}
          - {name: c, task: t, model: {type: logistic}}
        """);

    assertThat(List.of(spec.armField(0), spec.armField(2), spec.armField(3))).containsExactly("arms[0]", "arms[1](b[lr=0.1])", "arms[2]");
  }
}
