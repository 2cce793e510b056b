package dev.mentor.training.loop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.mentor.training.data.Augmentation;
import dev.mentor.training.data.ImageSet;
import dev.mentor.training.data.Normalization;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Cuts an {@link ImageSet} into batches of input arrays. The order is a permutation drawn from
 * (seed, epoch), and augmentation draws from the same pair, so an epoch is reproducible on its
 * own: a resumed run sees exactly the batches it would have seen. The arrays are created in the
 * manager the caller passes, so they die with the step.
 *
 * <p>The engine wraps a direct buffer without copying it, and DJL copies any other buffer into a
 * fresh direct one that is freed only when the garbage collector gets to it: hundreds of
 * megabytes of native memory per epoch on a quiet heap. So the batch is written into one direct
 * buffer reused for every batch, and <b>a batch's arrays are valid only until the next call to
 * {@link #get}</b> (every loop here closes a step's arrays before fetching the next batch).
 */
public final class Batches {
  private final ImageSet data;
  private final int batchSize;
  private final Normalization normalization;
  private final Augmentation augmentation;
  private final float[] buffer;
  private final int[] labels;
  private final ByteBuffer pixelBytes;
  private final ByteBuffer labelBytes;
  private int[] order;
  private SplittableRandom augmentRandom;

  public Batches(ImageSet data, int batchSize, Normalization normalization, Augmentation augmentation) {
    this.data = data;
    this.batchSize = Math.min(batchSize, Math.max(1, data.size()));
    this.normalization = normalization;
    this.augmentation = augmentation;
    this.buffer = new float[this.batchSize * data.pixelsPerSample()];
    this.labels = new int[this.batchSize];
    this.pixelBytes = ByteBuffer.allocateDirect(buffer.length * Float.BYTES).order(ByteOrder.nativeOrder());
    this.labelBytes = ByteBuffer.allocateDirect(labels.length * Integer.BYTES).order(ByteOrder.nativeOrder());
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
    pixelBytes.clear();
    pixelBytes.asFloatBuffer().put(buffer, 0, n * pixels);
    pixelBytes.limit(n * pixels * Float.BYTES);
    labelBytes.clear();
    labelBytes.asIntBuffer().put(labels, 0, n);
    labelBytes.limit(n * Integer.BYTES);
    NDArray x = manager.create(pixelBytes, new Shape(n, data.channels(), data.height(), data.width()), DataType.FLOAT32);
    NDArray y = manager.create(labelBytes, new Shape(n), DataType.INT32);
    return new Batch(x, y, Arrays.copyOf(labels, n), ids);
  }

  private static int[] identity(int n) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    return order;
  }

  /** Inputs, integer labels (as an array and as Java values) and the samples' stable ids, in batch order. */
  public record Batch(NDArray inputs, NDArray labels, int[] labelValues, long[] sampleIds) {}
}
