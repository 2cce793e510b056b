package dev.mentor.training.distill;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.types.Shape;
import dev.mentor.messages.spec.DistillSpec.LogitMode;
import dev.mentor.messages.spec.FeatureTermSpec.Method;
import org.junit.jupiter.api.Test;

/** The registry implements exactly the methods a spec may name, and each answers for itself. */
class DistillationMethodsTest {
  @Test
  void everyMethodTheSpecAllowsIsRegisteredUnderItsOwnName() {
    assertThat(DistillationMethods.logitModes()).containsExactly(LogitMode.values());
    assertThat(DistillationMethods.featureMethods()).containsExactly(Method.values());
    for (LogitMode mode : LogitMode.values()) {
      assertThat(DistillationMethods.logits(mode).mode()).isEqualTo(mode);
    }
    for (Method method : Method.values()) {
      assertThat(DistillationMethods.feature(method).method()).isEqualTo(method);
    }
  }

  @Test
  void eachFeatureMethodSaysWhichStageShapesItCanMatch() {
    Shape map = new Shape(8, 7, 7);
    Shape vector = new Shape(32);
    assertThat(DistillationMethods.feature(Method.ATTENTION).problem(vector, map)).contains("needs feature maps");
    assertThat(DistillationMethods.feature(Method.SIMILARITY).problem(vector, map)).isNull();
    assertThat(DistillationMethods.feature(Method.FITNETS).problem(vector, map)).isNull();
    assertThat(DistillationMethods.feature(Method.FITNETS).regressed()).isTrue();
    assertThat(DistillationMethods.feature(Method.ATTENTION).regressed()).isFalse();
  }
}
