package dev.mentor.training.loop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import ai.djl.training.tracker.ParameterTracker;
import dev.mentor.messages.spec.OptimizerSpec;
import dev.mentor.messages.spec.ScheduleSpec;
import dev.mentor.training.engine.GradMode;
import dev.mentor.training.eval.Predictions;
import dev.mentor.training.model.StackedModel;
import dev.mentor.training.optim.MentorOptimizer;
import dev.mentor.training.optim.Schedule;
import dev.mentor.training.optim.StageLearningRates;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * The training loop of a {@link StackedModel}: each step takes batch i of every member's own
 * {@link Batches} (each shuffled and augmented from the member's seed, as {@link Trainer} does for
 * a member trained alone), lays them side by side, and minimises the sum over members of each
 * member's mean cross-entropy, so that every member's gradient is the gradient it would have
 * alone. The optimiser updates each stacked parameter elementwise, which is the members' updates
 * side by side: same rate per stage and step, weight decay on weights only, moments per element.
 * Arrays of a step live in a sub-manager closed at the end of the step, as in {@link Trainer}.
 */
public final class StackedTrainer {
  private final StackedModel model;
  private final NDManager manager;
  private final long[] seeds;
  private MentorOptimizer optimizer;

  /** {@code seeds[m]}: member m's seed (data order, augmentation and dropout draws). */
  public StackedTrainer(StackedModel model, NDManager manager, long[] seeds) {
    if (seeds.length != model.members()) {
      throw new IllegalArgumentException(seeds.length + " seeds for " + model.members() + " members");
    }
    this.model = model;
    this.manager = manager;
    this.seeds = seeds.clone();
  }

  public StackedModel model() {
    return model;
  }

  public MentorOptimizer optimizer() {
    return optimizer;
  }

  /**
   * An optimiser for a phase of {@code epochs} epochs of {@code stepsPerEpoch} steps that trains
   * every stage: each stacked parameter at its stage's rate ({@code layerDecay} and schedule as
   * {@link MentorOptimizer#create} gives the members alone).
   */
  public static MentorOptimizer optimizer(StackedModel model, OptimizerSpec spec, ScheduleSpec schedule, int stepsPerEpoch, int epochs) {
    Schedule steps = new Schedule(schedule, stepsPerEpoch, epochs);
    List<String> stages = model.spec().stageNames();
    Map<String, Double> factors = new HashMap<>();
    model.parameters().forEach((name, p) -> factors.put(name, StageLearningRates.factor(stages.indexOf(p.stage()), stages.size(),
        spec.layerDecay())));
    double peak = spec.lr();
    ParameterTracker rates = new ParameterTracker() {
      @Override
      public float getNewValue(String parameterId, int numUpdate) {
        Double factor = factors.get(parameterId);
        if (factor == null) {
          throw new IllegalArgumentException("parameter " + parameterId + " is not a stacked parameter of this model");
        }
        return (float) (peak * factor * steps.factor(numUpdate));
      }
    };
    return new MentorOptimizer(spec, rates);
  }

  public void configure(MentorOptimizer optimizer) {
    this.optimizer = optimizer;
  }

  /**
   * One pass over every member's {@code batches.get(m)} in the order drawn for (member seed,
   * {@code epoch}); returns each member's statistics. The members' data must have one size and
   * batch size. {@code seconds} is the whole stacked epoch's.
   */
  public List<Trainer.EpochStats> trainEpoch(List<Batches> batches, int epoch, IntConsumer afterBatch) {
    int members = model.members();
    if (batches.size() != members) {
      throw new IllegalArgumentException(batches.size() + " batch sources for " + members + " members");
    }
    long[] dropoutSeeds = new long[members];
    for (int m = 0; m < members; m++) {
      batches.get(m).shuffle(seeds[m], epoch);
      dropoutSeeds[m] = seeds[m] * 31 + epoch;
    }
    model.reseedDropout(dropoutSeeds);
    int count = batches.get(0).count();
    double[] lossSums = new double[members];
    long[] correct = new long[members];
    long start = System.nanoTime();
    double lr = Double.NaN;
    String reported = lastTrained();
    for (int i = 0; i < count; i++) {
      try (NDManager step = manager.newSubManager(); GradMode off = GradMode.off()) {
        List<NDArray> inputs = new ArrayList<>(members);
        NDList labels = new NDList(members);
        int[][] truth = new int[members][];
        for (int m = 0; m < members; m++) {
          Batches.Batch batch = batches.get(m).get(i, step);
          inputs.add(batch.inputs());
          labels.add(batch.labels());
          truth[m] = batch.labelValues();
        }
        int n = truth[0].length;
        NDArray logits;
        float[] losses;
        try (GradMode tape = GradMode.recording()) {
          logits = model.forward(model.stackInputs(inputs), true);
          NDArray perMember = memberCrossEntropy(logits, NDArrays.stack(labels, 0), n);
          losses = perMember.toFloatArray();
          for (int m = 0; m < members; m++) {
            if (!Float.isFinite(losses[m])) {
              throw new TrainingDivergedException("member " + m + ": loss became " + losses[m] + " at epoch " + epoch + ", step " + (i + 1)
                  + ": lower the learning rate or check the inputs");
            }
          }
          tape.backward(perMember.sum());
        }
        for (StackedModel.Stacked p : model.parameters().values()) {
          if (!p.trains()) {
            continue;
          }
          NDArray grad = p.array().getGradient();
          grad.attach(step);
          optimizer.update(p.name(), p.array(), grad, p.type() == Parameter.Type.WEIGHT);
        }
        lr = optimizer.currentRate(reported);
        optimizer.finishStep();
        long[] predicted = logits.argMax(2).toLongArray();
        for (int m = 0; m < members; m++) {
          lossSums[m] += losses[m] * n;
          for (int j = 0; j < n; j++) {
            correct[m] += predicted[m * n + j] == truth[m][j] ? 1 : 0;
          }
        }
      }
      afterBatch.accept(i + 1);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    int size = batches.get(0).size();
    List<Trainer.EpochStats> stats = new ArrayList<>();
    for (int m = 0; m < members; m++) {
      stats.add(new Trainer.EpochStats(lossSums[m] / size, correct[m] / (double) size, size, seconds, lr, Map.of()));
    }
    return stats;
  }

  /** The head's last trained parameter, whose rate an epoch reports (as {@link Trainer} reports the model's last trained stage's). */
  private String lastTrained() {
    String last = null;
    for (StackedModel.Stacked p : model.parameters().values()) {
      if (p.trains()) {
        last = p.name();
      }
    }
    return last;
  }

  /**
   * Each member's mean cross-entropy ({@code [M]}) of logits {@code [M, B, K]} against labels
   * {@code [M, B]}: {@link CrossEntropy} per member.
   */
  static NDArray memberCrossEntropy(NDArray logits, NDArray labels, int batch) {
    int members = Math.toIntExact(logits.getShape().get(0));
    NDArray flat = logits.reshape(-1, logits.getShape().get(2));
    NDArray picked = flat.logSoftmax(1).get(new NDIndex().addAllDim().addPickDim(labels.reshape(-1, 1)));
    return picked.reshape(members, batch).mean(new int[] {1}).neg();
  }

  /** Every member's class probabilities on {@code batches} in inference mode (dropout off, BatchNorm on running statistics). */
  public List<Predictions> predict(Batches batches) {
    batches.inOrder();
    int members = model.members();
    int k = model.numClasses();
    float[][] probabilities = new float[members][batches.size() * k];
    int[] labels = new int[batches.size()];
    long[] ids = new long[batches.size()];
    int offset = 0;
    for (int i = 0; i < batches.count(); i++) {
      try (NDManager step = manager.newSubManager(); GradMode off = GradMode.off()) {
        Batches.Batch batch = batches.get(i, step);
        NDArray logits = model.forward(model.shareInput(batch.inputs()), false);
        float[] p = logits.softmax(2).toFloatArray();
        int n = batch.labelValues().length;
        for (int m = 0; m < members; m++) {
          System.arraycopy(p, m * n * k, probabilities[m], offset * k, n * k);
        }
        System.arraycopy(batch.labelValues(), 0, labels, offset, n);
        System.arraycopy(batch.sampleIds(), 0, ids, offset, n);
        offset += n;
      }
    }
    List<Predictions> out = new ArrayList<>();
    for (int m = 0; m < members; m++) {
      out.add(new Predictions(probabilities[m], labels.clone(), ids.clone(), k));
    }
    return out;
  }
}
