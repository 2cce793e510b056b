package dev.mentor.training.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;

/**
 * Regression of the student's logits onto the teacher's (name {@code "logits"}; Ba and Caruana
 * 2014). Labels hold the teacher's logits {@code t}, predictions the student's logits {@code s},
 * both of shape (b, k); the loss is the mean over all b·k elements of {@code (s − t)²}, a scalar.
 * Unlike soft targets it also transfers the logits' offsets and scale, which softmax discards.
 */
public final class LogitMatchingLoss extends Loss {
  public LogitMatchingLoss() {
    super("logits");
  }

  @Override
  public NDArray evaluate(NDList labels, NDList predictions) {
    return SquaredError.mean(labels.singletonOrThrow(), predictions.singletonOrThrow(), "logit matching");
  }
}
