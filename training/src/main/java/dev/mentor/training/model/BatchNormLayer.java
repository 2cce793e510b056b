package dev.mentor.training.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * BatchNorm over the channel axis whose two halves are controlled separately, as transfer
 * learning needs: whether it normalises with batch statistics and updates its running
 * statistics ({@link #setUpdateStatistics}), and, through freezing its gamma/beta parameters,
 * whether its affine part learns. DJL's own BatchNorm ties the first to the training flag and
 * keeps updating statistics even when frozen, which silently corrupts a "frozen" backbone.
 *
 * <p>Momentum follows DJL's convention: running = momentum·running + (1 − momentum)·batch
 * (0.9 here equals PyTorch's 0.1). {@link #setCumulativeStep(int)} switches to an exact running
 * average over batches, used to recompute statistics on target data.
 */
public final class BatchNormLayer extends AbstractBlock {
  private static final float DEFAULT_MOMENTUM = 0.9f;
  private static final float EPSILON = 1e-5f;

  private final Parameter gamma;
  private final Parameter beta;
  private final Parameter runningMean;
  private final Parameter runningVar;
  private boolean updateStatistics = true;
  private float momentum = DEFAULT_MOMENTUM;

  public BatchNormLayer() {
    super((byte) 1);
    gamma = addParameter(Parameter.builder().setName("gamma").setType(Parameter.Type.GAMMA).build());
    beta = addParameter(Parameter.builder().setName("beta").setType(Parameter.Type.BETA).build());
    runningMean = addParameter(Parameter.builder().setName("runningMean").setType(Parameter.Type.RUNNING_MEAN).optRequiresGrad(false).build());
    runningVar = addParameter(Parameter.builder().setName("runningVar").setType(Parameter.Type.RUNNING_VAR).optRequiresGrad(false).build());
  }

  /** In training passes: true = batch statistics and running-statistics updates; false = running statistics. */
  public void setUpdateStatistics(boolean update) {
    this.updateStatistics = update;
  }

  public boolean updatesStatistics() {
    return updateStatistics;
  }

  /**
   * Makes the next training pass fold its batch into an exact average of the {@code k} batches
   * seen so far (k starts at 1, which replaces the old statistics); 0 restores the default momentum.
   */
  public void setCumulativeStep(int k) {
    momentum = k <= 0 ? DEFAULT_MOMENTUM : 1f - 1f / k;
  }

  public Parameter gamma() {
    return gamma;
  }

  public Parameter beta() {
    return beta;
  }

  @Override
  protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    Device device = x.getDevice();
    return BatchNorm.batchNorm(
        x,
        store.getValue(runningMean, device, training),
        store.getValue(runningVar, device, training),
        store.getValue(gamma, device, training),
        store.getValue(beta, device, training),
        1,
        momentum,
        EPSILON,
        training && updateStatistics);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0]};
  }

  @Override
  public void prepare(Shape[] inputShapes) {
    Shape channels = new Shape(inputShapes[0].get(1));
    gamma.setShape(channels);
    beta.setShape(channels);
    runningMean.setShape(channels);
    runningVar.setShape(channels);
  }
}
