package dev.mentor.training.distill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.types.Shape;
import dev.mentor.messages.spec.DistillSpec;
import dev.mentor.messages.spec.FeatureTermSpec;
import org.junit.jupiter.api.Test;

/** The registry knows exactly the methods a spec may name, and each answers for itself. */
class DistillationMethodsTest {
  @Test
  void everyMethodTheSpecAllowsIsRegisteredAndNoOther() {
    assertThat(DistillationMethods.logitNames()).containsExactlyElementsOf(DistillSpec.LOGIT_METHODS);
    assertThat(DistillationMethods.featureNames()).containsExactlyInAnyOrderElementsOf(FeatureTermSpec.METHODS);
  }

  @Test
  void anUnknownNameIsRefusedNamingTheKnownOnes() {
    assertThatThrownBy(() -> DistillationMethods.feature("contrastive")).hasMessageContaining("unknown feature method 'contrastive'")
        .hasMessageContaining("attention, similarity, fitnets");
  }

  @Test
  void eachFeatureMethodSaysWhichStageShapesItCanMatch() {
    Shape map = new Shape(8, 7, 7);
    Shape vector = new Shape(32);
    assertThat(DistillationMethods.feature("attention").problem(vector, map)).contains("needs feature maps");
    assertThat(DistillationMethods.feature("similarity").problem(vector, map)).isNull();
    assertThat(DistillationMethods.feature("fitnets").problem(vector, map)).isNull();
    assertThat(DistillationMethods.feature("fitnets").regressed()).isTrue();
    assertThat(DistillationMethods.feature("attention").regressed()).isFalse();
  }
}
