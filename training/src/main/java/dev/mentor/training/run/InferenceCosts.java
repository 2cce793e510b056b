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
public final class InferenceCosts {
  private static final int WARMUP = 5;
  private static final int REPEATS = 31;

  private InferenceCosts() {}

  /**
   * Median milliseconds for one sample through all {@code models}, the logits read back;
   * {@code samples} must have batch size 1 (its first batch is the sample, copied in each pass as
   * a caller would).
   */
  public static double latencyMs(List<StagedModel> models, ParameterStore store, Batches samples, NDManager manager) {
    return latencyMs(models, store, samples, manager, REPEATS);
  }

  /** As above, over {@code repeats} timed passes after the warm-up. */
  public static double latencyMs(List<StagedModel> models, ParameterStore store, Batches samples, NDManager manager, int repeats) {
    samples.inOrder();
    double[] times = new double[repeats];
    for (int r = -WARMUP; r < repeats; r++) {
      long start = System.nanoTime();
      // Each pass in its own scope: its input and every intermediate array die with it.
      try (NDManager step = manager.newSubManager(); GradMode off = GradMode.off()) {
        NDArray one = samples.get(0, step).inputs();
        for (StagedModel model : models) {
          model.forward(store, one, false, Set.of()).logits().toFloatArray();
        }
      }
      if (r >= 0) {
        times[r] = (System.nanoTime() - start) / 1e6;
      }
    }
    Arrays.sort(times);
    return times[repeats / 2];
  }
}
