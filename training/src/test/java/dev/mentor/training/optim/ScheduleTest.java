package dev.mentor.training.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.mentor.messages.spec.ScheduleSpec;
import dev.mentor.messages.spec.SpecName;
import org.junit.jupiter.api.Test;

class ScheduleTest {
  private static ScheduleSpec spec(double warmupEpochs, String decay, double minLrFactor, int stepEpochs, double stepFactor) {
    return new ScheduleSpec(warmupEpochs, SpecName.parse(ScheduleSpec.Decay.class, decay), minLrFactor, stepEpochs, stepFactor);
  }

  @Test
  void constant_isOneAtEveryStep() {
    Schedule schedule = new Schedule(ScheduleSpec.constant(), 7, 3);
    for (int step = 0; step < 30; step++) {
      assertThat(schedule.factor(step)).isEqualTo(1.0);
    }
  }

  @Test
  void warmup_risesLinearlyFromOneOverWPlusOne_toOne() {
    // 1 warmup epoch of 4 steps: w = 4
    Schedule schedule = new Schedule(spec(1.0, "none", 0, 10, 0.1), 4, 5);
    assertThat(schedule.factor(0)).isCloseTo(1 / 5.0, within(1e-12));
    assertThat(schedule.factor(1)).isCloseTo(2 / 5.0, within(1e-12));
    assertThat(schedule.factor(2)).isCloseTo(3 / 5.0, within(1e-12));
    assertThat(schedule.factor(3)).isCloseTo(4 / 5.0, within(1e-12));
    assertThat(schedule.factor(4)).isEqualTo(1.0);
    assertThat(schedule.factor(19)).isEqualTo(1.0);
    assertThat(schedule.getNewValue(0)).isEqualTo(0.2f);
  }

  @Test
  void warmup_fractionalEpochs_roundToWholeSteps() {
    // 0.5 epoch of 4 steps = 2 warmup steps
    Schedule schedule = new Schedule(spec(0.5, "none", 0, 10, 0.1), 4, 5);
    assertThat(schedule.factor(0)).isCloseTo(1 / 3.0, within(1e-12));
    assertThat(schedule.factor(1)).isCloseTo(2 / 3.0, within(1e-12));
    assertThat(schedule.factor(2)).isEqualTo(1.0);
  }

  @Test
  void cosine_startsAtOne_passesTheMidpointHalfway_andEndsAtTheMinimum() {
    // 2 epochs of 10 steps, no warmup: 20 steps, minimum 0.1
    Schedule schedule = new Schedule(spec(0, "cosine", 0.1, 10, 0.1), 10, 2);
    assertThat(schedule.factor(0)).isCloseTo(1.0, within(1e-12));
    assertThat(schedule.factor(10)).isCloseTo(0.55, within(1e-12));
    assertThat(schedule.factor(5)).isCloseTo(0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI / 4)), within(1e-12));
    // the last step (19) is just above the minimum, reached just after it
    assertThat(schedule.factor(19)).isCloseTo(0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * 19 / 20)), within(1e-12)).isGreaterThan(0.1);
    assertThat(schedule.factor(20)).isCloseTo(0.1, within(1e-12));
    assertThat(schedule.factor(25)).isCloseTo(0.1, within(1e-12));
    for (int step = 1; step <= 20; step++) {
      assertThat(schedule.factor(step)).isLessThan(schedule.factor(step - 1));
    }
  }

  @Test
  void cosine_afterWarmup_decaysOverTheRemainingSteps() {
    // 3 epochs of 10 steps, 1 warmup epoch: warmup steps 0..9, cosine over steps 10..30
    Schedule schedule = new Schedule(spec(1.0, "cosine", 0.0, 10, 0.1), 10, 3);
    assertThat(schedule.factor(0)).isCloseTo(1 / 11.0, within(1e-12));
    assertThat(schedule.factor(9)).isCloseTo(10 / 11.0, within(1e-12));
    assertThat(schedule.factor(10)).isCloseTo(1.0, within(1e-12));
    assertThat(schedule.factor(20)).isCloseTo(0.5, within(1e-12));
    assertThat(schedule.factor(30)).isCloseTo(0.0, within(1e-12));
  }

  @Test
  void stepDecay_multipliesByTheFactorEveryStepEpochs() {
    // every 2 epochs of 3 steps (6 steps), times 0.5
    Schedule schedule = new Schedule(spec(0, "step", 0, 2, 0.5), 3, 10);
    for (int step = 0; step < 6; step++) {
      assertThat(schedule.factor(step)).as("step %d", step).isEqualTo(1.0);
    }
    for (int step = 6; step < 12; step++) {
      assertThat(schedule.factor(step)).as("step %d", step).isEqualTo(0.5);
    }
    assertThat(schedule.factor(12)).isEqualTo(0.25);
    assertThat(schedule.factor(29)).isEqualTo(0.0625); // 0.5^floor(29 / 6) = 0.5^4
  }
}
