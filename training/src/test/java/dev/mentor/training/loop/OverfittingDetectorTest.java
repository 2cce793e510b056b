package dev.mentor.training.loop;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OverfittingDetectorTest {
  private static List<Boolean> run(OverfittingDetector detector, double[][] epochs) {
    List<Boolean> flags = new ArrayList<>();
    for (double[] e : epochs) {
      flags.add(detector.record(e[0], e[1]));
    }
    return flags;
  }

  @Test
  void flagsOnlyTheEpochWhereTrainFallingAndValidationRisingReachesTheThreshold() {
    OverfittingDetector detector = new OverfittingDetector(2);
    double[][] epochs = {
        {1.0, 1.0}, // first epoch: nothing to compare
        {0.9, 1.1}, // diverging, streak 1
        {0.8, 1.2}, // streak 2 -> flagged
        {0.7, 1.3}, // streak 3: already reported
    };
    assertThat(run(detector, epochs)).containsExactly(false, false, true, false);
  }

  @Test
  void theStreakBreaksWhenValidationImprovesOrTrainingStopsImproving() {
    OverfittingDetector detector = new OverfittingDetector(2);
    double[][] epochs = {
        {1.0, 1.0},
        {0.9, 1.1}, // streak 1
        {0.8, 1.05}, // validation fell: 0
        {0.7, 1.1}, // streak 1
        {0.75, 1.2}, // training rose: 0
        {0.7, 1.3}, // streak 1
        {0.7, 1.4}, // training flat (not falling): 0
        {0.6, 1.5}, // 1
        {0.5, 1.6}, // 2 -> flagged
    };
    assertThat(run(detector, epochs)).containsExactly(false, false, false, false, false, false, false, false, true);
  }

  @Test
  void thresholdOne_flagsTheFirstDivergingEpoch() {
    assertThat(run(new OverfittingDetector(1), new double[][] {{1, 1}, {0.9, 1.1}, {0.8, 1.2}})).containsExactly(false, true, false);
  }

  @Test
  void stateAndRestore_roundTrip_continuesTheStreak() {
    OverfittingDetector original = new OverfittingDetector(3);
    run(original, new double[][] {{1.0, 1.0}, {0.9, 1.1}, {0.8, 1.2}});
    assertThat(original.state()).containsExactly(0.8, 1.2, 2);

    OverfittingDetector resumed = new OverfittingDetector(3);
    resumed.restore(original.state());
    assertThat(resumed.state()).containsExactly(original.state());
    assertThat(resumed.record(0.7, 1.3)).isTrue();
    assertThat(original.record(0.7, 1.3)).isTrue();
  }

  @Test
  void restoringAFreshState_treatsTheNextEpochAsTheFirst() {
    OverfittingDetector resumed = new OverfittingDetector(1);
    resumed.restore(new OverfittingDetector(1).state());
    assertThat(resumed.record(0.1, 100)).isFalse();
    assertThat(resumed.record(0.05, 200)).isTrue();
  }
}
