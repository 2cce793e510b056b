package dev.mentor.training.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.SplittableRandom;

/**
 * Inverted dropout whose masks come from a Java generator the trainer seeds, not from the
 * engine's process-wide generator: two models training on different threads then stay
 * reproducible, and a run resumed from a checkpoint draws the same masks again.
 */
public final class SeededDropout extends AbstractBlock {
  private final float rate;
  private SplittableRandom random = new SplittableRandom(0);

  public SeededDropout(float rate) {
    this.rate = rate;
  }

  public void reseed(long seed) {
    random = new SplittableRandom(seed);
  }

  @Override
  protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    if (!training || rate == 0f) {
      return inputs;
    }
    float keep = 1f - rate;
    float[] mask = new float[Math.toIntExact(x.size())];
    for (int i = 0; i < mask.length; i++) {
      mask[i] = random.nextFloat() < keep ? 1f / keep : 0f;
    }
    NDArray m = x.getManager().create(mask, x.getShape());
    return new NDList(x.mul(m));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return inputShapes;
  }
}
