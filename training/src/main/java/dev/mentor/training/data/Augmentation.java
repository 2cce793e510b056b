package dev.mentor.training.data;

import java.util.random.RandomGenerator;

/**
 * Random training-time perturbations applied to a batch in place, each sample independently: a
 * random crop of the zero-padded image (a translation by up to {@code cropPadding} pixels in each
 * direction, uncovered pixels set to 0), a left-right flip with probability 0.5 when
 * {@code horizontalFlip}, and additive Gaussian noise of standard deviation {@code noiseStd}
 * clipped to [0, 1]. All randomness comes from the generator passed in, so a seeded generator
 * gives the same batch every time.
 */
public record Augmentation(int cropPadding, boolean horizontalFlip, double noiseStd) {
  public Augmentation {
    if (cropPadding < 0) {
      throw new IllegalArgumentException("cropPadding must be >= 0, got " + cropPadding);
    }
    if (!(noiseStd >= 0) || Double.isInfinite(noiseStd)) {
      throw new IllegalArgumentException("noiseStd must be a finite number >= 0, got " + noiseStd);
    }
  }

  public static Augmentation none() {
    return new Augmentation(0, false, 0);
  }

  public boolean isIdentity() {
    return cropPadding == 0 && !horizontalFlip && noiseStd == 0;
  }

  /** Perturbs the first {@code count} samples of {@code batch}, each {@code channels×height×width} values. */
  public void applyInPlace(float[] batch, int count, int channels, int height, int width, RandomGenerator rng) {
    int per = channels * height * width;
    if ((long) count * per > batch.length) {
      throw new IllegalArgumentException("batch holds " + batch.length + " values, fewer than " + count
          + " samples of " + channels + "x" + height + "x" + width);
    }
    if (isIdentity()) {
      return;
    }
    float[] scratch = new float[per];
    for (int i = 0; i < count; i++) {
      int offset = i * per;
      if (cropPadding > 0) {
        int dy = rng.nextInt(-cropPadding, cropPadding + 1);
        int dx = rng.nextInt(-cropPadding, cropPadding + 1);
        translate(batch, offset, scratch, channels, height, width, dy, dx);
      }
      if (horizontalFlip && rng.nextBoolean()) {
        flip(batch, offset, channels, height, width);
      }
      if (noiseStd > 0) {
        for (int j = offset; j < offset + per; j++) {
          batch[j] = Shifts.clip((float) (batch[j] + noiseStd * rng.nextGaussian()));
        }
      }
    }
  }

  private static void translate(
      float[] batch, int offset, float[] scratch, int channels, int height, int width, int dy, int dx) {
    System.arraycopy(batch, offset, scratch, 0, scratch.length);
    for (int c = 0; c < channels; c++) {
      int plane = c * height * width;
      for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
          int sy = y - dy;
          int sx = x - dx;
          boolean inside = sy >= 0 && sy < height && sx >= 0 && sx < width;
          batch[offset + plane + y * width + x] = inside ? scratch[plane + sy * width + sx] : 0f;
        }
      }
    }
  }

  private static void flip(float[] batch, int offset, int channels, int height, int width) {
    for (int row = 0; row < channels * height; row++) {
      int start = offset + row * width;
      for (int left = 0, right = width - 1; left < right; left++, right--) {
        float swap = batch[start + left];
        batch[start + left] = batch[start + right];
        batch[start + right] = swap;
      }
    }
  }
}
