package dev.mentor.messages.spec;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * How long reading a swept spec takes (docs/benchmarks.md, "Sweeps (issue 16)"): a teacher and
 * its student swept over temperature × α into 1,000 and 10,000 runs: the sweep's expansion alone,
 * the whole read (expansion, defaults, form, binding, the checks between arms), and the read of
 * the same arms written out (its resolved JSON, as the service reads its job file), median of
 * repeated reads after warm-up. With a folder argument it also writes the specs there, for
 * {@code SweepValidationTiming} (training) to time the checks against the data.
 */
final class SweepTiming {
  private SweepTiming() {}

  /** A teacher and a student swept into {@code temperatures × alphas} arms, one seed. */
  static String spec(int temperatures, int alphas) {
    String t = IntStream.rangeClosed(1, temperatures).mapToObj(i -> Double.toString(i * 0.5)).collect(Collectors.joining(", "));
    String a = IntStream.range(0, alphas).mapToObj(i -> Double.toString(Math.round(1000.0 * i / alphas) / 1000.0)).collect(Collectors.joining(", "));
    return """
        name: sweep-%d
        seeds: [1]
        data: {source: synthetic, syntheticClasses: 4, syntheticPerClass: 20}
        tasks:
          t: {classes: [0, 1, 2, 3], perClass: 10, testPerClass: 5}
        defaults: {epochs: 1, batchSize: 16}
        arms:
          - {name: teacher, task: t, model: {type: mlp, widths: [32]}}
          - name: kd
            task: t
            model: {type: mlp, widths: [8]}
            distill: {teacher: {arm: teacher}}
            sweep: {distill.temperature: [%s], distill.alpha: [%s]}
        """.formatted(temperatures * alphas + 1, t, a);
  }

  public static void main(String[] args) throws IOException {
    Path folder = args.length > 0 ? Path.of(args[0]) : null;
    System.out.println("| arms = runs | sweep | expansion alone (ms) | read of the swept YAML (ms) | read of the same arms written out (ms) |");
    System.out.println("|---|---|---|---|---|");
    // Two rounds, the first one unprinted: the reader is compiled by the time either size is timed.
    for (int round = 0; round < 2; round++) {
      for (int[] grid : List.of(new int[] {40, 25}, new int[] {99, 101})) {
        String text = spec(grid[0], grid[1]);
        int runs = grid[0] * grid[1] + 1;
        if (folder != null && round == 0) {
          Files.createDirectories(folder);
          Files.writeString(folder.resolve("sweep-" + runs + ".yaml"), text);
        }
        ObjectNode tree = (ObjectNode) new YAMLMapper().readTree(text);
        double expansion = median(() -> Sweeps.expand(tree.deepCopy()));
        double read = median(() -> SpecReader.parse(text));
        String written = SpecReader.toJson(SpecReader.parse(text));
        double writtenOut = median(() -> SpecReader.parseResolved(written));
        if (round == 1) {
          System.out.printf("| %,d | %d × %d | %.1f | %.1f | %.1f |%n", runs, grid[0], grid[1], expansion, read, writtenOut);
        }
      }
    }
  }

  /** Median milliseconds of 9 runs after 3 of warm-up. */
  private static double median(Runnable work) {
    for (int i = 0; i < 3; i++) {
      work.run();
    }
    double[] ms = new double[9];
    for (int i = 0; i < ms.length; i++) {
      long start = System.nanoTime();
      work.run();
      ms[i] = (System.nanoTime() - start) / 1e6;
    }
    Arrays.sort(ms);
    return ms[ms.length / 2];
  }
}
