package dev.mentor.training.eval;

/**
 * Class probabilities of a model on an evaluation set, row-major {@code [samples][classes]},
 * with the true labels and the samples' stable ids in the same order.
 */
public record Predictions(float[] probabilities, int[] labels, long[] sampleIds, int numClasses) {
  public int size() {
    return labels.length;
  }

  public float probability(int sample, int cls) {
    return probabilities[sample * numClasses + cls];
  }

  public int predicted(int sample) {
    int best = 0;
    for (int c = 1; c < numClasses; c++) {
      if (probability(sample, c) > probability(sample, best)) {
        best = c;
      }
    }
    return best;
  }
}
