package dev.mentor.training.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * Differentiable resizing of feature maps, shape (b, c, h, w) or (b, h, w), to a target height
 * and width, so that maps of a student and a teacher at different resolutions can be compared.
 * Each spatial axis is handled on its own: equal sizes stay; a size that is f times the target is
 * average-pooled over non-overlapping blocks of f ({@code y[j] = (1/f) Σ_{r<f} x[j·f + r]}); a
 * target that is f times the size repeats each element f times (nearest neighbour,
 * {@code y[j] = x[⌊j/f⌋]}). Any other ratio is rejected rather than interpolated, so no feature is
 * invented. (Image resizing for data sets, which interpolates, lives in {@code data.Resampling};
 * it works on float arrays outside the autograd graph and does not fit here.)
 */
public final class FeatureResampling {
  private FeatureResampling() {}

  /** {@code x} resized to {@code height}×{@code width} as described above; {@code x} itself when it already has that size. */
  public static NDArray resize(NDArray x, long height, long width) {
    Shape shape = x.getShape();
    int rank = shape.dimension();
    if (rank != 3 && rank != 4) {
      throw new IllegalArgumentException(
          "feature resampling needs shape (batch, height, width) or (batch, channels, height, width), got " + shape);
    }
    String reason = incompatibility(shape.getShape(), new long[] {height, width});
    if (reason != null) {
      throw new IllegalArgumentException(reason);
    }
    return resizeAxis(resizeAxis(x, rank - 2, height), rank - 1, width);
  }

  /** Whether both per-sample shapes are feature maps (channels, height, width). */
  static boolean maps(Shape student, Shape teacher) {
    return student.dimension() == 3 && teacher.dimension() == 3;
  }

  /** The height and width of a per-sample feature map shape. */
  static long[] spatial(Shape map) {
    return Arrays.copyOfRange(map.getShape(), 1, 3);
  }

  /**
   * Why a map of spatial size {@code from} cannot be resized to {@code to}, or null when
   * {@link #resize} can do it. The last two entries of each array are read as height and width,
   * so full shapes and (height, width) pairs both work.
   */
  public static String incompatibility(long[] from, long[] to) {
    if (from.length < 2 || to.length < 2) {
      throw new IllegalArgumentException("spatial sizes need a height and a width, got " + from.length + " and " + to.length + " dimensions");
    }
    long fromHeight = from[from.length - 2];
    long fromWidth = from[from.length - 1];
    long toHeight = to[to.length - 2];
    long toWidth = to[to.length - 1];
    String sizes = "spatial size " + fromHeight + "x" + fromWidth + " cannot be resampled to " + toHeight + "x" + toWidth;
    if (fromHeight <= 0 || fromWidth <= 0 || toHeight <= 0 || toWidth <= 0) {
      return sizes + ": sizes must be positive";
    }
    if (!multiples(fromHeight, toHeight) || !multiples(fromWidth, toWidth)) {
      return sizes + ": along each axis one size must be an integer multiple of the other";
    }
    return null;
  }

  private static boolean multiples(long a, long b) {
    return a % b == 0 || b % a == 0;
  }

  private static NDArray resizeAxis(NDArray x, int axis, long target) {
    long[] dims = x.getShape().getShape();
    long size = dims[axis];
    if (size == target) {
      return x;
    }
    if (size % target == 0) {
      return x.reshape(split(dims, axis, target, size / target)).mean(new int[] {axis + 1});
    }
    long factor = target / size;
    long[] expanded = split(dims, axis, size, factor);
    long[] single = expanded.clone();
    single[axis + 1] = 1;
    long[] result = dims.clone();
    result[axis] = target;
    return x.reshape(single).broadcast(expanded).reshape(result);
  }

  /** {@code dims} with the entry at {@code axis} replaced by the two entries {@code outer, inner}. */
  private static long[] split(long[] dims, int axis, long outer, long inner) {
    long[] out = new long[dims.length + 1];
    System.arraycopy(dims, 0, out, 0, axis);
    out[axis] = outer;
    out[axis + 1] = inner;
    System.arraycopy(dims, axis + 1, out, axis + 2, dims.length - axis - 1);
    return out;
  }
}
