package dev.mentor.training.data;

/**
 * Standardises pixel values as {@code (x - mean) / std}, with statistics fitted on the training
 * split only, so validation and test data are scaled exactly as the model saw during training.
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
    float[] pixels = train.rawPixels();
    if (pixels.length == 0) {
      throw new IllegalArgumentException("cannot fit a normalisation to an empty set");
    }
    double sum = 0;
    for (float v : pixels) {
      sum += v;
    }
    double mean = sum / pixels.length;
    // Two passes: summing squared deviations avoids the cancellation of E[x²] - E[x]².
    double squares = 0;
    for (float v : pixels) {
      squares += (v - mean) * (v - mean);
    }
    double std = Math.sqrt(squares / pixels.length);
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
