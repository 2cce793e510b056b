package dev.mentor.training.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;

/**
 * FitNets' hint loss (name {@code "hint"}; Romero et al. 2015). Labels hold the teacher's
 * hint-layer output {@code h}, predictions the student's guided-layer output after the
 * {@link HintRegressor}, {@code r}, of the same (any) shape; the loss is the mean over all
 * elements of {@code (r − h)²}, a scalar. FitNets' ½·sum differs from it only by a constant factor.
 */
public final class HintLoss extends Loss {
  public HintLoss() {
    super("hint");
  }

  @Override
  public NDArray evaluate(NDList labels, NDList predictions) {
    return SquaredError.mean(labels.singletonOrThrow(), predictions.singletonOrThrow(), "the hint loss");
  }
}
