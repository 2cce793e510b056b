package dev.mentor.training.distill;

import ai.djl.ndarray.types.Shape;
import ai.djl.training.loss.Loss;
import dev.mentor.messages.spec.FeatureTermSpec.Method;
import dev.mentor.messages.spec.FeatureTermSpec;

/** FitNets hints (Romero et al.): a trainable regressor maps the student's stage onto the teacher's, then MSE; one or two stages. */
final class FitNetsMethod implements FeatureMethod {
  @Override
  public Method method() {
    return Method.FITNETS;
  }

  @Override
  public Loss loss(FeatureTermSpec term) {
    return new HintLoss();
  }

  @Override
  public boolean regressed() {
    return true;
  }

  @Override
  public String problem(Shape student, Shape teacher) {
    return FeatureResampling.maps(student, teacher)
        ? FeatureResampling.incompatibility(FeatureResampling.spatial(student), FeatureResampling.spatial(teacher)) : null;
  }

  @Override
  public String formula(FeatureTermSpec term) {
    return "MSE(r(F_S), F_T) (FitNets hint, trainable regressor r" + (term.hintEpochs() > 0 ? "; two-stage: " + term.hintEpochs()
        + " hint epochs first, then without the hint" : ", one stage") + ")";
  }
}
