package dev.mentor.messages.spec;

/**
 * Progressive self-knowledge distillation (Kim et al. 2021, PS-KD): the arm is its own teacher.
 * At epoch t of E its target for a sample is {@code (1 − α_t)·y + α_t·p_{t−1}}, the one-hot label
 * mixed with the model's own prediction for that sample in the previous epoch, with
 * {@code α_t = alpha · t / E} growing linearly over training; the loss is the cross-entropy
 * against that target (batch mean). As in the authors' code, {@code p_{t−1}} is the softmax the
 * model gave the sample in its training forward pass of the previous epoch (augmented input,
 * training mode), and the first epoch's "previous predictions" are the labels themselves. The
 * predictions are kept per sample id and checkpointed with the run, so a resumed run continues
 * with the same targets.
 */
public record PsKdSpec(Double alpha) {
  /** The paper's α_T for its image classification experiments. */
  public static final double DEFAULT_ALPHA = 0.8;

  public PsKdSpec {
    alpha = alpha == null ? DEFAULT_ALPHA : alpha;
    if (!(alpha > 0 && alpha <= 1)) {
      throw new SpecException("alpha", "is the weight of the model's past predictions at the last epoch and must be in (0, 1], got " + alpha);
    }
  }

  /** α_t at epoch {@code epoch} (from 1) of {@code epochs}. */
  public double alphaAt(int epoch, int epochs) {
    return alpha * Math.min(epoch, epochs) / epochs;
  }
}
