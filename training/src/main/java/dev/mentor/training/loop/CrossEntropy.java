package dev.mentor.training.loop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.loss.Loss;

/**
 * Softmax cross-entropy against integer class labels, mean-reduced over the batch:
 * {@code -(1/b) Σ_i log softmax(z_i)[y_i]}. The same quantity is the negative log-likelihood
 * reported by evaluation, so training and validation losses are comparable.
 */
public final class CrossEntropy extends Loss {
  public CrossEntropy() {
    super("ce");
  }

  @Override
  public NDArray evaluate(NDList labels, NDList predictions) {
    NDArray logits = predictions.singletonOrThrow();
    NDArray picked = logits.logSoftmax(1).get(new NDIndex().addAllDim().addPickDim(labels.singletonOrThrow().reshape(-1, 1)));
    return picked.mean().neg();
  }
}
