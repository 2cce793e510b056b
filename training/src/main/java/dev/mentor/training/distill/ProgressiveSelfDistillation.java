package dev.mentor.training.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.mentor.messages.spec.PsKdSpec;
import dev.mentor.training.data.ImageSet;
import dev.mentor.training.engine.GradMode;
import dev.mentor.training.engine.ParameterFile.Tensor;
import dev.mentor.training.engine.Scalars;
import dev.mentor.training.loop.Batches;
import dev.mentor.training.loop.Objective;
import dev.mentor.training.model.StagedModel;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Progressive self-knowledge distillation (Kim et al. 2021, see {@link PsKdSpec}): at epoch t of
 * E the target of a sample is {@code (1 − α_t)·onehot(y) + α_t·p_{t−1}}, with {@code α_t = α·t/E}
 * and {@code p_{t−1}} the softmax the model gave that sample in its training forward pass of the
 * previous epoch (the label itself before the first epoch, as in the authors' code), and the loss
 * is the cross-entropy against it, {@code −(1/b) Σ_i Σ_c target[i,c]·log p[i,c]}. Since the soft
 * cross-entropy is linear in the target, the loss equals
 * {@code (1 − α_t)·CE(y) + α_t·CE(p_{t−1})}, and both terms are reported.
 *
 * <p>The past predictions are a table over the training set, one row per sample id, written as
 * each batch is trained; {@link #state} and {@link #restore} carry it in a run's checkpoint, so a
 * resumed run sees exactly the targets it would have seen.
 */
public final class ProgressiveSelfDistillation implements Objective {
  /** Name of the table in a checkpoint's state tensors. */
  public static final String STATE = "ps-kd.predictions";
  public static final String LABEL_TERM = "ce(labels)";
  public static final String PAST_TERM = "ce(past predictions)";

  private final PsKdSpec spec;
  private final int epochs;
  private final int classes;
  private final Map<Long, Integer> rowOf;
  /** Row r: the past prediction for the training sample at r; NaN in column 0 while it has none. */
  private final float[] past;
  /** The table being written this epoch; swapped in for {@link #past} when the next epoch starts. */
  private float[] current;
  private final DirectArrays targets = new DirectArrays();
  private double alpha;
  private double labelSum;
  private double pastSum;
  private long samples;
  private int epoch;

  /**
   * @param epochs the E of {@code α_t = α·t/E}: the arm's planned training epochs
   */
  public ProgressiveSelfDistillation(PsKdSpec spec, int epochs, ImageSet train, int classes) {
    if (epochs < 1) {
      throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
    }
    this.spec = spec;
    this.epochs = epochs;
    this.classes = classes;
    this.rowOf = new HashMap<>(train.size() * 2);
    for (int i = 0; i < train.size(); i++) {
      if (rowOf.put(train.sampleId(i), i) != null) {
        throw new IllegalArgumentException("training sample id " + train.sampleId(i) + " appears twice; PS-KD keeps one prediction per sample");
      }
    }
    this.past = new float[train.size() * classes];
    this.current = new float[train.size() * classes];
    Arrays.fill(past, Float.NaN);
    Arrays.fill(current, Float.NaN);
  }

  @Override
  public void startEpoch(long seed, int epoch) {
    if (epoch != this.epoch) {
      // The predictions made in the epoch just trained become the past of this one.
      System.arraycopy(current, 0, past, 0, past.length);
    }
    this.epoch = epoch;
    alpha = spec.alphaAt(epoch, epochs);
    labelSum = 0;
    pastSum = 0;
    samples = 0;
  }

  @Override
  public NDArray loss(int index, Batches.Batch batch, StagedModel.ModelOutput output, NDManager step) {
    NDArray logits = output.logits();
    long[] ids = batch.sampleIds();
    int[] labels = batch.labelValues();
    int n = ids.length;
    int[] rows = new int[n];
    for (int i = 0; i < n; i++) {
      Integer row = rowOf.get(ids[i]);
      if (row == null) {
        throw new IllegalStateException("sample id " + ids[i] + " is not in the training set PS-KD was built for");
      }
      rows[i] = row;
    }
    NDArray logProbabilities = logits.logSoftmax(1);
    // The previous epoch's predictions, the label where a sample has none yet: one array for both terms.
    NDArray pastTargets = targets.create(n * classes, buffer -> {
      float[] row = new float[classes];
      for (int i = 0; i < n; i++) {
        int at = rows[i] * classes;
        if (Float.isNaN(past[at])) {
          Arrays.fill(row, 0f);
          row[labels[i]] = 1f;
        } else {
          System.arraycopy(past, at, row, 0, classes);
        }
        buffer.put(row);
      }
    }, new Shape(n, classes), step);
    NDArray pastTerm = pastTargets.mul(logProbabilities).sum(new int[] {1}).neg().mean();
    NDArray labelLoss = logProbabilities.get(new NDIndex().addAllDim().addPickDim(batch.labels().reshape(-1, 1))).mean().neg();
    NDArray loss = labelLoss.mul(Scalars.of(labelLoss, 1 - alpha)).add(pastTerm.mul(Scalars.of(pastTerm, alpha)));
    float[] probabilities;
    try (GradMode off = GradMode.off()) {
      probabilities = logProbabilities.stopGradient().exp().toFloatArray();
      labelSum += labelLoss.getFloat() * n;
      pastSum += pastTerm.getFloat() * n;
    }
    for (int i = 0; i < n; i++) {
      System.arraycopy(probabilities, i * classes, current, rows[i] * classes, classes);
    }
    samples += n;
    return loss;
  }

  @Override
  public Map<String, Double> epochTerms() {
    Map<String, Double> terms = new LinkedHashMap<>();
    if (samples > 0) {
      terms.put(LABEL_TERM, labelSum / samples);
      terms.put(PAST_TERM, pastSum / samples);
    }
    return terms;
  }

  /** The predictions of the last epoch trained, for a checkpoint taken after it. */
  public Map<String, Tensor> state() {
    return Map.of(STATE, new Tensor(current.clone(), new long[] {current.length / classes, classes}));
  }

  /** Restores the predictions a checkpoint saved: the past of the next epoch to train. */
  public void restore(Map<String, Tensor> state) {
    Tensor saved = state.get(STATE);
    if (saved == null || saved.values().length != current.length) {
      throw new IllegalArgumentException("the checkpoint's PS-KD predictions " + (saved == null ? "are missing"
          : "have " + saved.values().length + " values, the training set needs " + current.length) + "; delete the run's checkpoint to start it again");
    }
    System.arraycopy(saved.values(), 0, current, 0, current.length);
    // The next startEpoch is for a new epoch and moves these into the past.
    epoch = 0;
  }
}
