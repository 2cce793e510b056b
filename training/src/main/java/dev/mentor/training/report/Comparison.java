package dev.mentor.training.report;

/**
 * The difference between two arms' mean accuracies in percentage points, set against their pooled
 * sample standard deviation: a difference no larger than one pooled std counts as "on par".
 */
record Comparison(double points, double pooledStdPoints) {

  static Comparison of(Summary a, Summary b) {
    int degrees = a.n() + b.n() - 2;
    double pooledVariance = degrees <= 0 ? 0
        : ((a.n() - 1) * a.std() * a.std() + (b.n() - 1) * b.std() * b.std()) / degrees;
    return new Comparison((a.mean() - b.mean()) * 100, Math.sqrt(pooledVariance) * 100);
  }

  boolean onPar() {
    return Math.abs(points) <= pooledStdPoints;
  }

  boolean better() {
    return !onPar() && points > 0;
  }
}
