package dev.mentor.training.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Parameter;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.ParameterTracker;
import dev.mentor.messages.spec.OptimizerSpec;
import dev.mentor.messages.spec.ScheduleSpec;
import dev.mentor.training.model.StagedModel;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam, AdamW or SGD with momentum on the engine's fused update kernels, with per-parameter
 * learning rates from a {@link ParameterTracker}. Unlike DJL's built-in optimisers it exposes
 * its state (moments and step count) so that a checkpoint restores a run exactly, and it decays
 * only weights (never biases or BatchNorm parameters), the usual practice that keeps a
 * normalisation layer's scale from being pulled to zero.
 */
public final class MentorOptimizer extends Optimizer {
  private static final float BETA1 = 0.9f;
  private static final float BETA2 = 0.999f;
  private static final float EPSILON = 1e-8f;

  private final OptimizerSpec.Type type;
  private final float momentum;
  private final float weightDecay;
  private final ParameterTracker rates;
  private final Map<String, NDArray> firstMoments = new LinkedHashMap<>();
  private final Map<String, NDArray> secondMoments = new LinkedHashMap<>();
  private int step;

  public MentorOptimizer(OptimizerSpec spec, ParameterTracker rates) {
    super(new Builder());
    this.type = spec.type();
    this.momentum = spec.momentum().floatValue();
    this.weightDecay = spec.weightDecay().floatValue();
    this.rates = rates;
  }

  /**
   * The optimiser for a training phase of {@code epochs} epochs of {@code stepsPerEpoch} steps:
   * per-stage rates from {@code spec.layerDecay()}, shaped over steps by {@code schedule}.
   */
  public static MentorOptimizer create(StagedModel model, OptimizerSpec spec, ScheduleSpec schedule, int stepsPerEpoch, int epochs) {
    return create(model, spec, schedule, stepsPerEpoch, epochs, List.of());
  }

  /** As above, with parameters outside the model ({@code extra}) learning at the head's rate. */
  public static MentorOptimizer create(StagedModel model, OptimizerSpec spec, ScheduleSpec schedule, int stepsPerEpoch, int epochs,
      Collection<Parameter> extra) {
    Schedule steps = new Schedule(schedule, stepsPerEpoch, epochs);
    return new MentorOptimizer(spec, new StageLearningRates(model, spec.lr(), spec.layerDecay(), steps, extra));
  }

  /** Updates one parameter; {@code decay} says whether weight decay applies to it. */
  public void update(String parameterId, NDArray weight, NDArray grad, boolean decay) {
    float lr = rates.getNewValue(parameterId, step);
    float wd = decay ? weightDecay : 0f;
    if (type == OptimizerSpec.Type.SGD) {
      NDArray state = firstMoments.computeIfAbsent(parameterId, k -> weight.zerosLike());
      weight.getNDArrayInternal().sgdUpdate(new NDList(weight, grad, state), new NDList(weight), lr, wd, rescaleGrad, clipGrad, momentum, true);
      return;
    }
    int t = step + 1;
    double correction = Math.sqrt(1 - Math.pow(BETA2, t)) / (1 - Math.pow(BETA1, t));
    NDArray mean = firstMoments.computeIfAbsent(parameterId, k -> weight.zerosLike());
    NDArray variance = secondMoments.computeIfAbsent(parameterId, k -> weight.zerosLike());
    weight.getNDArrayInternal().adamUpdate(
        new NDList(weight, grad, mean, variance), new NDList(weight),
        lr, (float) (lr * correction), wd, rescaleGrad, clipGrad, BETA1, BETA2, EPSILON, true, type == OptimizerSpec.Type.ADAMW);
  }

  @Override
  public void update(String parameterId, NDArray weight, NDArray grad) {
    update(parameterId, weight, grad, true);
  }

  /** The rate {@code parameterId} was updated with on the current step. */
  public double currentRate(String parameterId) {
    return rates.getNewValue(parameterId, step);
  }

  /** Marks the end of one optimiser step (all parameters updated). */
  public void finishStep() {
    step++;
  }

  public int step() {
    return step;
  }

  public void restoreStep(int value) {
    step = value;
  }

  /** Moment arrays by parameter id, prefixed "m:" and "v:"; live views for checkpointing. */
  public Map<String, NDArray> state() {
    Map<String, NDArray> state = new LinkedHashMap<>();
    firstMoments.forEach((k, v) -> state.put("m:" + k, v));
    secondMoments.forEach((k, v) -> state.put("v:" + k, v));
    return state;
  }

  /** Installs a moment array restored from a checkpoint (key as in {@link #state()}). */
  public void restoreState(String key, NDArray value) {
    String id = key.substring(2);
    (key.startsWith("m:") ? firstMoments : secondMoments).put(id, value);
  }

  private static final class Builder extends OptimizerBuilder<Builder> {
    @Override
    protected Builder self() {
      return this;
    }
  }
}
