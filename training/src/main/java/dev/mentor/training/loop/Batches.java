package dev.mentor.training.loop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mentor.training.data.Augmentation;
import dev.mentor.training.data.ImageSet;
import dev.mentor.training.data.Normalization;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;

/**
 * Cuts an {@link ImageSet} into batches of input arrays. The order is a permutation drawn from
 * (seed, epoch), and augmentation draws from the same pair, so an epoch is reproducible on its
 * own: a resumed run sees exactly the batches it would have seen. One pixel buffer is reused for
 * every batch; the arrays are created in the manager the caller passes, so they die with the step.
 */
public final class Batches {
  private final ImageSet data;
  private final int batchSize;
  private final Normalization normalization;
  private final Augmentation augmentation;
  private final float[] buffer;
  private final int[] labels;
  private int[] order;
  private SplittableRandom augmentRandom;

  public Batches(ImageSet data, int batchSize, Normalization normalization, Augmentation augmentation) {
    this.data = data;
    this.batchSize = Math.min(batchSize, Math.max(1, data.size()));
    this.normalization = normalization;
    this.augmentation = augmentation;
    this.buffer = new float[this.batchSize * data.pixelsPerSample()];
    this.labels = new int[this.batchSize];
    this.order = identity(data.size());
  }

  /** Batches per pass; a partial last batch counts. */
  public int count() {
    return (data.size() + batchSize - 1) / batchSize;
  }

  public int size() {
    return data.size();
  }

  /** Shuffles for training epoch {@code epoch} (from 1); call {@link #inOrder()} for evaluation. */
  public void shuffle(long seed, int epoch) {
    SplittableRandom random = new SplittableRandom(seed * 1_000_003L + epoch);
    order = identity(data.size());
    for (int i = order.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    augmentRandom = random.split();
  }

  public void inOrder() {
    order = identity(data.size());
    augmentRandom = null;
  }

  /** Batch {@code index} as (inputs, labels), created in {@code manager}. */
  public Batch get(int index, NDManager manager) {
    int from = index * batchSize;
    int n = Math.min(batchSize, data.size() - from);
    int pixels = data.pixelsPerSample();
    long[] ids = new long[n];
    for (int i = 0; i < n; i++) {
      int sample = order[from + i];
      data.pixelsOf(sample, buffer, i * pixels);
      labels[i] = data.label(sample);
      ids[i] = data.sampleId(sample);
    }
    if (augmentRandom != null && !augmentation.isIdentity()) {
      augmentation.applyInPlace(buffer, n, data.channels(), data.height(), data.width(), augmentRandom);
    }
    normalization.applyInPlace(buffer, 0, n * pixels);
    NDArray x = manager.create(FloatBuffer.wrap(buffer, 0, n * pixels), new Shape(n, data.channels(), data.height(), data.width()));
    NDArray y = manager.create(java.util.Arrays.copyOf(labels, n));
    return new Batch(x, y, ids);
  }

  private static int[] identity(int n) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    return order;
  }

  /** Inputs, integer labels and the stable ids of the samples in the batch, in batch order. */
  public record Batch(NDArray inputs, NDArray labels, long[] sampleIds) {}
}
