package dev.mentor.training.distill;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.mentor.messages.spec.ModelSpec;
import dev.mentor.training.data.Normalization;
import dev.mentor.training.model.ModelZoo;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A teacher trained in another experiment was fed inputs standardised with that experiment's
 * statistics; given a student's inputs standardised otherwise, it must see them as in its own
 * training, or it answers for inputs it never saw.
 */
class TeacherTest {
  private static final Shape INPUT = new Shape(1, 8, 8);
  private static final ModelSpec MODEL = new ModelSpec(ModelSpec.Type.CNN, null, List.of(4, 8), 16, null, null);

  @Test
  void aMemberTrainedOnOtherStatisticsSeesTheInputsRestandardisedToThem() {
    Normalization student = new Normalization(0.2f, 0.3f);
    Normalization own = new Normalization(0.5f, 0.1f);
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray raw = manager.randomUniform(0, 1, new Shape(4, 1, 8, 8));
      NDArray asStudent = raw.sub(student.mean()).div(student.std());
      NDArray asOwn = raw.sub(own.mean()).div(own.std());
      ParameterStore store = new ParameterStore(manager, false);

      float[] reference = new Teacher(List.of(ModelZoo.create(MODEL, 3, INPUT, manager, 7)), store, "t").forward(asOwn, Set.of())
          .memberLogits().toFloatArray();
      Teacher rescaling = new Teacher(List.of(ModelZoo.create(MODEL, 3, INPUT, manager, 7)), store, "t", student, List.of(own));
      float[] given = rescaling.forward(asStudent, Set.of()).memberLogits().toFloatArray();
      float[] unscaled = new Teacher(List.of(ModelZoo.create(MODEL, 3, INPUT, manager, 7)), store, "t").forward(asStudent, Set.of())
          .memberLogits().toFloatArray();

      assertThat(rescaling.rescales(0)).isTrue();
      assertThat(rescaling.inputsOf(0)).isEqualTo(own);
      assertThat(maxDifference(given, reference)).as("restandardised").isLessThan(1e-4f);
      assertThat(maxDifference(unscaled, reference)).as("what it answered before: inputs scaled for another model").isGreaterThan(1e-2f);
      assertThat(rescaling.member(0, store).rescales(0)).isTrue();
    }
  }

  @Test
  void aMemberTrainedOnTheSameStatisticsOrWithoutARecordSeesTheInputsAsGiven() {
    Normalization student = new Normalization(0.2f, 0.3f);
    try (NDManager manager = NDManager.newBaseManager()) {
      ParameterStore store = new ParameterStore(manager, false);
      Teacher teacher = new Teacher(List.of(ModelZoo.create(MODEL, 3, INPUT, manager, 7), ModelZoo.create(MODEL, 3, INPUT, manager, 8)), store,
          "t", student, Arrays.asList(new Normalization(0.2f, 0.3f), null));

      assertThat(teacher.rescales(0)).isFalse();
      assertThat(teacher.rescales(1)).isFalse();
      assertThat(teacher.inputsOf(1)).isEqualTo(student);
    }
  }

  private static float maxDifference(float[] a, float[] b) {
    float max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }
}
