package dev.mentor.training.data;

import java.util.SplittableRandom;

/**
 * Generated stand-in data for tests and dry runs. Class {@code k} is a bar through the centre at
 * an angle around {@code k} times a class spacing of {@code 180°/max(classes, 8)}, with a faint
 * blob on a ring at twice that angle. Every sample jitters the angle (by up to 0.6 spacings, so
 * neighbouring classes overlap), the position and the stroke strength, and adds Gaussian pixel
 * noise, all from a generator seeded by {@code (seed, split, index)}. A small model thus learns the
 * classes well above chance in a few epochs but cannot reach 100%. Sample {@code i} belongs to
 * class {@code i % classes}, so labels are balanced.
 */
public final class SyntheticData {
  private static final double NOISE_STD = 0.2;
  /**
   * Half-width of each class's angle range, in class spacings: above 0.5 neighbouring classes
   * overlap, so some samples are ambiguous and no model reaches 100%.
   */
  private static final double ANGLE_JITTER = 0.6;
  private static final int MIN_ANGLE_DIVISIONS = 8;
  private static final long TRAIN_SPLIT = 1;
  private static final long TEST_SPLIT = 2;

  private SyntheticData() {}

  /** {@code perClass} training and {@code max(2, perClass / 4)} test samples of each class. */
  public static SourceData generate(int classes, int perClass, int height, int width, long seed) {
    if (classes < 2 || perClass < 1 || height < 1 || width < 1) {
      throw new IllegalArgumentException("need classes >= 2 and positive perClass, height, width; got classes="
          + classes + ", perClass=" + perClass + ", size " + height + "x" + width);
    }
    int testPerClass = Math.max(2, perClass / 4);
    ImageSet train = generateSplit(classes, classes * perClass, height, width, Seeds.mix(seed, TRAIN_SPLIT), 0);
    ImageSet test = generateSplit(
        classes, classes * testPerClass, height, width, Seeds.mix(seed, TEST_SPLIT), SourceData.TEST_ID_OFFSET);
    return new SourceData(train, test, SourceData.genericClassNames(classes));
  }

  private static ImageSet generateSplit(int classes, int count, int height, int width, long seed, long idOffset) {
    int per = height * width;
    float[] pixels = new float[count * per];
    int[] labels = new int[count];
    long[] ids = new long[count];
    for (int i = 0; i < count; i++) {
      labels[i] = i % classes;
      ids[i] = idOffset + i;
      draw(pixels, i * per, height, width, labels[i], classes, new SplittableRandom(Seeds.mix(seed, i)));
    }
    return ImageSet.adopt(pixels, labels, ids, 1, height, width);
  }

  private static void draw(float[] p, int offset, int height, int width, int k, int classes, SplittableRandom rng) {
    double size = Math.min(height, width);
    double maxShift = Math.max(1, size / 14);
    double cx = (width - 1) / 2.0 + rng.nextDouble(-maxShift, maxShift);
    double cy = (height - 1) / 2.0 + rng.nextDouble(-maxShift, maxShift);
    // Few classes would otherwise be spread far apart and trivially separable.
    double classSpacing = Math.PI / Math.max(classes, MIN_ANGLE_DIVISIONS);
    double angle = (k + rng.nextDouble(-ANGLE_JITTER, ANGLE_JITTER)) * classSpacing;
    double halfLength = size * rng.nextDouble(0.25, 0.4);
    double halfThickness = size * rng.nextDouble(0.04, 0.08);
    double barStrength = rng.nextDouble(0.5, 1.0);
    // The blob follows the jittered bar, so it adds a visual cue but no information beyond the angle.
    double blobAngle = 2 * angle;
    double blobX = cx + 0.3 * size * Math.cos(blobAngle);
    double blobY = cy + 0.3 * size * Math.sin(blobAngle);
    double blobSigma = 0.08 * size;
    double blobStrength = rng.nextDouble(0.2, 0.5);
    double cos = Math.cos(angle);
    double sin = Math.sin(angle);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        double dx = x - cx;
        double dy = y - cy;
        double along = Math.abs(cos * dx + sin * dy);
        double across = Math.abs(-sin * dx + cos * dy);
        // Soft one-pixel edges keep thin bars visible at any angle.
        double bar = barStrength * unit(halfThickness + 0.5 - across) * unit(halfLength + 0.5 - along);
        double bx = x - blobX;
        double by = y - blobY;
        double blob = blobStrength * Math.exp(-(bx * bx + by * by) / (2 * blobSigma * blobSigma));
        double value = bar + blob + NOISE_STD * rng.nextGaussian();
        p[offset + y * width + x] = Shifts.clip((float) value);
      }
    }
  }

  private static double unit(double value) {
    return Math.max(0, Math.min(1, value));
  }
}
