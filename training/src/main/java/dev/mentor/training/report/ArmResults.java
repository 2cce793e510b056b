package dev.mentor.training.report;

import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.record.EvalMetrics;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ArmSpec.Strategy;
import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.messages.spec.ModelSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/**
 * One arm's definition and its runs (one per seed, sorted by seed), with the metrics summarised
 * over seeds. Metrics a run lacks count as missing, so a summary's n can be below the run count.
 */
record ArmResults(ArmSpec spec, List<RunRecord> runs) {

  /** A learning curve averaged over seeds: at each epoch, the mean over the runs that reached it. */
  record Curve(double[] epochs, double[] values) {
    boolean isEmpty() {
      return epochs.length == 0;
    }
  }

  ArmResults {
    runs = runs.stream().sorted(Comparator.comparingLong(RunRecord::seed)).toList();
  }

  String name() {
    return spec.name();
  }

  Strategy strategy() {
    return spec.strategy();
  }

  boolean isLogistic() {
    return spec.model().type() == ModelSpec.Type.LOGISTIC;
  }

  /** A distillation student: it learns from a teacher. */
  boolean isStudent() {
    return spec.distill() != null;
  }

  boolean isEnsemble() {
    return spec.ensemble() != null;
  }

  /**
   * Whether this arm is what {@code student} would be without its teacher: the same model trained
   * from scratch, alone and without distillation, its own predictions (PS-KD) included, and not a
   * born-again sequence's baseline with the budget of all its generations (callers pass arms of one
   * task).
   */
  boolean isScratchBaselineOf(ArmResults student) {
    return strategy() == Strategy.SCRATCH && !isStudent() && !isEnsemble() && spec.psKd() == null
        && (spec.generation() == null || !spec.generation().isBaseline()) && spec.model().equals(student.spec.model());
  }

  /** The model as its first run describes it, e.g. {@code mlp [16]}; the model type when not recorded. */
  String model() {
    return Objects.requireNonNullElse(runs.get(0).model(), spec.model().type().specName());
  }

  /** Where the starting weights come from, e.g. {@code arm `pretrain`}; empty for random initialisation. */
  Optional<String> initSource() {
    if (spec.init() == null) {
      return Optional.empty();
    }
    return Optional.of(spec.init().from() != null ? "arm `" + spec.init().from() + "`" : "checkpoint `" + spec.init().checkpoint() + "`");
  }

  Summary testAccuracy() {
    return summarise(ArmResults::testAccuracy);
  }

  /** A run's test accuracy; NaN when it has none. */
  static double testAccuracy(RunRecord run) {
    return run.test() == null ? Double.NaN : run.test().accuracy();
  }

  Summary test(ToDoubleFunction<EvalMetrics> metric) {
    return summarise(run -> run.test() == null ? Double.NaN : metric.applyAsDouble(run.test()));
  }

  Summary shiftedAccuracy(String key) {
    return summarise(run -> {
      EvalMetrics shifted = run.shifted() == null ? null : run.shifted().get(key);
      return shifted == null ? Double.NaN : shifted.accuracy();
    });
  }

  Summary summarise(ToDoubleFunction<RunRecord> metric) {
    return Summary.of(runs.stream().mapToDouble(metric).toArray());
  }

  /**
   * The per-seed differences this arm − {@code other} of a metric, over the seeds both arms ran
   * (same seed: same data subset, order and augmentation); n = 0 when they share no seed.
   */
  Summary pairedDifference(ArmResults other, ToDoubleFunction<RunRecord> metric) {
    Map<Long, RunRecord> theirs = new HashMap<>();
    other.runs.forEach(run -> theirs.putIfAbsent(run.seed(), run));
    return Summary.of(runs.stream().filter(run -> theirs.containsKey(run.seed()))
        .mapToDouble(run -> metric.applyAsDouble(run) - metric.applyAsDouble(theirs.get(run.seed()))).toArray());
  }

  Curve meanCurve(ToDoubleFunction<EpochMetrics> metric) {
    Map<Integer, List<Double>> byEpoch = new TreeMap<>();
    for (RunRecord run : runs) {
      for (EpochMetrics row : run.history() == null ? List.<EpochMetrics>of() : run.history()) {
        double value = metric.applyAsDouble(row);
        if (Double.isFinite(value)) {
          byEpoch.computeIfAbsent(row.epoch(), e -> new ArrayList<>()).add(value);
        }
      }
    }
    double[] epochs = byEpoch.keySet().stream().mapToDouble(Integer::doubleValue).toArray();
    double[] values = byEpoch.values().stream().mapToDouble(v -> v.stream().mapToDouble(Double::doubleValue).average().orElseThrow()).toArray();
    return new Curve(epochs, values);
  }
}
