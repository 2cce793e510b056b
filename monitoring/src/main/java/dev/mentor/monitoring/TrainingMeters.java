package dev.mentor.monitoring;

import dev.mentor.messages.job.StatusEvent.Kind;
import dev.mentor.messages.record.EnsembleMetrics.UncertaintyStats;
import dev.mentor.messages.record.EpochMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The learning curves of every run, as Prometheus sees them: per run (tags {@code experiment},
 * {@code arm}, {@code seed}, {@code role}, {@code device}) the last epoch's training and validation
 * loss and accuracy ({@code split}), each loss term ({@code term}), learning rate, samples per
 * second, epoch duration, epochs done and planned, a distillation run's temperature, counts of
 * early-stopping and overfitting events, and an ensemble's uncertainty on each evaluated set.
 * Tag values are bounded (ids, arm names, roles, devices, term names; never free text).
 * A finished experiment's series are removed {@code retention} after it ended ({@link #purge}),
 * so a service that runs for months does not grow its registry without bound.
 */
public final class TrainingMeters implements MeterBinder {
  private final Duration retention;
  private final Map<RunKey, Run> runs = new ConcurrentHashMap<>();
  private final Map<String, Instant> ended = new ConcurrentHashMap<>();
  private volatile MeterRegistry registry;

  /** One run's identity and where it trains. */
  public record RunKey(String experiment, String arm, long seed) {}

  public TrainingMeters(Duration retention) {
    this.retention = retention;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Mutable gauge values of one run and the meters registered for it. */
  private static final class Run {
    final Tags tags;
    volatile double trainLoss = Double.NaN;
    volatile double validationLoss = Double.NaN;
    volatile double trainAccuracy = Double.NaN;
    volatile double validationAccuracy = Double.NaN;
    volatile double learningRate = Double.NaN;
    /** 0 until the first epoch and once the run ended: a sum over an experiment's runs is its throughput now. */
    volatile double samplesPerSecond;
    volatile double epochSeconds = Double.NaN;
    volatile double epochsDone;
    volatile double epochsPlanned;
    final Map<String, double[]> terms = new ConcurrentHashMap<>();
    final Map<String, double[]> uncertainty = new ConcurrentHashMap<>();
    volatile double temperature = Double.NaN;
    final List<Meter> meters = new CopyOnWriteArrayList<>();

    Run(Tags tags) {
      this.tags = tags;
    }
  }

  private Run run(RunKey key, String role, String device) {
    return runs.computeIfAbsent(key, k -> {
      Run run = new Run(Tags.of("experiment", k.experiment(), "arm", k.arm(), "seed", Long.toString(k.seed()), "role", role, "device", device));
      MeterRegistry r = registry;
      if (r != null) {
        register(r, run);
      }
      return run;
    });
  }

  private static void register(MeterRegistry r, Run run) {
    run.meters.add(Gauge.builder("mentor.training.loss", run, x -> x.trainLoss).tags(run.tags).tag("split", "train")
        .description("Mean loss of the last training epoch (the objective minimised, all terms weighted)").register(r));
    run.meters.add(Gauge.builder("mentor.training.loss", run, x -> x.validationLoss).tags(run.tags).tag("split", "validation")
        .description("Mean loss of the last training epoch (the objective minimised, all terms weighted)").register(r));
    run.meters.add(Gauge.builder("mentor.training.accuracy", run, x -> x.trainAccuracy).tags(run.tags).tag("split", "train")
        .description("Accuracy of the last epoch, on the training batches or the validation set").register(r));
    run.meters.add(Gauge.builder("mentor.training.accuracy", run, x -> x.validationAccuracy).tags(run.tags).tag("split", "validation")
        .description("Accuracy of the last epoch, on the training batches or the validation set").register(r));
    run.meters.add(Gauge.builder("mentor.training.learning.rate", run, x -> x.learningRate).tags(run.tags)
        .description("Learning rate of the trained head at the last step of the last epoch").register(r));
    run.meters.add(Gauge.builder("mentor.training.throughput", run, x -> x.samplesPerSecond).tags(run.tags).baseUnit("samples.per.second")
        .description("Training samples per second over the last epoch of a run that trains; 0 before and after").register(r));
    run.meters.add(Gauge.builder("mentor.training.epoch.duration", run, x -> x.epochSeconds).tags(run.tags).baseUnit("seconds")
        .description("Wall time of the last training epoch").register(r));
    run.meters.add(Gauge.builder("mentor.training.epochs", run, x -> x.epochsDone).tags(run.tags).tag("state", "done")
        .description("Epochs trained so far and planned").register(r));
    run.meters.add(Gauge.builder("mentor.training.epochs", run, x -> x.epochsPlanned).tags(run.tags).tag("state", "planned")
        .description("Epochs trained so far and planned").register(r));
    // Counters start at 0 with the run, so rate() and increase() see the first event.
    for (Kind kind : Kind.values()) {
      if (kind.isRunNote()) {
        run.meters.add(eventCounter(r, run, kind));
      }
    }
  }

  /** The counter of a run's events of {@code kind} (a run note's), its {@code kind} tag the kind's wire name. */
  private static Counter eventCounter(MeterRegistry r, Run run, Kind kind) {
    return Counter.builder("mentor.training.events").tags(run.tags).tag("kind", kind.wireName())
        .description("Early-stopping and overfitting events of a run").register(r);
  }

  /**
   * A run was given a device slot, in {@code role} ({@code teacher}, {@code student}...), on
   * {@code device}; {@code temperature} is its distillation temperature, NaN when it has none.
   */
  public void runScheduled(RunKey key, String role, String device, double temperature) {
    Run run = run(key, role, device);
    MeterRegistry r = registry;
    if (Double.isFinite(temperature) && r != null) {
      boolean fresh = Double.isNaN(run.temperature);
      run.temperature = temperature;
      if (fresh) {
        run.meters.add(Gauge.builder("mentor.training.temperature", run, x -> x.temperature).tags(run.tags)
            .description("Softmax temperature of a distillation run's soft targets").register(r));
      }
    }
  }

  /**
   * An ensemble's mean uncertainty per sample on each evaluated set ({@code set}: validation,
   * test, each shift label), by {@code measure}: entropy (total), mutual information
   * (epistemic), disagreement (variance of the members' probabilities summed over classes).
   */
  public void ensemble(RunKey key, Map<String, UncertaintyStats> bySet) {
    Run run = run(key, "ensemble", "unknown");
    MeterRegistry r = registry;
    bySet.forEach((set, stats) -> {
      double[] values = {stats.entropy(), stats.mutualInformation(), stats.disagreement()};
      for (int i = 0; i < UNCERTAINTY_MEASURES.size(); i++) {
        String measure = UNCERTAINTY_MEASURES.get(i);
        run.uncertainty.computeIfAbsent(set + "/" + measure, k -> {
          double[] holder = {Double.NaN};
          if (r != null) {
            run.meters.add(Gauge.builder("mentor.ensemble.uncertainty", holder, h -> h[0]).tags(run.tags).tags("measure", measure, "set", set)
                .description("Mean per-sample uncertainty of an ensemble's prediction on a set: entropy, mutual information, disagreement")
                .register(r));
          }
          return holder;
        })[0] = values[i];
      }
    });
  }

  /** The measures of {@link #ensemble}, as the {@code measure} tag names them. */
  public static final List<String> UNCERTAINTY_MEASURES = List.of("entropy", "mutual_information", "disagreement");

  public void runStarted(RunKey key, int epochsPlanned) {
    Run run = runs.get(key);
    if (run != null) {
      run.epochsPlanned = epochsPlanned;
    }
  }

  /** The run ended (finished or failed for good): it trains no more samples. */
  public void runEnded(RunKey key) {
    Run run = runs.get(key);
    if (run != null) {
      run.samplesPerSecond = 0;
    }
  }

  /** The metrics of an epoch that just ended. */
  public void epoch(RunKey key, EpochMetrics m) {
    Run run = run(key, "unknown", "unknown");
    run.trainLoss = m.trainLoss();
    run.validationLoss = m.validationLoss();
    run.trainAccuracy = m.trainAccuracy();
    run.validationAccuracy = m.validationAccuracy();
    run.learningRate = m.learningRate();
    run.samplesPerSecond = m.samplesPerSecond();
    run.epochSeconds = m.seconds();
    run.epochsDone = m.epoch();
    if (m.terms() != null) {
      Run owner = run;
      m.terms().forEach((term, value) -> owner.terms.computeIfAbsent(term, t -> {
        double[] holder = {Double.NaN};
        MeterRegistry r = registry;
        if (r != null) {
          owner.meters.add(Gauge.builder("mentor.training.loss.term", holder, h -> h[0]).tags(owner.tags).tag("term", t)
              .description("Mean value of one loss term over the last training epoch (before its weight)").register(r));
        }
        return holder;
      })[0] = value);
    }
  }

  /** An early-stopping or overfitting event of a run ({@code kind}: a run note's, see {@link Kind#isRunNote}). */
  public void runEvent(RunKey key, Kind kind) {
    if (!kind.isRunNote()) {
      throw new IllegalArgumentException("kind must be a run note's (early-stopping, overfitting), got " + kind);
    }
    Run run = runs.get(key);
    MeterRegistry r = registry;
    if (run != null && r != null) {
      eventCounter(r, run, kind).increment();
    }
  }

  /** The experiment ended (finished, failed, cancelled) at {@code at}: its series go {@code retention} later. */
  public void experimentEnded(String experiment, Instant at) {
    ended.put(experiment, at);
  }

  /** Removes the series of experiments that ended more than the retention before {@code now}; returns how many runs went. */
  public int purge(Instant now) {
    int removed = 0;
    for (Map.Entry<String, Instant> e : List.copyOf(ended.entrySet())) {
      if (e.getValue().plus(retention).isAfter(now)) {
        continue;
      }
      ended.remove(e.getKey());
      for (RunKey key : List.copyOf(runs.keySet())) {
        if (key.experiment().equals(e.getKey())) {
          Run run = runs.remove(key);
          MeterRegistry r = registry;
          if (r != null) {
            run.meters.forEach(r::remove);
          }
          removed++;
        }
      }
    }
    return removed;
  }
}
