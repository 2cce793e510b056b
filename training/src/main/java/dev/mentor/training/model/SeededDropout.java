package dev.mentor.training.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;

/**
 * Inverted dropout whose masks come from a Java generator the trainer seeds, not from the
 * engine's process-wide generator: two models training on different threads then stay
 * reproducible, and a run resumed from a checkpoint draws the same masks again. The mask is
 * written into one reused direct buffer (see {@code Batches} for why), so it is valid until the
 * next training forward pass, which is after the step's backward pass. A disabled dropout (see
 * {@link #setEnabled}) is the identity in every pass.
 */
public final class SeededDropout extends AbstractBlock {
  private final float rate;
  private SplittableRandom random = new SplittableRandom(0);
  private ByteBuffer maskBytes = ByteBuffer.allocateDirect(0);
  private boolean enabled = true;

  public SeededDropout(float rate) {
    this.rate = rate;
  }

  public void reseed(long seed) {
    random = new SplittableRandom(seed);
  }

  /**
   * False makes training passes leave the input unchanged, as inference passes do: the dropout
   * of a frozen stage, which may run in training mode only so that its BatchNorm layers learn.
   */
  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public boolean enabled() {
    return enabled;
  }

  @Override
  protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    if (!training || !enabled || rate == 0f) {
      return inputs;
    }
    float keep = 1f - rate;
    int size = Math.toIntExact(x.size());
    if (maskBytes.capacity() < size * Float.BYTES) {
      maskBytes = ByteBuffer.allocateDirect(size * Float.BYTES).order(ByteOrder.nativeOrder());
    }
    maskBytes.clear();
    FloatBuffer mask = maskBytes.asFloatBuffer();
    for (int i = 0; i < size; i++) {
      mask.put(random.nextFloat() < keep ? 1f / keep : 0f);
    }
    maskBytes.limit(size * Float.BYTES);
    NDArray m = x.getManager().create(maskBytes, x.getShape(), DataType.FLOAT32);
    return new NDList(x.mul(m));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return inputShapes;
  }
}
