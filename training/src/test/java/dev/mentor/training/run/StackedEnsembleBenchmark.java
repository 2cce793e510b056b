package dev.mentor.training.run;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.messages.spec.ModelSpec;
import dev.mentor.messages.spec.OptimizerSpec;
import dev.mentor.messages.spec.ScheduleSpec;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.training.data.Augmentation;
import dev.mentor.training.data.Normalization;
import dev.mentor.training.data.SourceData;
import dev.mentor.training.data.SyntheticData;
import dev.mentor.training.loop.Batches;
import dev.mentor.training.loop.FreezePlan;
import dev.mentor.training.loop.StackedTrainer;
import dev.mentor.training.loop.Trainer;
import dev.mentor.training.model.ModelZoo;
import dev.mentor.training.model.StackedModel;
import dev.mentor.training.model.StagedModel;
import dev.mentor.training.optim.MentorOptimizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stacked against sequential training of a 5-member ensemble of small CNNs on Fashion-MNIST, in
 * interleaved pairs (stacked, sequential, stacked, ...) so that other load on the machine falls on
 * both alike; prints each pair's ratio. Runs only when asked:
 * {@code mvn -o -B -pl messages,training -am test -Dtest=StackedEnsembleBenchmark -Dsurefire.failIfNoSpecifiedTests=false -Dmentor.bench.stacked=4}
 * (the number of pairs).
 */
class StackedEnsembleBenchmark {
  private static final Path DATA = Path.of("/usr/share/datasets/fashion-mnist");

  @TempDir Path output;

  private ExperimentSpec spec(String name, boolean stacked, String model, int perClass, int epochs) {
    return SpecReader.parse("""
        name: %s
        seeds: [1]
        data: {source: fashion-mnist, path: %s}
        tasks:
          all: {classes: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], perClass: %d, validationPerClass: 20, testPerClass: 100}
        defaults: {task: all, epochs: %d, batchSize: 64, model: %s, optimizer: {type: adam, lr: 0.001}}
        arms:
          - {name: ensemble, ensemble: {members: 5, stacked: %s}}
        """.formatted(name, DATA, perClass, epochs, model, stacked));
  }

  /**
   * The training loop alone, in one JVM: one epoch of the 5 members stacked, then one epoch of each
   * member alone (5 {@link Trainer}s), alternately; 1,000 synthetic 28x28 images of 10 classes, batch 64.
   */
  @Test
  void trainingEpochs() {
    String pairs = System.getProperty("mentor.bench.stacked");
    assumeTrue(pairs != null, "set -Dmentor.bench.stacked=<pairs> to run the benchmark");
    SourceData data = SyntheticData.generate(10, 100, 28, 28, 3);
    Normalization normalization = Normalization.fit(data.train());
    long[] seeds = {1, 2, 3, 4, 5};
    OptimizerSpec adam = new OptimizerSpec(OptimizerSpec.Type.ADAM, 0.001, null, null, null);
    for (ModelSpec spec : List.of(new ModelSpec(ModelSpec.Type.CNN, null, List.of(16, 32), 64, null, null),
        new ModelSpec(ModelSpec.Type.MLP, List.of(256, 128), null, null, null, null))) {
      try (NDManager manager = NDManager.newBaseManager()) {
        Shape input = new Shape(1, 28, 28);
        List<StagedModel> members = new ArrayList<>();
        List<Trainer> alone = new ArrayList<>();
        List<Batches> batches = new ArrayList<>();
        for (long seed : seeds) {
          StagedModel model = ModelZoo.create(spec, 10, input, manager, seed);
          members.add(model);
          Batches b = new Batches(data.train(), 64, normalization, Augmentation.none());
          batches.add(b);
          Trainer trainer = new Trainer(model, manager, seed);
          trainer.configure(FreezePlan.apply(model, Set.copyOf(model.stageNames()), ArmSpec.BatchNormMode.FOLLOW_STAGE),
              MentorOptimizer.create(model, adam, ScheduleSpec.constant(), b.count(), 100), null);
          alone.add(trainer);
        }
        StackedModel stackedModel = StackedModel.stack(members, manager);
        StackedTrainer stacked = new StackedTrainer(stackedModel, manager, seeds);
        stacked.configure(StackedTrainer.optimizer(stackedModel, adam, ScheduleSpec.constant(), batches.get(0).count(), 100));
        System.out.printf(Locale.ROOT, "training epochs, 5 x %s %s: stacked vs one member after another%n", spec.type(),
            spec.type() == ModelSpec.Type.CNN ? spec.channels() + " fc" + spec.hidden() : spec.widths());
        // One warm-up epoch each.
        for (int epoch = 1; epoch <= Integer.parseInt(pairs) + 1; epoch++) {
          long start = System.nanoTime();
          stacked.trainEpoch(batches, epoch, done -> { });
          double a = (System.nanoTime() - start) / 1e9;
          start = System.nanoTime();
          for (int m = 0; m < seeds.length; m++) {
            alone.get(m).trainEpoch(batches.get(m), epoch);
          }
          double b = (System.nanoTime() - start) / 1e9;
          if (epoch > 1) {
            System.out.printf(Locale.ROOT, "  pair %d: stacked %.2f s, sequential %.2f s, ratio %.2fx%n", epoch - 1, a, b, b / a);
          }
        }
      }
    }
  }

  @Test
  void stackedAgainstSequential() throws IOException {
    String pairs = System.getProperty("mentor.bench.stacked");
    assumeTrue(pairs != null, "set -Dmentor.bench.stacked=<pairs> to run the benchmark");
    assumeTrue(Files.isRegularFile(DATA.resolve("train-images-idx3-ubyte.gz")), "Fashion-MNIST is not installed at " + DATA);
    String model = System.getProperty("mentor.bench.model", "{type: cnn, channels: [16, 32], hidden: 64}");
    int perClass = Integer.getInteger("mentor.bench.perClass", 300);
    int epochs = Integer.getInteger("mentor.bench.epochs", 2);
    System.out.printf(Locale.ROOT, "stacked vs sequential, 5 x %s, %d samples/class, %d epochs, batch 64%n", model, perClass, epochs);
    for (int pair = 0; pair < Integer.parseInt(pairs); pair++) {
      double[] wall = new double[2];
      double[] train = new double[2];
      for (int k = 0; k < 2; k++) {
        boolean stacked = k == 0;
        ExperimentSpec spec = spec("bench-" + pair + "-" + (stacked ? "stacked" : "sequential"), stacked, model, perClass, epochs);
        long start = System.nanoTime();
        List<RunRecord> records = new ExperimentRunner(spec, output, output).run(RunListener.NONE);
        wall[k] = (System.nanoTime() - start) / 1e9;
        train[k] = records.get(0).trainSeconds();
      }
      System.out.printf(Locale.ROOT, "pair %d: whole run %.1f s stacked / %.1f s sequential = %.2fx; training %.1f s / %.1f s = %.2fx%n",
          pair + 1, wall[0], wall[1], wall[1] / wall[0], train[0], train[1], train[1] / train[0]);
    }
  }
}
