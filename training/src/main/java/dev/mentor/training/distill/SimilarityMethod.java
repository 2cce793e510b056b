package dev.mentor.training.distill;

import ai.djl.ndarray.types.Shape;
import ai.djl.training.loss.Loss;
import dev.mentor.messages.spec.FeatureTermSpec.Method;
import dev.mentor.messages.spec.FeatureTermSpec;

/** Similarity-preserving distillation (Tung and Mori): batch Gram matrices of any two stages, any widths. */
final class SimilarityMethod implements FeatureMethod {
  @Override
  public Method method() {
    return Method.SIMILARITY;
  }

  @Override
  public Loss loss(FeatureTermSpec term) {
    return new SimilarityPreservingLoss();
  }

  @Override
  public String problem(Shape student, Shape teacher) {
    return null;
  }

  @Override
  public String formula(FeatureTermSpec term) {
    return "‖G_T − G_S‖²_F / b² (row-normalised batch Gram matrices)";
  }
}
