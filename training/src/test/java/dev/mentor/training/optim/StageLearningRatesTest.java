package dev.mentor.training.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.mentor.messages.spec.ModelSpec;
import dev.mentor.messages.spec.ScheduleSpec;
import dev.mentor.training.model.ModelZoo;
import dev.mentor.training.model.StagedModel;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StageLearningRatesTest {
  private static final ModelSpec CNN = new ModelSpec(ModelSpec.Type.CNN, null, List.of(4, 8), 16, null, null);

  @Test
  void layerDecayHalf_headLearnsAtThePeak_andEachEarlierStageAtHalfTheNext() {
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = ModelZoo.create(CNN, 3, new Shape(1, 8, 8), manager, 1);
      StageLearningRates rates = new StageLearningRates(model, 0.1, 0.5, new Schedule(ScheduleSpec.constant(), 5, 2));

      Map<String, Double> expected = Map.of("head", 0.1, "stage3", 0.05, "stage2", 0.025, "stage1", 0.0125);
      expected.forEach((stage, rate) -> {
        assertThat(rates.rate(stage, 0)).as(stage).isCloseTo(rate, within(1e-12));
        for (Parameter p : model.namedParameters(stage).values()) {
          assertThat((double) rates.getNewValue(p.getId(), 3)).as(stage + " " + p.getName()).isCloseTo(rate, within(1e-8));
        }
      });
    }
  }

  @Test
  void layerDecayOne_isUniform() {
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = ModelZoo.create(CNN, 3, new Shape(1, 8, 8), manager, 1);
      StageLearningRates rates = new StageLearningRates(model, 0.01, 1.0, new Schedule(ScheduleSpec.constant(), 5, 2));
      model.namedParameters().values().forEach(p -> assertThat(rates.getNewValue(p.getId(), 0)).isEqualTo(0.01f));
    }
  }

  @Test
  void rates_followTheSchedule() {
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = ModelZoo.create(CNN, 3, new Shape(1, 8, 8), manager, 1);
      // 1 warmup epoch of 3 steps: factors 1/4, 2/4, 3/4, then 1
      Schedule schedule = new Schedule(new ScheduleSpec(1.0, ScheduleSpec.Decay.NONE, null, null, null), 3, 4);
      StageLearningRates rates = new StageLearningRates(model, 0.2, 0.5, schedule);
      String stage2Weight = model.namedParameters().get("stage2/01Conv2d_weight").getId();
      assertThat((double) rates.getNewValue(stage2Weight, 0)).isCloseTo(0.05 * 0.25, within(1e-8));
      assertThat((double) rates.getNewValue(stage2Weight, 2)).isCloseTo(0.05 * 0.75, within(1e-8));
      assertThat((double) rates.getNewValue(stage2Weight, 3)).isCloseTo(0.05, within(1e-8));
      assertThat(rates.rate("head", 1)).isCloseTo(0.1, within(1e-12));
    }
  }

  @Test
  void unknownParameter_isRejected() {
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = ModelZoo.create(CNN, 3, new Shape(1, 8, 8), manager, 1);
      StageLearningRates rates = new StageLearningRates(model, 0.1, 0.5, new Schedule(ScheduleSpec.constant(), 5, 2));
      assertThatThrownBy(() -> rates.getNewValue("no-such-id", 0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("no-such-id");
    }
  }
}
