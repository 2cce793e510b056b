package dev.mentor.messages.record;

import java.util.List;
import java.util.Map;

/**
 * The result of one run (one arm at one seed), written as {@code results.json} in the run's
 * directory. {@code selection} says which epoch's weights were evaluated ("best validation
 * epoch N by loss" or "last epoch N"); test and shifted-test metrics are those of that epoch.
 * A distillation student carries {@code distillation}; an ensemble arm's metrics are the
 * ensemble's, with member-level detail in {@code ensemble} (model sizes summed over members).
 * {@code provenance} says which data, files, normalisation and samples the run used (null in
 * records written before it existed).
 */
public record RunRecord(
    int schemaVersion,
    String experiment,
    String arm,
    long seed,
    String task,
    String strategy,
    String model,
    String teacher,
    long parameters,
    long trainableParameters,
    long multiplyAdds,
    long bytes,
    int trainSamples,
    int validationSamples,
    int epochsPlanned,
    int epochsRun,
    int selectedEpoch,
    String selection,
    double sparsity,
    double trainSeconds,
    double samplesPerSecond,
    EvalMetrics validation,
    EvalMetrics test,
    Map<String, EvalMetrics> shifted,
    List<EpochMetrics> history,
    List<RunEvent> events,
    DistillationInfo distillation,
    EnsembleMetrics ensemble,
    InferenceCost inference,
    DataProvenance provenance) {
  public static final int SCHEMA_VERSION = 1;
}
