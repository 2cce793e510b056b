package dev.mentor.training.loop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mentor.messages.spec.EarlyStoppingSpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EarlyStoppingTest {
  /** Feeds (loss, accuracy) pairs as epochs 1.. and returns [isBest, shouldStop] per epoch. */
  private static List<String> run(EarlyStopping stopping, double[] losses, double[] accuracies) {
    List<String> decisions = new ArrayList<>();
    for (int i = 0; i < losses.length; i++) {
      boolean best = stopping.record(i + 1, losses[i], accuracies[i]);
      decisions.add((best ? "best" : "-") + (stopping.shouldStop() ? "/stop" : ""));
    }
    return decisions;
  }

  private static double[] zeros(int n) {
    return new double[n];
  }

  @Test
  void loss_patience2_stopsTwoEpochsAfterTheBest() {
    EarlyStopping stopping = new EarlyStopping(new EarlyStoppingSpec(2, EarlyStoppingSpec.Metric.LOSS, 0.0));
    assertThat(run(stopping, new double[] {1.0, 0.8, 0.85, 0.9}, zeros(4)))
        .containsExactly("best", "best", "-", "-/stop");
    assertThat(stopping.bestEpoch()).isEqualTo(2);
    assertThat(stopping.metric()).isEqualTo(EarlyStoppingSpec.Metric.LOSS);
  }

  @Test
  void loss_anImprovementResetsPatience() {
    EarlyStopping stopping = new EarlyStopping(new EarlyStoppingSpec(2, EarlyStoppingSpec.Metric.LOSS, 0.0));
    assertThat(run(stopping, new double[] {1.0, 1.1, 0.9, 1.0, 0.95, 0.97}, zeros(6)))
        .containsExactly("best", "-", "best", "-", "-/stop", "-/stop");
    assertThat(stopping.bestEpoch()).isEqualTo(3);
  }

  @Test
  void loss_equalToTheBestIsNoImprovement() {
    EarlyStopping stopping = new EarlyStopping(new EarlyStoppingSpec(1, EarlyStoppingSpec.Metric.LOSS, 0.0));
    assertThat(run(stopping, new double[] {0.5, 0.5}, zeros(2))).containsExactly("best", "-/stop");
    assertThat(stopping.bestEpoch()).isEqualTo(1);
  }

  @Test
  void minDelta_onlyImprovementsLargerThanItCount() {
    EarlyStopping stopping = new EarlyStopping(new EarlyStoppingSpec(3, EarlyStoppingSpec.Metric.LOSS, 0.1));
    // 0.95 is within 0.1 of 1.0; 0.85 beats 1.0 by 0.15; 0.8 is within 0.1 of 0.85.
    assertThat(run(stopping, new double[] {1.0, 0.95, 0.85, 0.8, 0.78, 0.76}, zeros(6)))
        .containsExactly("best", "-", "best", "-", "-", "-/stop");
    assertThat(stopping.bestEpoch()).isEqualTo(3);
  }

  @Test
  void accuracy_higherIsBetter_andLossIsIgnored() {
    double[] losses = {1.0, 0.9, 0.8, 0.7, 0.6};
    double[] accuracies = {0.5, 0.6, 0.6, 0.55, 0.58};
    EarlyStopping byAccuracy = new EarlyStopping(new EarlyStoppingSpec(3, EarlyStoppingSpec.Metric.ACCURACY, 0.0));
    assertThat(run(byAccuracy, losses, accuracies)).containsExactly("best", "best", "-", "-", "-/stop");
    assertThat(byAccuracy.bestEpoch()).isEqualTo(2);

    // The same epochs judged by loss improve every time.
    EarlyStopping byLoss = new EarlyStopping(new EarlyStoppingSpec(3, EarlyStoppingSpec.Metric.LOSS, 0.0));
    assertThat(run(byLoss, losses, accuracies)).containsOnly("best");
    assertThat(byLoss.bestEpoch()).isEqualTo(5);
  }

  @Test
  void accuracy_withMinDelta() {
    EarlyStopping stopping = new EarlyStopping(new EarlyStoppingSpec(2, EarlyStoppingSpec.Metric.ACCURACY, 0.05));
    // 0.54 is within 0.05 of 0.5; 0.56 beats 0.5 by 0.06; 0.62 beats 0.56 by 0.06; 0.65 and 0.66 do not beat 0.62 by 0.05.
    assertThat(run(stopping, new double[5], new double[] {0.5, 0.54, 0.56, 0.62, 0.65}))
        .containsExactly("best", "-", "best", "best", "-");
    assertThat(run(stopping, new double[1], new double[] {0.66})).containsExactly("-/stop");
    assertThat(stopping.bestEpoch()).isEqualTo(4);
  }

  @Test
  void stateAndRestore_roundTrip_continuesWithTheSameDecisions() {
    EarlyStoppingSpec spec = new EarlyStoppingSpec(3, EarlyStoppingSpec.Metric.LOSS, 0.01);
    EarlyStopping original = new EarlyStopping(spec);
    run(original, new double[] {1.0, 0.7, 0.8}, zeros(3));
    double[] state = original.state();
    assertThat(state).containsExactly(0.7, 2, 1);

    EarlyStopping resumed = new EarlyStopping(spec);
    resumed.restore(state.clone());
    assertThat(resumed.bestEpoch()).isEqualTo(2);
    assertThat(resumed.state()).containsExactly(state);

    double[] rest = {0.75, 0.695, 0.71};
    List<String> expected = new ArrayList<>();
    List<String> actual = new ArrayList<>();
    for (int i = 0; i < rest.length; i++) {
      expected.add(original.record(4 + i, rest[i], 0) + "/" + original.shouldStop());
      actual.add(resumed.record(4 + i, rest[i], 0) + "/" + resumed.shouldStop());
    }
    // 0.75: no; 0.695: within minDelta of 0.7, no -> patience 3 reached
    assertThat(actual).isEqualTo(expected).containsExactly("false/false", "false/true", "false/true");
    assertThat(resumed.bestEpoch()).isEqualTo(original.bestEpoch()).isEqualTo(2);
  }

  @Test
  void stateAndRestore_ofAFreshInstance_keepsTheFirstEpochAsBest() {
    EarlyStoppingSpec spec = new EarlyStoppingSpec(1, EarlyStoppingSpec.Metric.ACCURACY, 0.0);
    EarlyStopping resumed = new EarlyStopping(spec);
    resumed.restore(new EarlyStopping(spec).state());
    assertThat(resumed.record(1, 5.0, 0.1)).isTrue();
    assertThat(resumed.bestEpoch()).isEqualTo(1);
    assertThat(resumed.shouldStop()).isFalse();
  }
}
