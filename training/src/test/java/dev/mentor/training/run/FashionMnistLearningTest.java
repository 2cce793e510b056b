package dev.mentor.training.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole stack learns real data: a small CNN and logistic regression on a Fashion-MNIST subset. */
class FashionMnistLearningTest {
  private static final Path DATA = Path.of("/usr/share/datasets/fashion-mnist");

  @TempDir Path output;

  @Test
  void smallCnnAndLogisticRegressionLearnFashionMnist() throws IOException {
    assumeTrue(Files.isRegularFile(DATA.resolve("train-images-idx3-ubyte.gz")), "Fashion-MNIST is not installed at " + DATA);
    ExperimentSpec spec = SpecReader.parse("""
        name: fashion
        seeds: [1]
        data: {source: fashion-mnist, path: %s}
        tasks:
          all: {classes: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], perClass: 200, validationPerClass: 20, testPerClass: 100}
        defaults: {task: all, epochs: 3, batchSize: 64}
        arms:
          - {name: cnn, model: {type: cnn, channels: [16, 32], hidden: 64}, optimizer: {type: adam, lr: 0.003}}
          - {name: logistic, model: {type: logistic}, optimizer: {type: adam, lr: 0.01}}
        """.formatted(DATA));
    long start = System.nanoTime();
    List<RunRecord> records = new ExperimentRunner(spec, output, output).run(RunListener.NONE);
    double seconds = (System.nanoTime() - start) / 1e9;

    RunRecord cnn = records.get(0);
    RunRecord logistic = records.get(1);
    assertThat(cnn.trainSamples()).isEqualTo(2000);
    assertThat(cnn.test().samples()).isEqualTo(1000);
    assertThat(cnn.test().accuracy()).as("cnn test accuracy").isGreaterThan(0.70);
    assertThat(logistic.test().accuracy()).as("logistic regression test accuracy").isGreaterThan(0.65);
    assertThat(cnn.history().get(2).trainLoss()).as("training loss falls").isLessThan(cnn.history().get(0).trainLoss());
    System.out.printf("Fashion-MNIST: cnn %.3f, logistic %.3f test accuracy in %.1f s%n", cnn.test().accuracy(),
        logistic.test().accuracy(), seconds);
  }
}
