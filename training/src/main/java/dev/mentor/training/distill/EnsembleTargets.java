package dev.mentor.training.distill;

import ai.djl.ndarray.NDArray;
import dev.mentor.training.engine.Scalars;

/**
 * Turns the logits of a teacher ensemble, sample-major of shape (b, m, k) for m members (m = 1
 * for a single teacher), into the soft targets a student learns from. Two conventions exist and
 * give different targets when members disagree: the mean of the members' tempered probabilities,
 * {@code (1/m) Σ_j softmax(z_j / T)} (the default), or the tempered softmax of the mean logits,
 * {@code softmax(((1/m) Σ_j z_j) / T)}. Softmax runs over the class axis, the mean over the
 * members' axis 1; the result has shape (b, k).
 */
public final class EnsembleTargets {
  /** The members' axis of the teacher's logits (batch, members, classes). */
  private static final int MEMBERS = 1;

  private EnsembleTargets() {}

  /**
   * Soft targets of shape (b, k): {@code (1/m) Σ_j softmax(z_j / T)} when {@code averageLogits}
   * is false, {@code softmax(meanLogits(z) / T)} when it is true.
   */
  public static NDArray probabilities(NDArray memberLogits, double temperature, boolean averageLogits) {
    requireMembersBatchClasses(memberLogits);
    Arguments.positive("temperature", temperature);
    return averageLogits
        ? tempered(meanLogits(memberLogits), temperature).softmax(1)
        : tempered(memberLogits, temperature).softmax(2).mean(new int[] {MEMBERS});
  }

  /** The members' mean logits {@code (1/m) Σ_j z_j}, shape (b, k). */
  public static NDArray meanLogits(NDArray memberLogits) {
    requireMembersBatchClasses(memberLogits);
    return memberLogits.mean(new int[] {MEMBERS});
  }

  private static void requireMembersBatchClasses(NDArray memberLogits) {
    if (memberLogits.getShape().dimension() != 3) {
      throw new IllegalArgumentException("ensemble logits need shape (batch, members, classes), got " + memberLogits.getShape());
    }
  }

  private static NDArray tempered(NDArray logits, double temperature) {
    return logits.div(Scalars.of(logits, temperature));
  }
}
