package dev.mentor.training.run;

import static dev.mentor.training.run.ExperimentData.evaluationBatches;
import static dev.mentor.training.run.ExperimentData.firstSample;

import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.record.EvalMetrics;
import dev.mentor.messages.record.InferenceCost;
import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.training.data.ImageSet;
import dev.mentor.training.data.Normalization;
import dev.mentor.training.data.TaskData;
import dev.mentor.training.data.TaskSplitter;
import dev.mentor.training.eval.Metrics;
import dev.mentor.training.eval.Predictions;
import dev.mentor.training.loop.Batches;
import dev.mentor.training.loop.Trainer;
import dev.mentor.training.model.ModelStats;
import dev.mentor.training.model.ModelWeights;
import dev.mentor.training.timing.Timeline;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What every trained model of a run ends with, whether it trained alone ({@link Session}) or
 * stacked with its ensemble ({@link StackedEnsembleRun}): its weights evaluated on validation,
 * test and shifted test data, saved to {@code model.params}, its inference cost measured, and a
 * record started with all of it (a teacher arm's run also writes the dark-knowledge view of its
 * test predictions, {@link DarkKnowledgeFiles}); the caller adds the epochs, learning curve and whatever its run
 * has of its own (distillation, sparsity).
 */
final class FinalEvaluation {
  private static final Timeline TIMELINE = Timeline.process();

  private FinalEvaluation() {}

  /**
   * Evaluates {@code trainer}'s model. {@code validated} holds the validation predictions of the
   * model's current weights when the run already made them (null: predicted here). The record is
   * {@code recordSeed}'s (a member's own seed); the shifted sets and the provenance are the run's
   * ({@code runSeed}), so every member and the ensemble see the same draws.
   */
  static RunRecordBuilder evaluate(RunContext ctx, ArmSpec arm, long recordSeed, long runSeed, TaskData data, Trainer trainer,
      Normalization normalization, Batches validation, Predictions validated, Path dir, long trainableCount, List<EpochMetrics> history)
      throws IOException {
    EvalMetrics validationMetrics;
    try (Timeline.Span span = TIMELINE.start("evaluate: validation")) {
      validationMetrics = Metrics.of(validated != null ? validated : trainer.predict(validation));
    }
    long start = System.nanoTime();
    Predictions testPredictions = trainer.predict(evaluationBatches(data.test(), normalization));
    EvalMetrics test = Metrics.of(testPredictions);
    long testNanos = System.nanoTime() - start;
    TIMELINE.record("evaluate: test", testNanos);
    if (arm.ensemble() == null) {
      // An ensemble's members are evaluated here one by one; its view is of the ensemble (EnsembleRun).
      DarkKnowledgeFiles.writeIfTeacher(ctx, arm, runSeed, data, List.of(testPredictions), dir);
    }
    Map<String, EvalMetrics> shifted = new LinkedHashMap<>();
    try (Timeline.Span span = TIMELINE.start("evaluate: shifted test sets")) {
      for (Map.Entry<String, ImageSet> ood : TaskSplitter.oodSets(data, ctx.spec().tasks().get(arm.task()), runSeed).entrySet()) {
        shifted.put(ood.getKey(), Metrics.of(trainer.predict(evaluationBatches(ood.getValue(), normalization))));
      }
    }
    Path weights = dir.resolve("model.params");
    try (Timeline.Span span = TIMELINE.start("evaluate: save weights")) {
      ModelWeights.save(trainer.model(), weights, data.sourceClasses(), normalization);
    }
    double latency;
    try (Timeline.Span span = TIMELINE.start("evaluate: latency")) {
      NDManager manager = trainer.manager();
      latency = InferenceCosts.latencyMs(List.of(trainer.model()), new ParameterStore(manager, false), firstSample(data.test(), normalization),
          manager);
    }
    InferenceCost cost = new InferenceCost(latency, data.test().size() / (testNanos / 1e9), Files.size(weights));
    ModelStats stats = ModelStats.of(trainer.model());
    return RunRecordBuilder.of(ctx.spec().name(), arm, recordSeed)
        .setModel(RunExecutor.describe(arm), stats.parameters(), trainableCount, stats.multiplyAdds(), stats.bytes())
        .setSamples(data.train().size(), data.validation().size())
        .setTrainingTime(history.stream().mapToDouble(EpochMetrics::seconds).sum(),
            history.stream().mapToDouble(EpochMetrics::samplesPerSecond).average().orElse(0))
        .setMetrics(validationMetrics, test, shifted)
        .setInference(cost)
        .setProvenance(ctx.data().provenance(arm.task(), runSeed, normalization));
  }
}
