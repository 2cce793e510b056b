package dev.mentor.actors.cli;

import dev.mentor.training.model.WeightDelta.Mode;
import dev.mentor.training.report.DeltaMeasurement;
import dev.mentor.training.run.WeightPacking;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code mentor pack}: stores a finished experiment's fine-tuned variants (runs of arms with
 * {@code init}) as deltas to the weights they started from, each base stored once in the
 * experiment's {@code bases/} folder ({@link WeightPacking}); everything that reads a run's weights
 * reads the delta where {@code model.params} is gone. {@code --measure} instead measures every
 * mode (bytes, and test accuracy of the lossy ones) without changing any weights, writes each
 * run's {@code delta.json} and the report again. {@code mentor unpack} ({@link Unpack}) restores the
 * full files.
 */
@Command(name = "pack", description = "Store a finished experiment's fine-tuned runs as deltas to their base weights (or --measure what each mode saves).")
final class PackCommand implements Callable<Integer> {
  @Parameters(paramLabel = "EXPERIMENT_DIR", description = "the experiment's output folder (runs/<name>)")
  Path experimentDir;

  @Option(names = "--mode", defaultValue = "lossless", description = "lossless (bit-identical), fp16 or sparse:K (K%% largest changes);"
      + " a lossy mode replaces the weights by their approximation for good (default: ${DEFAULT-VALUE})")
  String mode;

  @Option(names = "--measure", description = "measure instead of packing: bytes per mode and the lossy modes' test accuracy, written to each"
      + " run's delta.json and the report; no weights change")
  boolean measure;

  @Option(names = "--modes", split = ",", defaultValue = "lossless,fp16,sparse:10,sparse:1", description = "the modes --measure measures"
      + " (default: ${DEFAULT-VALUE})")
  List<String> modes;

  @Option(names = "--base-dir", defaultValue = ".", description = "the folder of the experiment file, against which relative data and"
      + " checkpoint paths of its spec are read (default: the current folder)")
  Path baseDir;

  @Mixin
  DataInstallOption dataInstall = new DataInstallOption();

  @Override
  public Integer call() throws Exception {
    WeightPacking packing = new WeightPacking(experimentDir, baseDir);
    packing.leftOut().forEach(line -> System.err.println("left whole: " + line));
    if (measure) {
      dataInstall.apply();
      List<DeltaMeasurement> measured = packing.measure(modes.stream().map(Mode::parse).toList(), System.out::println);
      System.out.println(measured.size() + " fine-tuned runs measured; report: " + packing.writeReport());
      return 0;
    }
    Mode chosen = Mode.parse(mode);
    if (!chosen.isLossless()) {
      System.err.println("note: " + chosen + " is lossy: the packed runs' weights become their approximation (their records keep the"
          + " full weights' metrics)");
    }
    List<WeightPacking.Packed> packed = packing.pack(chosen, System.out::println);
    long full = packed.stream().mapToLong(WeightPacking.Packed::fullBytes).sum();
    long deltas = packed.stream().filter(p -> p.fullBytes() > 0).mapToLong(WeightPacking.Packed::deltaBytes).sum();
    System.out.printf(Locale.ROOT, "%d fine-tuned runs packed (%s): %,d bytes of weights now %,d bytes of deltas, plus the bases in %s%n",
        packed.stream().filter(p -> p.fullBytes() > 0).count(), chosen, full, deltas, experimentDir.resolve(WeightPacking.BASES));
    return 0;
  }

  /** {@code mentor unpack}: writes every delta of an experiment back as its full weights file and removes the bases no delta needs. */
  @Command(name = "unpack", description = "Restore the full weights files of an experiment packed with mentor pack.")
  static final class Unpack implements Callable<Integer> {
    @Parameters(paramLabel = "EXPERIMENT_DIR")
    Path experimentDir;

    @Override
    public Integer call() throws Exception {
      int restored = new WeightPacking(experimentDir, Path.of(".")).unpack(System.out::println);
      System.out.println(restored + " weights files restored");
      return 0;
    }
  }
}
