package dev.mentor.training.loop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.loss.Loss;
import dev.mentor.training.model.StagedModel;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one training step minimises, given the batch and the student's forward pass. Plain
 * training wraps a {@link Loss} on the logits; distillation also reads tapped stage outputs from
 * the same forward pass and the teacher's outputs for the same samples.
 */
public interface Objective {
  /** Stages whose outputs the loss needs, taken from the training forward pass. */
  default Set<String> taps() {
    return Set.of();
  }

  /** Called once per epoch after the batches' order for {@code epoch} is drawn with {@code seed}. */
  default void startEpoch(long seed, int epoch) {}

  /** The loss of batch {@code index}; arrays it creates belong to {@code step}. */
  NDArray loss(int index, Batches.Batch batch, StagedModel.ModelOutput output, NDManager step);

  /** Each named term's unweighted value averaged over the samples seen since {@link #startEpoch}; empty for one term. */
  default Map<String, Double> epochTerms() {
    return Map.of();
  }

  /** Parameters outside the model that train with it (FitNets regressors). */
  default List<Parameter> extraParameters() {
    return List.of();
  }

  /** A loss on (labels, logits). */
  static Objective of(Loss loss) {
    return (index, batch, output, step) -> loss.evaluate(new NDList(batch.labels()), new NDList(output.logits()));
  }
}
