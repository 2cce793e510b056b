package dev.mentor.training.eval;

import dev.mentor.messages.record.EvalMetrics;
import java.util.ArrayList;
import java.util.List;

/**
 * Classification metrics from predicted probabilities: accuracy, mean negative log-likelihood of
 * the true class (natural log; probabilities floored at 1e-12 so one confident mistake cannot make
 * it infinite), expected calibration error over {@value #ECE_BINS} equal-width bins of the top-class
 * confidence, per-class accuracy and the confusion matrix.
 */
public final class Metrics {
  public static final int ECE_BINS = 15;

  private Metrics() {}

  public static EvalMetrics of(Predictions p) {
    int n = p.size();
    int k = p.numClasses();
    int[][] confusion = new int[k][k];
    double nll = 0;
    int correct = 0;
    double[] binConfidence = new double[ECE_BINS];
    double[] binCorrect = new double[ECE_BINS];
    int[] binCount = new int[ECE_BINS];
    for (int i = 0; i < n; i++) {
      int predicted = p.predicted(i);
      int label = p.labels()[i];
      confusion[label][predicted]++;
      boolean hit = predicted == label;
      correct += hit ? 1 : 0;
      nll -= Math.log(Math.max(p.probability(i, label), 1e-12));
      double confidence = p.probability(i, predicted);
      int bin = Math.min(ECE_BINS - 1, (int) (confidence * ECE_BINS));
      binConfidence[bin] += confidence;
      binCorrect[bin] += hit ? 1 : 0;
      binCount[bin]++;
    }
    double ece = 0;
    for (int b = 0; b < ECE_BINS; b++) {
      if (binCount[b] > 0) {
        ece += Math.abs(binCorrect[b] - binConfidence[b]) / n;
      }
    }
    List<Double> perClass = new ArrayList<>();
    List<List<Integer>> matrix = new ArrayList<>();
    for (int c = 0; c < k; c++) {
      int total = 0;
      List<Integer> row = new ArrayList<>();
      for (int j = 0; j < k; j++) {
        total += confusion[c][j];
        row.add(confusion[c][j]);
      }
      perClass.add(total == 0 ? null : confusion[c][c] / (double) total);
      matrix.add(row);
    }
    return new EvalMetrics(n, n == 0 ? Double.NaN : correct / (double) n, n == 0 ? Double.NaN : nll / n, ece, perClass, matrix);
  }
}
