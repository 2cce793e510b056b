package dev.mentor.messages.record;

import java.util.List;

/**
 * Classification metrics on one evaluation set: accuracy, mean negative log-likelihood of the
 * true class (natural log, averaged over samples), expected calibration error (15 equal-width
 * confidence bins, weighted by bin size), accuracy per class and the confusion matrix
 * ({@code confusion[true][predicted]}).
 */
public record EvalMetrics(int samples, double accuracy, double nll, double ece, List<Double> perClassAccuracy, List<List<Integer>> confusion) {}
