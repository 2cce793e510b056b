package dev.mentor.training.run;

import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * How long {@code mentor validate}'s checks against the data take for the swept specs
 * {@code SweepTiming} (messages) writes (docs/benchmarks.md, "Sweeps (issue 16)"): the read, then
 * {@link ExperimentRunner#validate} (the data loaded, every task split, the students' models
 * built to check their teachers) in a fresh runner; medians of 5 after one warm-up.
 */
final class SweepValidationTiming {
  private SweepValidationTiming() {}

  public static void main(String[] args) throws Exception {
    Path output = Files.createTempDirectory("sweep-timing");
    System.out.println("| spec | read (ms) | validate: data and checks (ms) |");
    System.out.println("|---|---|---|");
    for (String arg : args) {
      Path file = Path.of(arg);
      new ExperimentRunner(SpecReader.read(file), file.getParent(), output).validate();
      double[] read = new double[5];
      double[] validate = new double[5];
      int arms = 0;
      for (int i = 0; i < read.length; i++) {
        long start = System.nanoTime();
        ExperimentSpec spec = SpecReader.read(file);
        long parsed = System.nanoTime();
        new ExperimentRunner(spec, file.getParent(), output).validate();
        long validated = System.nanoTime();
        read[i] = (parsed - start) / 1e6;
        validate[i] = (validated - parsed) / 1e6;
        arms = spec.arms().size();
      }
      System.out.printf("| %s (%,d arms) | %.0f | %.0f |%n", file.getFileName(), arms, median(read), median(validate));
    }
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
