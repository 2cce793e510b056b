package dev.mentor.training.data;

import java.util.stream.IntStream;

/**
 * Standardises pixel values as {@code (x - mean) / std}, with statistics fitted on training samples
 * only, so validation and test data are scaled exactly as the model saw during training, and no
 * statistic of a validation or test sample reaches the model. An experiment fits one per seed on
 * the union of its tasks' training splits (see {@code RunExecutor}), shared by all its arms.
 */
public record Normalization(float mean, float std) {
  /** Keeps a constant training set (all pixels equal) from producing a division by zero. */
  static final float MIN_STD = 1e-6f;

  public Normalization {
    if (!Float.isFinite(mean)) {
      throw new IllegalArgumentException("mean must be finite, got " + mean);
    }
    if (!(std > 0) || !Float.isFinite(std)) {
      throw new IllegalArgumentException("std must be a finite number > 0, got " + std);
    }
  }

  /** Mean and standard deviation over every pixel of every sample of {@code train}. */
  public static Normalization fit(ImageSet train) {
    return fit(train, IntStream.range(0, train.size()).toArray());
  }

  /**
   * Mean and standard deviation over every pixel of the samples of {@code set} at {@code indices}
   * (an index listed twice counts twice), read in place without copying the samples.
   */
  public static Normalization fit(ImageSet set, int[] indices) {
    if (indices.length == 0) {
      throw new IllegalArgumentException("cannot fit a normalisation to an empty set");
    }
    float[] pixels = set.rawPixels();
    int per = set.pixelsPerSample();
    double sum = 0;
    for (int i : indices) {
      for (int p = i * per, end = p + per; p < end; p++) {
        sum += pixels[p];
      }
    }
    long count = (long) indices.length * per;
    double mean = sum / count;
    // Two passes: summing squared deviations avoids the cancellation of E[x²] - E[x]².
    double squares = 0;
    for (int i : indices) {
      for (int p = i * per, end = p + per; p < end; p++) {
        squares += (pixels[p] - mean) * (pixels[p] - mean);
      }
    }
    double std = Math.sqrt(squares / count);
    return new Normalization((float) mean, Math.max(MIN_STD, (float) std));
  }

  /** Standardises {@code values[from..to)} in place. */
  public void applyInPlace(float[] values, int from, int to) {
    float scale = 1f / std;
    for (int i = from; i < to; i++) {
      values[i] = (values[i] - mean) * scale;
    }
  }
}
