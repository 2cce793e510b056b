package dev.mentor.training.run;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import dev.mentor.training.engine.GradMode;
import dev.mentor.training.loop.Batches;
import dev.mentor.training.model.StagedModel;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Measures what serving a model costs: the median latency of one sample alone through every
 * model of a run (a single model or all ensemble members), after a warm-up, with the logits read
 * back as a caller would. Throughput at the evaluation batch size comes from timing the test pass.
 */
final class InferenceCosts {
  private static final int WARMUP = 5;
  private static final int REPEATS = 31;

  private InferenceCosts() {}

  /** Median milliseconds for one sample (the first of {@code samples}) through all {@code models}. */
  static double latencyMs(List<StagedModel> models, ParameterStore store, Batches samples, NDManager manager) {
    samples.inOrder();
    double[] times = new double[REPEATS];
    try (NDManager scope = manager.newSubManager(); GradMode off = GradMode.off()) {
      NDArray one = samples.get(0, scope).inputs().get("0:1");
      for (int r = -WARMUP; r < REPEATS; r++) {
        long start = System.nanoTime();
        for (StagedModel model : models) {
          try (NDManager step = scope.newSubManager()) {
            NDArray logits = model.forward(store, one, false, Set.of()).logits();
            logits.attach(step);
            logits.toFloatArray();
          }
        }
        if (r >= 0) {
          times[r] = (System.nanoTime() - start) / 1e6;
        }
      }
    }
    Arrays.sort(times);
    return times[REPEATS / 2];
  }
}
