package dev.mentor.training.loop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import dev.mentor.training.engine.GradMode;
import dev.mentor.training.eval.Predictions;
import dev.mentor.training.model.BatchNormLayer;
import dev.mentor.training.model.SeededDropout;
import dev.mentor.training.model.StagedModel;
import dev.mentor.training.optim.MentorOptimizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntConsumer;

/**
 * Mentor's training loop for one model: epochs of forward, loss, backward and optimiser steps,
 * inference passes, and BatchNorm statistics passes. Every step's arrays live in a sub-manager
 * closed at the end of the step, so native memory stays flat across epochs; gradient recording
 * uses {@link GradMode} on the calling thread only, so trainers on other threads are unaffected.
 */
public final class Trainer {
  private final StagedModel model;
  private final NDManager manager;
  private final ParameterStore store;
  private final long seed;
  private Objective objective;
  private List<Parameter> trainable = List.of();
  /** The model's last trained parameter, whose rate an epoch reports (null when no model parameter trains). */
  private Parameter reported;
  private MentorOptimizer optimizer;
  private MagnitudePruning pruning;

  public Trainer(StagedModel model, NDManager manager, long seed, Loss loss) {
    this.model = model;
    this.manager = manager;
    this.store = new ParameterStore(manager, false);
    this.seed = seed;
    this.objective = Objective.of(loss);
  }

  public Trainer(StagedModel model, NDManager manager, long seed) {
    this(model, manager, seed, new CrossEntropy());
  }

  public StagedModel model() {
    return model;
  }

  public NDManager manager() {
    return manager;
  }

  /** What the next epochs minimise. */
  public void setObjective(Objective objective) {
    this.objective = objective;
  }

  /** What the next epochs train (the plan's parameters and the objective's own), with which optimiser; pruning may be null. */
  public void configure(FreezePlan plan, MentorOptimizer optimizer, MagnitudePruning pruning) {
    List<Parameter> all = new ArrayList<>(plan.trainable());
    all.addAll(objective.extraParameters());
    this.trainable = List.copyOf(all);
    // The objective's own parameters come last but are not the model's: the reported rate is the model's last trained stage's.
    this.reported = plan.reported();
    this.optimizer = optimizer;
    this.pruning = pruning;
  }

  public MentorOptimizer optimizer() {
    return optimizer;
  }

  /** One pass over {@code batches} in the order drawn for {@code epoch}. */
  public EpochStats trainEpoch(Batches batches, int epoch) {
    return trainEpoch(batches, epoch, done -> { });
  }

  /** As {@link #trainEpoch(Batches, int)}, telling {@code afterBatch} how many batches are done. */
  public EpochStats trainEpoch(Batches batches, int epoch, IntConsumer afterBatch) {
    batches.shuffle(seed, epoch);
    objective.startEpoch(seed, epoch);
    long dropoutSeed = seed * 31 + epoch;
    for (SeededDropout dropout : model.dropouts()) {
      dropout.reseed(dropoutSeed++);
    }
    double lossSum = 0;
    long correct = 0;
    long start = System.nanoTime();
    double lr = Double.NaN;
    for (int i = 0; i < batches.count(); i++) {
      try (NDManager step = manager.newSubManager(); GradMode off = GradMode.off()) {
        Batches.Batch batch = batches.get(i, step);
        NDArray logits;
        float value;
        try (GradMode tape = GradMode.recording()) {
          StagedModel.ModelOutput output = model.forward(store, batch.inputs(), true, objective.taps());
          logits = output.logits();
          NDArray l = objective.loss(i, batch, output, step);
          value = l.getFloat();
          if (!Float.isFinite(value)) {
            throw new TrainingDivergedException("loss became " + value + " at epoch " + epoch + ", step " + (i + 1)
                + ": lower the learning rate or check the inputs");
          }
          if (!trainable.isEmpty()) {
            tape.backward(l);
          }
        }
        if (!trainable.isEmpty()) {
          lr = stepOptimizer(step);
        }
        int n = batch.sampleIds().length;
        lossSum += value * n;
        correct += countCorrect(logits, batch.labelValues());
      }
      afterBatch.accept(i + 1);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    return new EpochStats(lossSum / batches.size(), correct / (double) batches.size(), batches.size(), seconds, lr, objective.epochTerms());
  }

  /** One optimiser step over every trainable parameter; returns the rate of the model's last trained stage (NaN when none trains). */
  private double stepOptimizer(NDManager step) {
    for (Parameter p : trainable) {
      NDArray weight = p.getArray();
      NDArray grad = weight.getGradient();
      grad.attach(step);
      optimizer.update(p.getId(), weight, grad, p.getType() == Parameter.Type.WEIGHT);
    }
    double lastStageRate = reported == null ? Double.NaN : optimizer.currentRate(reported.getId());
    optimizer.finishStep();
    if (pruning != null) {
      pruning.reapply();
    }
    return lastStageRate;
  }

  private static long countCorrect(NDArray logits, int[] truth) {
    long[] predicted = logits.argMax(1).toLongArray();
    long correct = 0;
    for (int i = 0; i < truth.length; i++) {
      correct += predicted[i] == truth[i] ? 1 : 0;
    }
    return correct;
  }

  /** Class probabilities in inference mode (dropout off, BatchNorm on running statistics). */
  public Predictions predict(Batches batches) {
    batches.inOrder();
    int k = model.numClasses();
    float[] probabilities = new float[batches.size() * k];
    int[] labels = new int[batches.size()];
    long[] ids = new long[batches.size()];
    int offset = 0;
    for (int i = 0; i < batches.count(); i++) {
      try (NDManager step = manager.newSubManager(); GradMode off = GradMode.off()) {
        Batches.Batch batch = batches.get(i, step);
        NDArray logits = model.forward(store, batch.inputs(), false, Set.of()).logits();
        float[] p = logits.softmax(1).toFloatArray();
        System.arraycopy(p, 0, probabilities, offset * k, p.length);
        int[] y = batch.labelValues();
        System.arraycopy(y, 0, labels, offset, y.length);
        System.arraycopy(batch.sampleIds(), 0, ids, offset, y.length);
        offset += y.length;
      }
    }
    return new Predictions(probabilities, labels, ids, k);
  }

  /**
   * Recomputes every BatchNorm layer's running statistics as the exact average over one pass of
   * {@code batches}, changing no weight: the "epoch at learning rate 0" of BatchNorm adaptation.
   */
  public void recomputeBatchNormStatistics(Batches batches) {
    List<BatchNormLayer> norms = model.batchNorms();
    boolean[] previous = new boolean[norms.size()];
    for (int i = 0; i < norms.size(); i++) {
      previous[i] = norms.get(i).updatesStatistics();
      norms.get(i).setUpdateStatistics(true);
    }
    StagedModel.StageModes modes = model.stageModes();
    model.setStageModes(Set.of(), 0);
    batches.inOrder();
    try {
      for (int i = 0; i < batches.count(); i++) {
        for (BatchNormLayer norm : norms) {
          norm.setCumulativeStep(i + 1);
        }
        try (NDManager step = manager.newSubManager(); GradMode off = GradMode.off()) {
          model.forward(store, batches.get(i, step).inputs(), true, Set.of());
        }
      }
    } finally {
      for (int i = 0; i < norms.size(); i++) {
        norms.get(i).setCumulativeStep(0);
        norms.get(i).setUpdateStatistics(previous[i]);
      }
      model.setStageModes(modes.inference(), modes.noGradPrefix());
    }
  }

  /**
   * Loss, accuracy and throughput of one training epoch, and the learning rate of the model's last
   * trained stage (the head, whenever it trains) on the epoch's last step; parameters outside the
   * model that train with it (an objective's, e.g. FitNets regressors) never set it. NaN when no
   * stage of the model trains.
   */
  public record EpochStats(double loss, double accuracy, int samples, double seconds, double learningRate, Map<String, Double> terms) {
    public double samplesPerSecond() {
      return samples / Math.max(seconds, 1e-9);
    }
  }
}
