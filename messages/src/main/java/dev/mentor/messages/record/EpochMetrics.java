package dev.mentor.messages.record;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One row of a run's learning curve. {@code phase} names the training phase ("train" for a
 * single-phase run, "probe" and "finetune" for LP-FT); {@code epoch} counts from 1 within the run.
 * Training loss and accuracy are averaged over the epoch's batches as they were trained
 * (dropout and augmentation on); validation numbers come from a separate pass in inference mode.
 * {@code terms} holds each named loss term's unweighted value averaged over the epoch's samples
 * (empty for plain cross-entropy training). {@code learningRate} is the rate of the model's last
 * trained stage on the epoch's last step: the head's (the peak rate after warmup and decay)
 * whenever the head trains; parameters outside the model, such as FitNets regressors, never set it.
 */
public record EpochMetrics(
    int epoch,
    String phase,
    double trainLoss,
    double trainAccuracy,
    double validationLoss,
    double validationAccuracy,
    double learningRate,
    double samplesPerSecond,
    double seconds,
    Map<String, Double> terms) {

  public EpochMetrics {
    terms = terms == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(terms));
  }
}
