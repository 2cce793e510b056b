package dev.mentor.training.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecReader;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mentor validate --explain}: what each arm trains, read from the code paths that train it. */
class SpecExplainerTest {
  @TempDir Path base;

  private String explain(String arms) {
    ExperimentSpec spec = SpecReader.parse("""
        name: explained
        seeds: [3, 4]
        data: {source: synthetic, syntheticClasses: 6, syntheticPerClass: 60}
        tasks:
          source: {classes: [0, 1, 2], perClass: 40, validationPerClass: 10}
          target: {classes: [2, 1, 0], perClass: 5, testPerClass: 10}
        defaults: {epochs: 2, batchSize: 16, model: {type: cnn, channels: [4, 8], hidden: 16, dropout: 0.25}}
        arms:
          - {name: pre, task: source}
        %s
        """.formatted(arms.indent(2)));
    return new ExperimentRunner(spec, base, base.resolve("out")).explain();
  }

  @Test
  void tasksShowLabelsClassesAndSamplesPerSplit() {
    String text = explain("");

    assertThat(text).contains("Seeds 3, 4: every arm runs once per seed, 1 arms × 2 seeds = 2 trained models.")
        .contains("- **target**: labels 0 = class-2 (class 2), 1 = class-1 (class 1), 2 = class-0 (class 0). Training 15 samples (5 per class),"
            + " validation 30 (10 per class")
        .contains("test 30 (10 per class)");
  }

  @Test
  void partialFineTuningShowsFrozenStagesTheirBatchNormDropoutAndLayerDecayedRates() {
    String text = explain("- {name: part, task: target, strategy: partial, lastStages: 1, batchNorm: train,"
        + " optimizer: {type: sgd, lr: 0.1, layerDecay: 0.5}, init: {from: pre}}");

    String arm = text.substring(text.indexOf("### part"));
    assertThat(arm).contains("every stage but the head loaded from arm pre trained with the same seed; a new head for this task's 3 classes")
        .contains("SGD (momentum 0.9) at learning rate 0.1", "layer decay 0.5")
        .contains("| stage1 | 44 | frozen | batch statistics, running statistics updated; scale and shift trained | — | 0.0125 (BatchNorm scale and"
            + " shift only) |")
        .contains("| stage3 | ")
        .contains("| head | 51 | trained | — | — | 0.1 |");
  }

  @Test
  void lpFtShowsBothPhasesAndItsStoppingRule() {
    String text = explain("- {name: lpft, task: target, strategy: lp-ft, init: {from: pre}, lpFt: {epochs: 7, lr: 0.05, patience: 2}}");

    assertThat(text).contains("Phase 1 of 2 (probe): 7 epochs", "at learning rate 0.05",
        "stops when validation loss has not improved for 2 epochs, and restores the best epoch's weights")
        .contains("Phase 2 of 2 (finetune): 2 epochs");
  }

  @Test
  void aStudentShowsItsLossWithTheConstantsAndItsTeachersClasses() {
    String text = explain("- {name: teach, task: target}\n- {name: kd, task: target, model: {type: mlp, widths: [8]},"
        + " distill: {teacher: {arm: teach}, temperature: 2, alpha: 0.75}}");

    assertThat(text).contains("### kd (task target, student)")
        .contains("with T = 2 and α = 0.75, i.e. 0.25·CE + 3·KL")
        .contains("Teacher: arm teach (cnn [4, 8] fc16 dropout 0.25, task target) trained with the same seed, in inference mode, predicting"
            + " classes [2, 1, 0] in the order of this task's labels [2, 1, 0]");
  }

  @Test
  void anArmOfASweepSaysWhichPointOfWhichSweepItIs() {
    String text = explain("- {name: teach, task: target}\n- {name: \"kd-t{temperature}\", task: target, model: {type: mlp, widths: [8]},"
        + " distill: {teacher: {arm: teach}, alpha: 0.75}, sweep: {distill.temperature: [2, 4.5], method: {a: {epochs: 1}}}}");

    assertThat(text).contains("### kd-t4.5 (task target, student)\n\nSweep: one arm of arms[2] kd-t{temperature}, at distill.temperature = 4.5,"
        + " method = a.")
        .contains("with T = 4.5 and α = 0.75");
  }

  @Test
  void noAdaptationAndEarlyStoppingAreSaid() {
    String text = explain("- {name: zero, task: source, strategy: none, init: {from: pre, keepHead: true}}\n"
        + "- {name: stop, task: source, earlyStopping: {patience: 3}, overfitting: {stop: true}}\n"
        + "- {name: halt, task: source, overfitting: {epochs: 2, stop: true}}");

    assertThat(text).contains("Training: none. The starting weights, head included, are evaluated unchanged")
        .contains("every stage, head included, loaded from arm pre")
        .contains("Evaluated: the weights of the best validation epoch by loss")
        .contains("Evaluated: the last epoch's weights, on validation, test and shifted test data; overfitting (training loss falling while"
            + " validation loss rises for 2 epochs) ends the run there, and then the best validation epoch's weights by loss are evaluated");
  }
}
