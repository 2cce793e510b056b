package dev.mentor.actors.cli;

import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.training.run.ExperimentFile;
import dev.mentor.training.run.ExperimentRunner;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code mentor validate}: checks an experiment (the spec, its data and checkpoint files) as a run
 * would before training, without training or writing anything; {@code --explain} prints what each
 * arm will train. An invalid spec exits 2 with the field named (see {@link MentorMain}). The count
 * of arms and runs is that of the expanded spec, with a line per sweep: the arm as written, the
 * arms it made and the number of values of each axis.
 */
@Command(name = "validate", description = "Check an experiment (spec, data, checkpoints) without running it.")
final class ValidateCommand implements Callable<Integer> {
  @Parameters(paramLabel = "EXPERIMENT")
  Path file;

  @Option(names = "--output", defaultValue = "runs")
  Path output;

  @Option(names = "--explain", description = "print what each arm will train: stages, BatchNorm modes, learning rates, the loss with its"
      + " constants, teachers and their classes, samples per split")
  boolean explain;

  @Mixin
  DataInstallOption dataInstall = new DataInstallOption();

  @Override
  public Integer call() {
    dataInstall.apply();
    ExperimentFile experiment = ExperimentFile.read(file);
    ExperimentSpec spec = experiment.spec();
    ExperimentRunner runner = experiment.runner(output);
    runner.validate();
    runner.notes().forEach(note -> System.err.println("note: " + note));
    if (explain) {
      System.out.print(runner.explain());
      return 0;
    }
    int runs = spec.arms().size() * spec.seeds().size();
    List<String> sweeps = spec.sweeps();
    long swept = spec.arms().stream().filter(arm -> arm.sweepPoint() != null).count();
    System.out.println(file + ": valid; " + spec.arms().size() + " arms" + (sweeps.isEmpty() ? "" : " (" + swept + " of them from "
        + sweeps.size() + (sweeps.size() == 1 ? " sweep" : " sweeps") + ")") + " x " + spec.seeds().size() + " seeds = " + runs + " runs");
    sweeps.forEach(sweep -> System.out.println("  sweep " + sweep));
    spec.generations().forEach(line -> System.out.println("  born again " + line));
    return 0;
  }
}
