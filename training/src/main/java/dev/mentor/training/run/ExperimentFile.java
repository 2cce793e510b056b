package dev.mentor.training.run;

import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecReader;
import java.nio.file.Path;

/**
 * An experiment that came from a file: its spec, and the file's folder, against which the spec's
 * relative paths (data, checkpoints) resolve. What a program needs to run an experiment file in
 * its own process: {@code ExperimentFile.read(file).runner(outputRoot).run(listener)}.
 */
public record ExperimentFile(Path file, ExperimentSpec spec) {
  /** Reads and validates the spec in {@code file}; an invalid one throws a {@code SpecException} naming the field. */
  public static ExperimentFile read(Path file) {
    return new ExperimentFile(file, SpecReader.read(file));
  }

  /** The folder of the file, against which the spec's relative paths resolve. */
  public Path baseDir() {
    Path parent = file.toAbsolutePath().getParent();
    return parent == null ? Path.of(".") : parent;
  }

  /** A runner of this experiment writing its runs under {@code outputRoot}. */
  public ExperimentRunner runner(Path outputRoot) {
    return new ExperimentRunner(spec, baseDir(), outputRoot);
  }
}
