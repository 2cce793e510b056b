package dev.mentor.training.distill;

import ai.djl.ndarray.NDArray;
import dev.mentor.training.engine.Scalars;

/** Per-row L2 normalisation shared by the losses that compare shapes of patterns, not their magnitudes. */
final class Rows {
  /** Keeps an all-zero row at zero instead of dividing by zero, as PyTorch's {@code F.normalize} does. */
  private static final float NORM_FLOOR = 1e-12f;

  private Rows() {}

  /** Each row of a (n, d) array divided by {@code max(‖row‖₂, 1e-12)}. */
  static NDArray l2Normalised(NDArray rows) {
    return rows.div(floored(rows.norm(new int[] {1}, true)));
  }

  private static NDArray floored(NDArray norms) {
    return norms.maximum(Scalars.of(norms, NORM_FLOOR));
  }
}
