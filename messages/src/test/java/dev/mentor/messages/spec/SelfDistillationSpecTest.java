package dev.mentor.messages.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Born-again arms expanded into their generations by the real reader, PS-KD arms, and the errors of both naming the file's fields. */
class SelfDistillationSpecTest {
  private static final String HEAD = """
      name: self
      seeds: [1, 2]
      tasks:
        t: {classes: [0, 1]}
        other: {classes: [2, 3]}
      defaults: {epochs: 3, model: {type: mlp, widths: [8]}}
      """;

  private static ExperimentSpec read(String arms) {
    return SpecReader.parse(HEAD + arms);
  }

  private static SpecException error(String arms) {
    try {
      read(arms);
    } catch (SpecException e) {
      return e;
    }
    throw new AssertionError("the spec was read");
  }

  private static List<String> names(ExperimentSpec spec) {
    return spec.arms().stream().map(ArmSpec::name).toList();
  }

  @Test
  void bornAgain_expandsIntoGenerationsEachTaughtByThePreviousOne_andABudgetMatchedScratchBaseline() {
    ExperimentSpec spec = read("""
        arms:
          - {name: ban, task: t, bornAgain: {generations: 3}, distill: {temperature: 1, alpha: 1}}
        """);

    assertThat(names(spec)).containsExactly("ban-g1", "ban-g2", "ban-g3", "ban-scratch");
    assertThat(spec.arm("ban-g1").distill()).as("generation 1 learns from the labels").isNull();
    assertThat(spec.arm("ban-g2").distill().teacher()).isEqualTo(TeacherSpec.ofArm("ban-g1"));
    assertThat(spec.arm("ban-g3").distill().teacher()).isEqualTo(TeacherSpec.ofArm("ban-g2"));
    assertThat(spec.arm("ban-g3").distill().temperature()).isEqualTo(1.0);
    assertThat(spec.arm("ban-g3").distill().alpha()).isEqualTo(1.0);
    assertThat(spec.arm("ban-g2").epochs()).isEqualTo(3);
    assertThat(spec.arm("ban-scratch").epochs()).as("all generations' epochs, from defaults").isEqualTo(9);
    assertThat(spec.arm("ban-scratch").distill()).isNull();
    GenerationPoint point = spec.arm("ban-g2").generation();
    assertThat(point.arm()).isEqualTo("ban");
    assertThat(point.number()).isEqualTo(2);
    assertThat(point.of()).isEqualTo(3);
    assertThat(point.teachers()).isEqualTo(BornAgainSpec.Teachers.PREVIOUS);
    assertThat(spec.arm("ban-scratch").generation().isBaseline()).isTrue();
    assertThat(spec.generations()).containsExactly("ban: 3 generations (ban-g1, ban-g2, ban-g3; the first from the labels, each later one"
        + " by the previous one) and ban-scratch (9 epochs from the labels)");
    // The resolved spec holds the generations and reads back as the same experiment.
    assertThat(SpecReader.parseResolved(SpecReader.toJson(spec))).isEqualTo(spec);
  }

  @Test
  void bornAgain_teacherAll_isTheEnsembleOfEveryEarlierGeneration_fromAnEarlierArm() {
    ExperimentSpec spec = read("""
        arms:
          - {name: teacher, task: t}
          - {name: ban, task: t, bornAgain: {generations: 3, teacher: all, from: teacher, baseline: false}}
          - {name: student, task: t, distill: {teacher: {arm: ban-g3}}}
        """);

    assertThat(names(spec)).containsExactly("teacher", "ban-g1", "ban-g2", "ban-g3", "student");
    assertThat(spec.arm("ban-g1").distill().teacher()).isEqualTo(TeacherSpec.ofArm("teacher"));
    assertThat(spec.arm("ban-g2").distill().teacher().arms()).containsExactly("teacher", "ban-g1");
    assertThat(spec.arm("ban-g3").distill().teacher().arms()).containsExactly("teacher", "ban-g1", "ban-g2");
    assertThat(spec.arm("ban-g3").distill().teacher().armNames()).containsExactly("teacher", "ban-g1", "ban-g2");
    assertThat(SpecReader.parseResolved(SpecReader.toJson(spec))).isEqualTo(spec);
  }

  @Test
  void bornAgain_errorsNameTheFieldsAsWritten() {
    assertThat(error("""
        arms:
          - {name: ban, task: t, bornAgain: {generations: 0}}
        """).getMessage()).contains("arms[0].bornAgain.generations").contains("must be in [1, 100], got 0");
    assertThat(error("""
        arms:
          - {name: ban, task: t, bornAgain: {teacher: previous}}
        """).getMessage()).contains("arms[0].bornAgain.generations").contains("is required");
    assertThat(error("""
        arms:
          - {name: ban, task: t, bornAgain: {generations: 2, teacher: best}}
        """).getMessage()).contains("arms[0].bornAgain.teacher").contains("allowed: previous, all");
    assertThat(error("""
        arms:
          - {name: teacher, task: t}
          - {name: ban, task: t, bornAgain: {generations: 2}, distill: {teacher: {arm: teacher}}}
        """).getMessage()).contains("arms[1].distill.teacher").contains("bornAgain sets each generation's teacher");
    assertThat(error("""
        arms:
          - {name: ban, task: t, bornAgain: {generations: 2}, distill: {alpha: 2}}
        """).getMessage()).contains("arms[0](ban-g2).distill.alpha").contains("must be in [0.0, 1.0], got 2.0");
    assertThat(error("""
        arms:
          - {name: ban, task: t, bornAgain: {generations: 2}}
          - {name: student, task: t, distill: {teacher: {arm: ban}}}
        """).getMessage()).contains("arms[1].distill.teacher.arm").contains("born again as 2 generations (ban-g1, ban-g2)");
  }

  @Test
  void bornAgain_fromAnotherArchitecture_isRefusedUnlessSaid() {
    String arms = """
        arms:
          - {name: teacher, task: t, model: {type: cnn, channels: [4, 8], hidden: 16}}
          - {name: ban, task: t, bornAgain: {generations: 2, from: teacher%s}}
        """;
    assertThat(error(arms.formatted("")).getMessage()).contains("arms[1].bornAgain.from")
        .contains("born-again generations share one architecture").contains("architectureChange: true");
    ExperimentSpec spec = read(arms.formatted(", architectureChange: true"));
    assertThat(spec.arm("ban-g1").distill().teacher()).isEqualTo(TeacherSpec.ofArm("teacher"));
    assertThat(spec.arm("ban-g1").generation().architectureChange()).isTrue();
    assertThat(error("""
        arms:
          - {name: ban, task: t, bornAgain: {generations: 2, architectureChange: true}}
        """).getMessage()).contains("arms[0].bornAgain.architectureChange").contains("there is none");
    assertThat(error("""
        arms:
          - {name: teacher, task: other}
          - {name: ban, task: t, bornAgain: {generations: 2, from: teacher}}
        """).getMessage()).contains("arms[1](ban-g1).distill.teacher.arm").contains("predicts classes [2, 3]");
  }

  @Test
  void psKd_defaultsToThePapersAlpha_andRefusesWhatItCannotDo() {
    ExperimentSpec spec = read("""
        arms:
          - {name: pskd, task: t, psKd: {}}
        """);
    assertThat(spec.arm("pskd").psKd().alpha()).isEqualTo(PsKdSpec.DEFAULT_ALPHA);
    assertThat(spec.arm("pskd").psKd().alphaAt(1, 4)).isEqualTo(0.2);
    assertThat(spec.arm("pskd").psKd().alphaAt(4, 4)).isEqualTo(0.8);
    assertThat(SpecReader.parseResolved(SpecReader.toJson(spec))).isEqualTo(spec);
    assertThat(SpecReader.toJson(read("arms:\n  - {name: plain, task: t}\n"))).doesNotContain("psKd").doesNotContain("generation");

    assertThat(error("""
        arms:
          - {name: pskd, task: t, psKd: {alpha: 0}}
        """).getMessage()).contains("arms[0].psKd.alpha").contains("must be in (0, 1], got 0.0");
    assertThat(error("""
        arms:
          - {name: teacher, task: t}
          - {name: pskd, task: t, psKd: {alpha: 0.5}, distill: {teacher: {arm: teacher}}}
        """).getMessage()).contains("arms[1].psKd").contains("remove psKd or distill");
    assertThat(error("""
        arms:
          - {name: pskd, task: t, psKd: {}, ensemble: {members: 2}}
        """).getMessage()).contains("arms[0].psKd");
  }

  @Test
  void teacherArms_mustBeEarlierArmsNamedOnce() {
    assertThat(error("""
        arms:
          - {name: a, task: t}
          - {name: s, task: t, distill: {teacher: {arms: [a, later]}}}
          - {name: later, task: t}
        """).getMessage()).contains("arms[1].distill.teacher.arms[1]").contains("names no earlier arm: 'later'");
    assertThat(error("""
        arms:
          - {name: a, task: t}
          - {name: s, task: t, distill: {teacher: {arms: [a, a]}}}
        """).getMessage()).contains("arms[1].distill.teacher.arms").contains("names an arm twice");
    assertThat(error("""
        arms:
          - {name: a, task: t}
          - {name: s, task: t, distill: {teacher: {arm: a, arms: [a]}}}
        """).getMessage()).contains("arms[1].distill.teacher").contains("exactly one of");
  }
}
