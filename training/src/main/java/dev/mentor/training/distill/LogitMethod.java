package dev.mentor.training.distill;

import ai.djl.ndarray.NDArray;
import dev.mentor.messages.spec.DistillSpec.LogitMode;
import dev.mentor.messages.spec.DistillSpec;
import java.util.function.DoubleFunction;

/**
 * How a student learns from its teacher's logits ({@code distill.logits}): the loss term at
 * weight α, the target it reads from the teacher's members' logits, and how the method is
 * written out in the loss description, the explainer and the report. Registered by its mode in
 * {@link DistillationMethods}.
 */
public interface LogitMethod {
  /** The mode it implements, named in the spec as e.g. {@code soft-targets}. */
  LogitMode mode();

  /** The logit term of the loss at weight {@code alpha}; null when the method has none. */
  CompositeLoss.Term term(DistillSpec spec, double alpha);

  /**
   * The teacher's target the term reads, from the members' logits {@code [batch, members, classes]},
   * named as the term's label; null when the method reads no teacher logits.
   */
  NDArray target(NDArray memberLogits, DistillSpec spec);

  /** Whether the term is softened at {@code temperature}. */
  default boolean tempered() {
    return false;
  }

  /** Whether the term reads the teacher's logits (the teacher must run, or be cached, for it); such a term is weighted by α. */
  default boolean readsTeacherLogits() {
    return true;
  }

  /** The loss written out, from the cross-entropy on: e.g. {@code (1 − α)·CE(y, p_S) + α·MSE(z_S, z_T) (...)}. */
  String formula(DistillSpec spec);

  /** How an ensemble teacher's members make the target, for the loss description; empty without a target. */
  String ensembleTarget(DistillSpec spec, int members);

  /** The term's constants for a person reading the spec, e.g. {@code , with α = 0.5}; {@code number} formats a value. */
  String constants(DistillSpec spec, DoubleFunction<String> number);

  /** The method in a few words, for the report's table. */
  String shortName(DistillSpec spec);
}
