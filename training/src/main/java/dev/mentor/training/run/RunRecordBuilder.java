package dev.mentor.training.run;

import dev.mentor.messages.record.DataProvenance;
import dev.mentor.messages.record.DistillationInfo;
import dev.mentor.messages.record.EnsembleMetrics;
import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.record.EvalMetrics;
import dev.mentor.messages.record.InferenceCost;
import dev.mentor.messages.record.RunEvent;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ArmSpec;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Assembles the {@link RunRecord} of one run from what the run measured, so that a run (a
 * {@link Session}, or an {@link EnsembleRun} over its members) trains and evaluates and this
 * class alone knows the record's shape. The arm and seed name the run; the rest comes in parts:
 * what was trained ({@link #setModel}), on how many samples, for how many epochs and which
 * weights were kept, the learning curve and the run's events, the training time, the metrics of
 * the kept weights, the inference cost and the data's provenance. A distillation student adds its
 * teacher and distillation info, an ensemble its member-level metrics, a pruned model its
 * sparsity. {@link #build} fails naming the first required part that was never given.
 */
final class RunRecordBuilder {
  private final String experiment;
  private final ArmSpec arm;
  private final long seed;
  private String model;
  private long parameters;
  private long trainableParameters;
  private long multiplyAdds;
  private long bytes;
  private int trainSamples = -1;
  private int validationSamples;
  private int epochsPlanned = -1;
  private int epochsRun;
  private int selectedEpoch;
  private String selection;
  private List<EpochMetrics> history;
  private List<RunEvent> events;
  private double trainSeconds = Double.NaN;
  private double samplesPerSecond;
  private EvalMetrics validation;
  private EvalMetrics test;
  private Map<String, EvalMetrics> shifted;
  private InferenceCost inference;
  private DataProvenance provenance;
  private String teacher;
  private double sparsity;
  private DistillationInfo distillation;
  private EnsembleMetrics ensemble;

  private RunRecordBuilder(String experiment, ArmSpec arm, long seed) {
    this.experiment = Objects.requireNonNull(experiment, "experiment");
    this.arm = Objects.requireNonNull(arm, "arm");
    this.seed = seed;
  }

  /** The record of {@code arm}'s run at {@code seed} in experiment {@code experiment}; its task and strategy are the arm's. */
  static RunRecordBuilder of(String experiment, ArmSpec arm, long seed) {
    return new RunRecordBuilder(experiment, arm, seed);
  }

  /** What was trained: the model as described in the record, its parameters (those trained at some point among them), multiply-adds per sample and bytes. */
  RunRecordBuilder setModel(String description, long parameters, long trainableParameters, long multiplyAdds, long bytes) {
    this.model = description;
    this.parameters = parameters;
    this.trainableParameters = trainableParameters;
    this.multiplyAdds = multiplyAdds;
    this.bytes = bytes;
    return this;
  }

  /** The sizes of the training and validation sets. */
  RunRecordBuilder setSamples(int train, int validation) {
    this.trainSamples = train;
    this.validationSamples = validation;
    return this;
  }

  /** Epochs planned and run, the epoch whose weights were evaluated and why those ({@code selection}, e.g. "last epoch 3"). */
  RunRecordBuilder setEpochs(int planned, int run, int selected, String selection) {
    this.epochsPlanned = planned;
    this.epochsRun = run;
    this.selectedEpoch = selected;
    this.selection = selection;
    return this;
  }

  /** The learning curve, one row per epoch trained, and the run's events (notes, stops). */
  RunRecordBuilder setCurve(List<EpochMetrics> history, List<RunEvent> events) {
    this.history = history;
    this.events = events;
    return this;
  }

  /** Seconds spent training and the training throughput in samples per second. */
  RunRecordBuilder setTrainingTime(double seconds, double samplesPerSecond) {
    this.trainSeconds = seconds;
    this.samplesPerSecond = samplesPerSecond;
    return this;
  }

  /** The evaluated weights' metrics on validation, test and each shifted test set (by shift name). */
  RunRecordBuilder setMetrics(EvalMetrics validation, EvalMetrics test, Map<String, EvalMetrics> shifted) {
    this.validation = validation;
    this.test = test;
    this.shifted = shifted;
    return this;
  }

  /** What one prediction costs: latency, test throughput and the weights' bytes on disk. */
  RunRecordBuilder setInference(InferenceCost inference) {
    this.inference = inference;
    return this;
  }

  /** Which data, files, standardisation and samples the run used. */
  RunRecordBuilder setProvenance(DataProvenance provenance) {
    this.provenance = provenance;
    return this;
  }

  /** A distillation student's teacher (where it came from) and how it was distilled. */
  RunRecordBuilder optDistillation(String teacher, DistillationInfo distillation) {
    this.teacher = teacher;
    this.distillation = distillation;
    return this;
  }

  /** The fraction of weights a pruned model has at zero (0 unless pruned). */
  RunRecordBuilder optSparsity(double sparsity) {
    this.sparsity = sparsity;
    return this;
  }

  /** An ensemble's member-level metrics. */
  RunRecordBuilder optEnsemble(EnsembleMetrics ensemble) {
    this.ensemble = ensemble;
    return this;
  }

  RunRecord build() {
    require(model != null, "the model (setModel)");
    require(trainSamples >= 0, "the sample counts (setSamples)");
    require(epochsPlanned >= 0 && selection != null, "the epochs and selection (setEpochs)");
    require(history != null && events != null, "the learning curve and events (setCurve)");
    require(!Double.isNaN(trainSeconds), "the training time (setTrainingTime)");
    require(validation != null && test != null && shifted != null, "the metrics (setMetrics)");
    require(inference != null, "the inference cost (setInference)");
    require(provenance != null, "the provenance (setProvenance)");
    return new RunRecord(RunRecord.SCHEMA_VERSION, experiment, arm.name(), seed, arm.task(), arm.strategy().specName(), model, teacher,
        parameters, trainableParameters, multiplyAdds, bytes, trainSamples, validationSamples, epochsPlanned, epochsRun, selectedEpoch,
        selection, sparsity, trainSeconds, samplesPerSecond, validation, test, shifted, history, events, distillation, ensemble, inference,
        provenance);
  }

  private void require(boolean given, String part) {
    if (!given) {
      throw new IllegalStateException("the run record of arm '" + arm.name() + "' seed " + seed + " lacks " + part);
    }
  }
}
