package dev.mentor.training.distill;

import ai.djl.ndarray.types.Shape;
import ai.djl.training.loss.Loss;
import dev.mentor.messages.spec.FeatureTermSpec.Form;
import dev.mentor.messages.spec.FeatureTermSpec.Method;
import dev.mentor.messages.spec.FeatureTermSpec;

/** Attention transfer (Zagoruyko and Komodakis), in the paper's form or the authors' code's. */
final class AttentionMethod implements FeatureMethod {
  @Override
  public Method method() {
    return Method.ATTENTION;
  }

  @Override
  public Loss loss(FeatureTermSpec term) {
    return new AttentionTransferLoss(term.p(), term.form());
  }

  @Override
  public String problem(Shape student, Shape teacher) {
    return !FeatureResampling.maps(student, teacher)
        ? "attention transfer needs feature maps (channels, height, width) on both sides; use similarity or fitnets"
        : FeatureResampling.incompatibility(FeatureResampling.spatial(student), FeatureResampling.spatial(teacher));
  }

  @Override
  public String formula(FeatureTermSpec term) {
    return term.form() == Form.REFERENCE_CODE
        ? "½·mean((Q_S − Q_T)²) (attention maps Σ_c|A_c|^" + term.p() + ", L2-normalised; squared differences averaged over batch and"
            + " positions, the authors' code's form: the weight is their β)"
        : "‖Q_S − Q_T‖₂ (attention maps Σ_c|A_c|^" + term.p() + ", L2-normalised, batch mean; the paper's form)";
  }
}
