package dev.mentor.training.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable set of labelled images held in memory, stored sample-major as
 * {@code [sample][channel][row][column]} floats in [0, 1]. Every sample carries a stable
 * {@code sampleId}: its index in the source file, with test samples offset by
 * {@link SourceData#TEST_ID_OFFSET}, so outputs computed on one view of the data (a teacher's
 * logits, say) can be matched to the same samples in another view (a student's subset). The public
 * constructor copies its arrays; code in this package hands over freshly built arrays without a
 * copy, to avoid copying tens of megabytes on every subset.
 */
public final class ImageSet {
  private final float[] pixels;
  private final int[] labels;
  private final long[] sampleIds;
  private final int channels;
  private final int height;
  private final int width;

  public ImageSet(float[] pixels, int[] labels, long[] sampleIds, int channels, int height, int width) {
    this(channels, height, width, pixels.clone(), labels.clone(), sampleIds.clone());
  }

  /** Takes ownership of the arrays; the argument order differs from the public constructor only to tell them apart. */
  private ImageSet(int channels, int height, int width, float[] pixels, int[] labels, long[] sampleIds) {
    if (channels <= 0 || height <= 0 || width <= 0) {
      throw new IllegalArgumentException(
          "channels, height and width must be > 0, got " + channels + "x" + height + "x" + width);
    }
    if (sampleIds.length != labels.length) {
      throw new IllegalArgumentException(
          "got " + labels.length + " labels but " + sampleIds.length + " sample ids");
    }
    long expected = (long) labels.length * channels * height * width;
    if (pixels.length != expected) {
      throw new IllegalArgumentException("expected " + labels.length + " samples x " + channels + "x" + height + "x"
          + width + " = " + expected + " pixel values, got " + pixels.length);
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0) {
        throw new IllegalArgumentException("label of sample " + i + " must be >= 0, got " + labels[i]);
      }
    }
    this.pixels = pixels;
    this.labels = labels;
    this.sampleIds = sampleIds;
    this.channels = channels;
    this.height = height;
    this.width = width;
  }

  /** Wraps arrays without copying; the caller must not keep or modify them afterwards. */
  static ImageSet adopt(float[] pixels, int[] labels, long[] sampleIds, int channels, int height, int width) {
    return new ImageSet(channels, height, width, pixels, labels, sampleIds);
  }

  public int size() {
    return labels.length;
  }

  public int channels() {
    return channels;
  }

  public int height() {
    return height;
  }

  public int width() {
    return width;
  }

  public int pixelsPerSample() {
    return channels * height * width;
  }

  public int label(int i) {
    return labels[i];
  }

  public long sampleId(int i) {
    return sampleIds[i];
  }

  public int[] labels() {
    return labels.clone();
  }

  public long[] sampleIds() {
    return sampleIds.clone();
  }

  /** Copies sample {@code i}'s {@link #pixelsPerSample()} values into {@code dst} at {@code dstOffset}. */
  public void pixelsOf(int i, float[] dst, int dstOffset) {
    Objects.checkIndex(i, size());
    int per = pixelsPerSample();
    System.arraycopy(pixels, i * per, dst, dstOffset, per);
  }

  /**
   * The backing array, for fast batch copies. It is shared, not copied: treat it as read-only,
   * since writing to it would silently change every holder of this set, including cached data.
   */
  public float[] rawPixels() {
    return pixels;
  }

  /** The samples at {@code indices}, in that order; an index may repeat. */
  public ImageSet subset(int[] indices) {
    int per = pixelsPerSample();
    float[] newPixels = new float[indices.length * per];
    int[] newLabels = new int[indices.length];
    long[] newIds = new long[indices.length];
    for (int j = 0; j < indices.length; j++) {
      int i = Objects.checkIndex(indices[j], size());
      System.arraycopy(pixels, i * per, newPixels, j * per, per);
      newLabels[j] = labels[i];
      newIds[j] = sampleIds[i];
    }
    return adopt(newPixels, newLabels, newIds, channels, height, width);
  }

  /** The same images and ids with other labels (copied). */
  public ImageSet withLabels(int[] newLabels) {
    return adopt(pixels, newLabels.clone(), sampleIds, channels, height, width);
  }

  /** The same labels, ids and shape with other pixels (copied). */
  public ImageSet withPixels(float[] newPixels) {
    return adopt(newPixels.clone(), labels, sampleIds, channels, height, width);
  }

  /** Package-private twin of {@link #withPixels} that takes ownership of a freshly built array. */
  ImageSet adoptPixels(float[] newPixels) {
    return adopt(newPixels, labels, sampleIds, channels, height, width);
  }

  /** The samples of {@code a} followed by those of {@code b}; both must have the same sample shape. */
  public static ImageSet concat(ImageSet a, ImageSet b) {
    if (a.channels != b.channels || a.height != b.height || a.width != b.width) {
      throw new IllegalArgumentException("cannot concatenate images of shape " + a.shape() + " and " + b.shape());
    }
    float[] p = Arrays.copyOf(a.pixels, a.pixels.length + b.pixels.length);
    System.arraycopy(b.pixels, 0, p, a.pixels.length, b.pixels.length);
    int[] l = Arrays.copyOf(a.labels, a.size() + b.size());
    System.arraycopy(b.labels, 0, l, a.size(), b.size());
    long[] ids = Arrays.copyOf(a.sampleIds, a.size() + b.size());
    System.arraycopy(b.sampleIds, 0, ids, a.size(), b.size());
    return adopt(p, l, ids, a.channels, a.height, a.width);
  }

  /** The shape of one sample, e.g. {@code 1x28x28}. */
  String shape() {
    return channels + "x" + height + "x" + width;
  }

  @Override
  public String toString() {
    return "ImageSet[" + size() + " samples of " + shape() + "]";
  }
}
