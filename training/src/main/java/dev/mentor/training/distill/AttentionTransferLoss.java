package dev.mentor.training.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.loss.Loss;
import dev.mentor.messages.spec.FeatureTermSpec.Form;
import dev.mentor.training.engine.Scalars;
import java.util.Objects;

/**
 * Activation-based attention transfer (name {@code "attention"}; Zagoruyko and Komodakis 2017).
 * Labels hold the teacher's feature map {@code A} of shape (b, C, H, W), predictions the student's
 * of shape (b, C', H', W'); channel counts may differ. Each becomes a spatial attention map
 * {@code Q = Σ_c |A_c|^p} of shape (b, H, W); the student's is resampled to the teacher's H×W with
 * {@link FeatureResampling#resize} when their sizes differ. Both are flattened to (b, H·W) and each
 * sample's row divided by {@code max(‖Q_i‖₂, 1e-12)}. The loss, a scalar, has one of two forms
 * ({@link Form}):
 * <ul>
 *   <li>{@code paper}: the paper's equation, {@code (1/b) Σ_i ‖Q̂_S,i − Q̂_T,i‖₂}, the unsquared
 *       L2 distance averaged over the batch;</li>
 *   <li>{@code reference-code}: the authors' code ({@code at_loss = (at(x) − at(y)).pow(2).mean()},
 *       added as β/2 · at_loss), {@code (1/2) · (1/(b·H·W)) Σ_i Σ_s (Q̂_S,i,s − Q̂_T,i,s)²}: the
 *       factor 1/2 is here and β is the term's weight. (Their map averages rather than sums over
 *       channels, which the normalisation cancels.)</li>
 * </ul>
 */
public final class AttentionTransferLoss extends Loss {
  private final double p;
  private final Form form;

  /** The paper's form; {@code p} is the exponent of the attention map (the paper and Mentor's default use 2). */
  public AttentionTransferLoss(double p) {
    this(p, Form.PAPER);
  }

  /** {@code form}: {@code paper} or {@code reference-code} (see the class comment). */
  public AttentionTransferLoss(double p, Form form) {
    super("attention");
    this.p = Arguments.positive("attention exponent p", p);
    this.form = Objects.requireNonNull(form, "form");
  }

  public double p() {
    return p;
  }

  public Form form() {
    return form;
  }

  @Override
  public NDArray evaluate(NDList labels, NDList predictions) {
    NDArray teacher = labels.singletonOrThrow();
    NDArray student = predictions.singletonOrThrow();
    Shape teacherShape = teacher.getShape();
    Shape studentShape = student.getShape();
    if (teacherShape.dimension() != 4 || studentShape.dimension() != 4) {
      throw new IllegalArgumentException("attention transfer needs feature maps of shape (batch, channels, height, width), got teacher "
          + teacherShape + " and student " + studentShape);
    }
    if (teacherShape.get(0) != studentShape.get(0)) {
      throw new IllegalArgumentException("attention transfer needs teacher and student maps of the same batch size, got teacher "
          + teacherShape + " and student " + studentShape);
    }
    long batch = teacherShape.get(0);
    NDArray studentMap = FeatureResampling.resize(attentionMap(student), teacherShape.get(2), teacherShape.get(3));
    NDArray difference = normalised(studentMap).sub(normalised(attentionMap(teacher)));
    if (form == Form.REFERENCE_CODE) {
      NDArray mean = difference.square().mean();
      return mean.mul(Scalars.of(mean, 0.5));
    }
    NDArray total = difference.norm(new int[] {1}).sum();
    return total.div(Scalars.of(total, batch));
  }

  private NDArray attentionMap(NDArray features) {
    return features.abs().pow(Scalars.of(features, p)).sum(new int[] {1});
  }

  private static NDArray normalised(NDArray map) {
    return Rows.l2Normalised(map.reshape(map.getShape().get(0), -1));
  }
}
