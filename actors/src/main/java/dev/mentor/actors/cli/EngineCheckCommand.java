package dev.mentor.actors.cli;

import dev.mentor.training.engine.EngineDefectException;
import dev.mentor.training.engine.EngineKernels;
import dev.mentor.training.engine.EngineSelfCheck;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mentor engine-check}: the engine self-check that precedes all training, on its own, with
 * the CPU, the instruction set in force and each case. With {@code MENTOR_ONEDNN_ISA=native} it
 * reproduces the oneDNN defect of docs/engine.md on CPUs with AVX2 or AVX-512.
 */
@Command(name = "engine-check", description = "Check the engine's convolution and BatchNorm against a float64 reference on this CPU.")
public final class EngineCheckCommand implements Callable<Integer> {
  @Option(names = "--repeat", defaultValue = "1", description = "run the check this many times (default: ${DEFAULT-VALUE})")
  int repeat;

  @Option(names = "--random-shapes", defaultValue = "0",
      description = "then also check this many random shapes (batch 1-32, channels 1-24 in and 1-40 out, kernel 1/3/5, stride 1/2)")
  int randomShapes;

  @Option(names = "--seed", defaultValue = "7", description = "seed of the random shapes (default: ${DEFAULT-VALUE})")
  long seed;

  @Override
  public Integer call() {
    System.out.println("cpu: " + EngineKernels.cpuModel() + "; flags: " + String.join(" ", EngineKernels.cpuFlags()));
    System.out.println(EngineKernels.describe());
    EngineSelfCheck.Result failed = null;
    for (int i = 0; i < repeat; i++) {
      EngineSelfCheck.Result result;
      try {
        result = i == 0 ? EngineSelfCheck.ensurePassed() : EngineSelfCheck.run(EngineSelfCheck.engine(), EngineSelfCheck.CASES);
      } catch (EngineDefectException e) {
        // The first check failed: print its cases below, then stop with the same message at the end.
        result = EngineSelfCheck.lastResult();
      }
      System.out.printf(Locale.ROOT, "engine self-check %d: %s, %d cases, max relative error %s, %d ms%n", i + 1,
          result.passed() ? "passed" : "FAILED", result.cases(), Double.isNaN(result.maxError()) ? "NaN" : String.format(Locale.ROOT,
              "%.2g", result.maxError()), result.millis());
      result.failures().forEach(failure -> System.out.println("  " + failure));
      failed = result.passed() ? failed : result;
    }
    if (randomShapes > 0) {
      SplittableRandom random = new SplittableRandom(seed);
      int wrong = 0;
      for (int i = 0; i < randomShapes; i++) {
        EngineSelfCheck.Case shape = new EngineSelfCheck.Case(1 + random.nextInt(32), 1 + random.nextInt(24),
            1 + random.nextInt(40), 4 + random.nextInt(11), new int[] {1, 3, 5}[random.nextInt(3)], 1 + random.nextInt(2));
        EngineSelfCheck.Result result = EngineSelfCheck.run(EngineSelfCheck.engine(), List.of(shape));
        if (!result.passed()) {
          wrong++;
          failed = result;
          System.out.println("  " + result.failures().get(0));
        }
      }
      System.out.printf(Locale.ROOT, "random shapes: %d of %d wrong%n", wrong, randomShapes);
    }
    if (failed != null) {
      // The same message that stops training.
      EngineSelfCheck.requirePassed(failed);
    }
    return 0;
  }
}
