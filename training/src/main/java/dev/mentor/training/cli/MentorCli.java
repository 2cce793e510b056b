package dev.mentor.training.cli;

import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecException;
import dev.mentor.training.engine.EngineDefectException;
import dev.mentor.training.engine.EngineKernels;
import dev.mentor.training.run.ExperimentFile;
import dev.mentor.training.run.ExperimentRunner;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The {@code mentor} command line. {@code run} executes an experiment in this process with a
 * progress display; {@code validate} checks a spec (including its data and checkpoint files)
 * without training; {@code bench} prints the throughput benchmark. An invalid spec exits with
 * code 2 and a message naming the field, before anything is written.
 */
@Command(name = "mentor", mixinStandardHelpOptions = true, version = "mentor 0.1.0",
    description = "Transfer-learning and distillation experiments on DJL.",
    subcommands = {MentorCli.Run.class, MentorCli.Validate.class, Benchmark.class, EngineCheck.class})
public final class MentorCli {
  public static final int INVALID_SPEC = 2;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /**
   * The command line with its error handling (an invalid spec exits 2 with the field named);
   * the actor runtime adds its service commands to it.
   */
  public static CommandLine commandLine() {
    return withErrorHandling(new CommandLine(new MentorCli()));
  }

  /** Mentor's error handling on any command line: an invalid spec prints its field and exits 2. */
  public static CommandLine withErrorHandling(CommandLine cli) {
    System.setProperty("java.awt.headless", "true");
    // Before anything loads the engine: its oneDNN cap and log level (EngineKernels).
    EngineKernels.prepare();
    return cli
        .setExecutionExceptionHandler((e, cmd, parsed) -> {
          if (e instanceof EngineDefectException defect) {
            cmd.getErr().println("mentor: " + defect.getMessage());
            return 1;
          }
          if (e instanceof SpecException spec) {
            cmd.getErr().println("invalid experiment: " + spec.getMessage());
            return INVALID_SPEC;
          }
          cmd.getErr().println("mentor: " + oneLine(e));
          if (System.getenv("MENTOR_DEBUG") != null) {
            e.printStackTrace(cmd.getErr());
          } else {
            cmd.getErr().println("(set MENTOR_DEBUG=1 for the stack trace)");
          }
          return 1;
        });
  }

  /**
   * An error as one line for a person: the message of the deepest cause that has one (a wrapped
   * exception's message is usually the cause's again), with its type where the message alone is
   * not enough to understand it.
   */
  static String oneLine(Throwable e) {
    Throwable shown = e;
    for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        shown = t;
      }
      if (t.getCause() == null) {
        break;
      }
    }
    String message = shown.getMessage() == null ? "" : shown.getMessage().strip().replaceAll("\\s*\\R\\s*", " ");
    if (message.length() > 600) {
      message = message.substring(0, 600) + "...";
    }
    String type = shown.getClass().getSimpleName();
    if (message.isEmpty()) {
      return type;
    }
    if (shown instanceof java.nio.file.NoSuchFileException) {
      return "no such file: " + message;
    }
    if (shown instanceof java.nio.file.AccessDeniedException) {
      return "permission denied: " + message;
    }
    return shown instanceof IllegalArgumentException || shown instanceof IllegalStateException || shown instanceof java.io.IOException
        && shown.getClass() == java.io.IOException.class ? message : type + ": " + message;
  }

  @Command(name = "run", description = "Run an experiment end to end in this process and write runs and report.")
  public static final class Run implements Callable<Integer> {
    @Parameters(paramLabel = "EXPERIMENT", description = "experiment file (YAML or JSON)")
    Path file;

    @Option(names = "--output", defaultValue = "runs", description = "root folder for run records (default: ${DEFAULT-VALUE})")
    Path output;

    @CommandLine.Mixin
    DataInstallOption dataInstall = new DataInstallOption();

    @Override
    public Integer call() throws Exception {
      dataInstall.apply();
      return runInProcess(file, output);
    }
  }

  @Command(name = "validate", description = "Check an experiment (spec, data, checkpoints) without running it.")
  public static final class Validate implements Callable<Integer> {
    @Parameters(paramLabel = "EXPERIMENT")
    Path file;

    @Option(names = "--output", defaultValue = "runs")
    Path output;

    @Option(names = "--explain", description = "print what each arm will train: stages, BatchNorm modes, learning rates, the loss with its"
        + " constants, teachers and their classes, samples per split")
    boolean explain;

    @CommandLine.Mixin
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
      System.out.println(file + ": valid; " + spec.arms().size() + " arms x " + spec.seeds().size() + " seeds = " + runs + " runs");
      return 0;
    }
  }

  /** Runs an experiment file in this process with a progress display; returns the exit code. */
  public static int runInProcess(Path file, Path output) throws java.io.IOException {
    ExperimentRunner runner = ExperimentFile.read(file).runner(output);
    runner.validate();
    runner.notes().forEach(note -> System.err.println("note: " + note));
    ConsoleProgress progress = new ConsoleProgress(System.err, System.out);
    runner.run(progress);
    System.out.println("report: " + runner.paths().experimentDir().resolve("report.md"));
    return 0;
  }
}
