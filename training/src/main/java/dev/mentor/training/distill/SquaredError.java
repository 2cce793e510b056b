package dev.mentor.training.distill;

import ai.djl.ndarray.NDArray;

/** The mean squared difference shared by the losses that regress a student onto a teacher tensor. */
final class SquaredError {
  private SquaredError() {}

  /** {@code (1/n) Σ (student − teacher)²} over all n elements; the shapes must be equal. */
  static NDArray mean(NDArray teacher, NDArray student, String what) {
    if (!teacher.getShape().equals(student.getShape())) {
      throw new IllegalArgumentException(what + " needs teacher and student tensors of the same shape, got teacher "
          + teacher.getShape() + " and student " + student.getShape());
    }
    return student.sub(teacher).square().mean();
  }
}
