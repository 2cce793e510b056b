package dev.mentor.training.data;

/**
 * Resizes one image plane. Shrinking averages the source area each target pixel covers (so thin
 * strokes fade rather than vanish, unlike point sampling); enlarging interpolates bilinearly
 * between pixel centres. Both run separably, rows then columns.
 */
final class Resampling {
  private Resampling() {}

  /** Every plane of every sample resized to {@code height}×{@code width}; the set itself when it already has that size. */
  static ImageSet resize(ImageSet set, int height, int width) {
    if (set.height() == height && set.width() == width) {
      return set;
    }
    int planes = set.size() * set.channels();
    int srcPlane = set.height() * set.width();
    int dstPlane = height * width;
    float[] src = set.rawPixels();
    float[] dst = new float[planes * dstPlane];
    float[] plane = new float[srcPlane];
    for (int p = 0; p < planes; p++) {
      System.arraycopy(src, p * srcPlane, plane, 0, srcPlane);
      System.arraycopy(resize(plane, set.height(), set.width(), height, width), 0, dst, p * dstPlane, dstPlane);
    }
    return ImageSet.adopt(dst, set.labels(), set.sampleIds(), set.channels(), height, width);
  }

  static float[] resize(float[] src, int srcHeight, int srcWidth, int dstHeight, int dstWidth) {
    if (srcHeight == dstHeight && srcWidth == dstWidth) {
      return src.clone();
    }
    Weights across = Weights.of(srcWidth, dstWidth);
    Weights down = Weights.of(srcHeight, dstHeight);
    float[] rowsResized = new float[srcHeight * dstWidth];
    for (int y = 0; y < srcHeight; y++) {
      for (int x = 0; x < dstWidth; x++) {
        rowsResized[y * dstWidth + x] = across.apply(src, y * srcWidth, 1, x);
      }
    }
    float[] dst = new float[dstHeight * dstWidth];
    for (int y = 0; y < dstHeight; y++) {
      for (int x = 0; x < dstWidth; x++) {
        dst[y * dstWidth + x] = down.apply(rowsResized, x, dstWidth, y);
      }
    }
    return dst;
  }

  /** For each target index along one axis, the source indices it reads and their weights (summing to 1). */
  private record Weights(int[][] indices, float[][] weights) {
    static Weights of(int srcSize, int dstSize) {
      return dstSize < srcSize ? area(srcSize, dstSize) : bilinear(srcSize, dstSize);
    }

    float apply(float[] values, int offset, int stride, int target) {
      float sum = 0;
      for (int k = 0; k < indices[target].length; k++) {
        sum += weights[target][k] * values[offset + indices[target][k] * stride];
      }
      return sum;
    }

    private static Weights area(int srcSize, int dstSize) {
      double scale = (double) srcSize / dstSize;
      int[][] indices = new int[dstSize][];
      float[][] weights = new float[dstSize][];
      for (int t = 0; t < dstSize; t++) {
        double start = t * scale;
        double end = (t + 1) * scale;
        int first = (int) Math.floor(start);
        int last = Math.min(srcSize - 1, (int) Math.ceil(end) - 1);
        indices[t] = new int[last - first + 1];
        weights[t] = new float[last - first + 1];
        for (int s = first; s <= last; s++) {
          double overlap = Math.min(end, s + 1) - Math.max(start, s);
          indices[t][s - first] = s;
          weights[t][s - first] = (float) (overlap / scale);
        }
      }
      return new Weights(indices, weights);
    }

    private static Weights bilinear(int srcSize, int dstSize) {
      double scale = (double) srcSize / dstSize;
      int[][] indices = new int[dstSize][];
      float[][] weights = new float[dstSize][];
      for (int t = 0; t < dstSize; t++) {
        double position = Math.max(0, Math.min(srcSize - 1, (t + 0.5) * scale - 0.5));
        int left = (int) Math.floor(position);
        int right = Math.min(left + 1, srcSize - 1);
        float fraction = (float) (position - left);
        indices[t] = new int[] {left, right};
        weights[t] = new float[] {1 - fraction, fraction};
      }
      return new Weights(indices, weights);
    }
  }
}
