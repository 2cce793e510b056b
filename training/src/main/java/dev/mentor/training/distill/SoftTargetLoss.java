package dev.mentor.training.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;
import dev.mentor.training.engine.Scalars;

/**
 * Hinton et al.'s soft-target distillation loss (name {@code "kd"}). Labels hold the teacher's
 * probabilities {@code p} of shape (b, k), already computed at temperature {@code T}; predictions
 * hold the student's logits {@code s} of shape (b, k). With {@code q_i = log_softmax(s_i / T)} the
 * KL variant is {@code T² · (1/b) Σ_i Σ_c p[i,c] · (log p[i,c] − q_i[c])} and the soft
 * cross-entropy variant is {@code T² · (1/b) Σ_i Σ_c −p[i,c] · q_i[c]}: both summed over classes
 * and averaged over the batch (PyTorch's "batchmean"), to a scalar. They differ by the teacher's
 * entropy, a constant for the student, so their gradients agree: {@code T · (softmax(s/T) − p) / b};
 * the T² keeps that gradient's scale independent of T. A zero teacher probability contributes
 * exactly 0 (0 · log 0 = 0).
 */
public final class SoftTargetLoss extends Loss {
  /** Floors log's argument so that 0 · log 0 gives 0, not NaN; a p below it changes p · log p by under 1e-28. */
  private static final float LOG_FLOOR = 1e-30f;

  private final double temperature;
  private final boolean klDivergence;

  public SoftTargetLoss(double temperature, boolean klDivergence) {
    super("kd");
    this.temperature = Arguments.positive("temperature", temperature);
    this.klDivergence = klDivergence;
  }

  public double temperature() {
    return temperature;
  }

  public boolean klDivergence() {
    return klDivergence;
  }

  @Override
  public NDArray evaluate(NDList labels, NDList predictions) {
    NDArray teacher = labels.singletonOrThrow();
    NDArray studentLogits = predictions.singletonOrThrow();
    if (!teacher.getShape().equals(studentLogits.getShape()) || teacher.getShape().dimension() != 2) {
      throw new IllegalArgumentException("soft targets need teacher probabilities and student logits of the same shape (batch, classes), got "
          + teacher.getShape() + " and " + studentLogits.getShape());
    }
    NDArray studentLogProbabilities = studentLogits.div(Scalars.of(studentLogits, temperature)).logSoftmax(1);
    NDArray perClass = klDivergence
        ? teacher.mul(teacher.maximum(Scalars.of(teacher, LOG_FLOOR)).log().sub(studentLogProbabilities))
        : teacher.mul(studentLogProbabilities).neg();
    long batch = teacher.getShape().get(0);
    return perClass.sum().mul(Scalars.of(perClass, temperature * temperature / batch));
  }
}
