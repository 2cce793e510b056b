package dev.mentor.training.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.mentor.training.engine.GradMode;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * BatchNormLayer against hand computations on a (batch 4, channels 3, 2x2) input: every channel
 * normalises 16 values.
 */
class BatchNormLayerTest {
  private static final int N = 4;
  private static final int C = 3;
  private static final int HW = 4;
  private static final float EPS = 1e-5f;
  private static final float[] GAMMA = {2f, 1f, 0.5f};
  private static final float[] BETA = {0.1f, 0f, -0.3f};
  private static final float[] RUNNING_MEAN = {0.5f, -1f, 2f};
  private static final float[] RUNNING_VAR = {4f, 0.25f, 1f};

  private static BatchNormLayer layer(NDManager manager) {
    BatchNormLayer bn = new BatchNormLayer();
    bn.initialize(manager, DataType.FLOAT32, new Shape(N, C, 2, 2));
    param(bn, "gamma").set(GAMMA);
    param(bn, "beta").set(BETA);
    param(bn, "runningMean").set(RUNNING_MEAN);
    param(bn, "runningVar").set(RUNNING_VAR);
    return bn;
  }

  private static NDArray param(BatchNormLayer bn, String name) {
    Parameter p = bn.getParameters().get(name);
    return p.getArray();
  }

  private static float[] input(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] x = new float[N * C * HW];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (random.nextDouble() * 4 - 1 + (i / HW % C));
    }
    return x;
  }

  private static double[] channelMean(float[] x) {
    double[] mean = new double[C];
    for (int i = 0; i < x.length; i++) {
      mean[i / HW % C] += x[i];
    }
    for (int c = 0; c < C; c++) {
      mean[c] /= N * HW;
    }
    return mean;
  }

  /** Sum of squared deviations per channel. */
  private static double[] channelSquares(float[] x, double[] mean) {
    double[] sq = new double[C];
    for (int i = 0; i < x.length; i++) {
      int c = i / HW % C;
      sq[c] += (x[i] - mean[c]) * (x[i] - mean[c]);
    }
    return sq;
  }

  private static float[] forward(NDManager manager, BatchNormLayer bn, float[] x, boolean training) {
    try (GradMode off = GradMode.off()) {
      NDArray in = manager.create(x, new Shape(N, C, 2, 2));
      return bn.forward(new ParameterStore(manager, false), new NDList(in), training).singletonOrThrow().toFloatArray();
    }
  }

  @Test
  void training_withoutStatisticsUpdates_normalisesWithRunningStatistics_andLeavesThemUnchanged() {
    try (NDManager manager = NDManager.newBaseManager()) {
      BatchNormLayer bn = layer(manager);
      bn.setUpdateStatistics(false);
      float[] x = input(1);

      float[] y = forward(manager, bn, x, true);

      for (int i = 0; i < x.length; i++) {
        int c = i / HW % C;
        double expected = GAMMA[c] * (x[i] - RUNNING_MEAN[c]) / Math.sqrt(RUNNING_VAR[c] + EPS) + BETA[c];
        assertThat((double) y[i]).as("element %d", i).isCloseTo(expected, within(1e-5));
      }
      assertThat(param(bn, "runningMean").toFloatArray()).containsExactly(RUNNING_MEAN);
      assertThat(param(bn, "runningVar").toFloatArray()).containsExactly(RUNNING_VAR);
    }
  }

  @Test
  void inference_normalisesWithRunningStatistics_andLeavesThemUnchanged_evenWhenUpdatesAreOn() {
    try (NDManager manager = NDManager.newBaseManager()) {
      BatchNormLayer bn = layer(manager);
      float[] x = input(2);

      float[] y = forward(manager, bn, x, false);

      for (int i = 0; i < x.length; i++) {
        int c = i / HW % C;
        double expected = GAMMA[c] * (x[i] - RUNNING_MEAN[c]) / Math.sqrt(RUNNING_VAR[c] + EPS) + BETA[c];
        assertThat((double) y[i]).isCloseTo(expected, within(1e-5));
      }
      assertThat(param(bn, "runningMean").toFloatArray()).containsExactly(RUNNING_MEAN);
      assertThat(param(bn, "runningVar").toFloatArray()).containsExactly(RUNNING_VAR);
    }
  }

  @Test
  void training_withStatisticsUpdates_normalisesWithBatchStatistics_andMovesRunningStatisticsByDjlMomentum() {
    try (NDManager manager = NDManager.newBaseManager()) {
      BatchNormLayer bn = layer(manager);
      assertThat(bn.updatesStatistics()).isTrue();
      float[] x = input(3);
      double[] mean = channelMean(x);
      double[] squares = channelSquares(x, mean);
      int count = N * HW;

      float[] y = forward(manager, bn, x, true);

      for (int i = 0; i < x.length; i++) {
        int c = i / HW % C;
        double biasedVar = squares[c] / count;
        double expected = GAMMA[c] * (x[i] - mean[c]) / Math.sqrt(biasedVar + EPS) + BETA[c];
        assertThat((double) y[i]).as("element %d", i).isCloseTo(expected, within(1e-4));
      }
      float[] runningMean = param(bn, "runningMean").toFloatArray();
      float[] runningVar = param(bn, "runningVar").toFloatArray();
      for (int c = 0; c < C; c++) {
        // DJL convention: running = 0.9 * old + 0.1 * batch (PyTorch momentum 0.1).
        assertThat((double) runningMean[c]).as("mean %d", c).isCloseTo(0.9 * RUNNING_MEAN[c] + 0.1 * mean[c], within(1e-5));
        // The variance folded in is the unbiased batch variance, as in PyTorch.
        assertThat((double) runningVar[c]).as("var %d", c).isCloseTo(0.9 * RUNNING_VAR[c] + 0.1 * squares[c] / (count - 1), within(1e-5));
      }
    }
  }

  @Test
  void cumulativeSteps_giveTheExactAverageOverBatches_andZeroRestoresMomentum() {
    try (NDManager manager = NDManager.newBaseManager()) {
      BatchNormLayer bn = layer(manager);
      int count = N * HW;
      double[] meanSum = new double[C];
      double[] varSum = new double[C];
      int k = 3;
      for (int step = 1; step <= k; step++) {
        float[] x = input(10 + step);
        double[] mean = channelMean(x);
        double[] squares = channelSquares(x, mean);
        for (int c = 0; c < C; c++) {
          meanSum[c] += mean[c];
          varSum[c] += squares[c] / (count - 1);
        }
        bn.setCumulativeStep(step);
        forward(manager, bn, x, true);
        float[] runningMean = param(bn, "runningMean").toFloatArray();
        float[] runningVar = param(bn, "runningVar").toFloatArray();
        for (int c = 0; c < C; c++) {
          // k = 1 replaces the old statistics entirely; later steps average the batches seen so far.
          assertThat((double) runningMean[c]).as("step %d mean %d", step, c).isCloseTo(meanSum[c] / step, within(1e-5));
          assertThat((double) runningVar[c]).as("step %d var %d", step, c).isCloseTo(varSum[c] / step, within(1e-5));
        }
      }

      bn.setCumulativeStep(0);
      float[] before = param(bn, "runningMean").toFloatArray();
      float[] x = input(20);
      double[] mean = channelMean(x);
      forward(manager, bn, x, true);
      float[] after = param(bn, "runningMean").toFloatArray();
      for (int c = 0; c < C; c++) {
        assertThat((double) after[c]).isCloseTo(0.9 * before[c] + 0.1 * mean[c], within(1e-5));
      }
    }
  }
}
