package dev.mentor.training.optim;

import ai.djl.nn.Parameter;
import ai.djl.training.tracker.ParameterTracker;
import dev.mentor.training.model.StagedModel;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-parameter learning rates as a DJL {@link ParameterTracker}: peak rate × the stage's
 * "slow learner" factor × the schedule's factor at this step. With layer decay d the head learns
 * at the peak rate, the stage before it at d times that, the one before at d², and so on.
 */
public final class StageLearningRates implements ParameterTracker {
  private final double peak;
  private final Schedule schedule;
  private final Map<String, Double> factorById = new HashMap<>();
  private final Map<String, Double> factorByStage = new HashMap<>();

  public StageLearningRates(StagedModel model, double peak, double layerDecay, Schedule schedule) {
    this(model, peak, layerDecay, schedule, List.of());
  }

  /** As above, with {@code extra} parameters outside the model (FitNets regressors) learning at the head's rate. */
  public StageLearningRates(StagedModel model, double peak, double layerDecay, Schedule schedule, Collection<Parameter> extra) {
    this.peak = peak;
    this.schedule = schedule;
    List<String> stages = model.stageNames();
    for (int i = 0; i < stages.size(); i++) {
      double factor = factor(i, stages.size(), layerDecay);
      factorByStage.put(stages.get(i), factor);
      for (Parameter p : model.namedParameters(stages.get(i)).values()) {
        factorById.put(p.getId(), factor);
      }
    }
    extra.forEach(p -> factorById.put(p.getId(), 1.0));
  }

  /** The "slow learner" factor of stage {@code index} of {@code stages}: {@code layerDecay} to the power of the stages after it. */
  public static double factor(int index, int stages, double layerDecay) {
    return Math.pow(layerDecay, stages - 1 - index);
  }

  @Override
  public float getNewValue(String parameterId, int numUpdate) {
    Double factor = factorById.get(parameterId);
    if (factor == null) {
      throw new IllegalArgumentException("parameter " + parameterId + " belongs to no stage of this model");
    }
    return (float) (peak * factor * schedule.factor(numUpdate));
  }

  /** The rate a stage learns at on step {@code step}. */
  public double rate(String stage, int step) {
    return peak * factorByStage.get(stage) * schedule.factor(step);
  }
}
