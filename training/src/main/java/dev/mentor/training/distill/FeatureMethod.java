package dev.mentor.training.distill;

import ai.djl.ndarray.types.Shape;
import ai.djl.training.loss.Loss;
import dev.mentor.messages.spec.FeatureTermSpec.Method;
import dev.mentor.messages.spec.FeatureTermSpec;

/**
 * A feature-distillation method ({@code distill.features[].method}): its loss for one pair of
 * stage outputs, whether the student's side passes through a trainable regressor first, which
 * stage shapes it can match, and how it is written out. Registered by its method in
 * {@link DistillationMethods}.
 */
public interface FeatureMethod {
  /** The method it implements, named in the spec as e.g. {@code attention}. */
  Method method();

  /** The loss of one stage pair: labels are the teacher's stage output, predictions the student's (regressed when {@link #regressed()}). */
  Loss loss(FeatureTermSpec term);

  /** Whether the student's stage output passes through a trainable {@link HintRegressor} (FitNets). */
  default boolean regressed() {
    return false;
  }

  /** Why the method cannot match per-sample stage shapes {@code student} and {@code teacher}; null when it can. */
  String problem(Shape student, Shape teacher);

  /** The term written out for the loss description, after its weight and {@code Σ_pairs}. */
  String formula(FeatureTermSpec term);
}
