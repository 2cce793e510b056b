package dev.mentor.training.loop;

import ai.djl.nn.Parameter;
import dev.mentor.messages.spec.ArmSpec.BatchNormMode;
import dev.mentor.training.model.BatchNormLayer;
import dev.mentor.training.model.SeededDropout;
import dev.mentor.training.model.StagedModel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Applies a strategy's choice of trained stages and a BatchNorm mode to a model: which
 * parameters get gradients, which BatchNorm layers update their statistics, which stages run in
 * inference mode and how many leading stages need no backward graph at all. Running statistics
 * are never marked as needing gradients (DJL's unfreeze would, and the next forward fails).
 * Dropout runs only in trained stages: a frozen stage whose BatchNorm learns (modes
 * {@code train} and {@code stats-only}) runs in training mode for its BatchNorm's sake, with its
 * dropout disabled, so its features are those of inference but for BatchNorm, whatever the mode.
 */
public final class FreezePlan {
  private final List<Parameter> trainable;
  private final Parameter reported;
  private final int noGradPrefix;

  private FreezePlan(List<Parameter> trainable, Parameter reported, int noGradPrefix) {
    this.trainable = trainable;
    this.reported = reported;
    this.noGradPrefix = noGradPrefix;
  }

  public static FreezePlan apply(StagedModel model, Set<String> trainedStages, BatchNormMode batchNormMode) {
    List<Parameter> trainable = new ArrayList<>();
    Parameter lastOfATrainedStage = null;
    Set<String> inference = new HashSet<>();
    int prefix = 0;
    boolean inPrefix = true;
    for (String stage : model.stageNames()) {
      boolean stageTrained = trainedStages.contains(stage);
      boolean affine = affineTrains(batchNormMode, stageTrained);
      boolean statistics = statisticsUpdate(batchNormMode, stageTrained);
      Set<Parameter> normParams = new HashSet<>();
      List<BatchNormLayer> norms = model.batchNorms(stage);
      for (BatchNormLayer norm : norms) {
        norm.setUpdateStatistics(statistics);
        normParams.add(norm.gamma());
        normParams.add(norm.beta());
      }
      for (SeededDropout dropout : model.dropouts(stage)) {
        dropout.setEnabled(stageTrained);
      }
      boolean anyTrained = false;
      for (Parameter p : model.namedParameters(stage).values()) {
        if (p.getType() == Parameter.Type.RUNNING_MEAN || p.getType() == Parameter.Type.RUNNING_VAR) {
          continue;
        }
        boolean trains = normParams.contains(p) ? affine : stageTrained;
        p.freeze(!trains);
        if (trains) {
          trainable.add(p);
          anyTrained = true;
          if (stageTrained) {
            lastOfATrainedStage = p;
          }
        }
      }
      boolean updatesStatistics = statistics && !norms.isEmpty();
      if (!stageTrained && !updatesStatistics) {
        inference.add(stage);
      }
      inPrefix = inPrefix && !anyTrained;
      if (inPrefix) {
        prefix++;
      }
    }
    model.setStageModes(inference, prefix);
    Parameter reported = lastOfATrainedStage != null ? lastOfATrainedStage : trainable.isEmpty() ? null : trainable.get(trainable.size() - 1);
    return new FreezePlan(List.copyOf(trainable), reported, prefix);
  }

  /** Whether BatchNorm's scale and shift train in a stage under {@code mode}, the stage's weights trained or not. */
  public static boolean affineTrains(BatchNormMode mode, boolean stageTrained) {
    return switch (mode) {
      case TRAIN, AFFINE_ONLY -> true;
      case FROZEN, STATS_ONLY -> false;
      case FOLLOW_STAGE -> stageTrained;
    };
  }

  /** Whether BatchNorm's running statistics follow the training batches in a stage under {@code mode}. */
  public static boolean statisticsUpdate(BatchNormMode mode, boolean stageTrained) {
    return switch (mode) {
      case TRAIN, STATS_ONLY -> true;
      case FROZEN, AFFINE_ONLY -> false;
      case FOLLOW_STAGE -> stageTrained;
    };
  }

  /** Parameters that receive gradients and updates, in forward order. */
  /**
   * The parameter whose learning rate a run reports: the last of the last trained stage (a frozen
   * stage's BatchNorm affine under {@code batchNorm: train} is not what the stage schedule is
   * about); the last trainable one when no stage trains; null when nothing trains.
   */
  public Parameter reported() {
    return reported;
  }

  public List<Parameter> trainable() {
    return trainable;
  }

  /** Leading stages with nothing to train: they run without recording a backward graph. */
  public int noGradPrefix() {
    return noGradPrefix;
  }

  public long trainableCount() {
    return trainable.stream().mapToLong(p -> p.getArray().size()).sum();
  }
}
