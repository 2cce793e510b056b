package dev.mentor.training.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;
import dev.mentor.training.engine.Scalars;

/**
 * Similarity-preserving distillation (name {@code "similarity"}; Tung and Mori 2019): the student
 * should find the same samples of a batch alike that the teacher does. Labels hold the teacher's
 * features and predictions the student's, each of shape (b, ...) with any trailing shape, flattened
 * to {@code F} of shape (b, d) (d may differ between the two). Each gets the batch's Gram matrix
 * {@code G = F·Fᵀ} of shape (b, b) with every row divided by {@code max(‖G[i,:]‖₂, 1e-12)}, giving
 * {@code G̃}; the loss is {@code ‖G̃_T − G̃_S‖²_F / b²}, the squared Frobenius norm summed over all
 * b² entries and divided by b², a scalar. Scaling either side's features by a positive constant
 * leaves it unchanged.
 */
public final class SimilarityPreservingLoss extends Loss {
  public SimilarityPreservingLoss() {
    super("similarity");
  }

  @Override
  public NDArray evaluate(NDList labels, NDList predictions) {
    NDArray teacher = labels.singletonOrThrow();
    NDArray student = predictions.singletonOrThrow();
    if (teacher.getShape().dimension() < 2 || student.getShape().dimension() < 2
        || teacher.getShape().get(0) != student.getShape().get(0)) {
      throw new IllegalArgumentException("similarity preservation needs teacher and student features of shape (batch, ...) with the same batch size, got teacher "
          + teacher.getShape() + " and student " + student.getShape());
    }
    long batch = teacher.getShape().get(0);
    NDArray sumOfSquares = normalisedGram(teacher).sub(normalisedGram(student)).square().sum();
    return sumOfSquares.div(Scalars.of(sumOfSquares, (double) batch * batch));
  }

  private static NDArray normalisedGram(NDArray features) {
    NDArray flat = features.reshape(features.getShape().get(0), -1);
    return Rows.l2Normalised(flat.matMul(flat.transpose()));
  }
}
