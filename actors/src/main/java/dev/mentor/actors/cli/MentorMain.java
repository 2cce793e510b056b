package dev.mentor.actors.cli;

import dev.mentor.actors.chaos.ChaosCommand;
import dev.mentor.messages.spec.SpecException;
import dev.mentor.training.engine.EngineDefectException;
import dev.mentor.training.engine.EngineKernels;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * The {@code mentor} command line, its only root: {@code run} (through an embedded broker and the
 * actor runtime, or {@code --in-process}; see {@link RunCommand}), {@code validate},
 * {@code engine-check} and the benchmarks, {@code history} (the experiment history: list, query, rebuild), {@code compare},
 * {@code explain-teacher} (the dark knowledge a teacher passes on), {@code pack}/{@code unpack} (fine-tuned runs' weights as
 * deltas to their base), and the service commands that talk to Kafka
 * ({@code serve}, {@code submit}, {@code status}, {@code cancel}, {@code pause}, {@code resume}).
 * An invalid spec exits with code 2 and a message naming the field, before anything is written.
 */
public final class MentorMain {
  public static final int INVALID_SPEC = 2;

  private MentorMain() {}

  /** The command line with its error handling (an invalid spec exits 2 with the field named). */
  public static CommandLine commandLine() {
    CommandLine cli = withErrorHandling(new CommandLine(new MentorMain.Root()));
    cli.addSubcommand(new RunCommand());
    cli.addSubcommand(new ValidateCommand());
    cli.addSubcommand(new HistoryCommand());
    cli.addSubcommand(new CompareCommand());
    cli.addSubcommand(new ExplainTeacherCommand());
    cli.addSubcommand(new PackCommand());
    cli.addSubcommand(new PackCommand.Unpack());
    cli.addSubcommand(new TrainingBenchmark());
    cli.addSubcommand(new EngineCheckCommand());
    cli.addSubcommand(new ServiceCommands.Serve());
    cli.addSubcommand(new ServiceCommands.Submit());
    cli.addSubcommand(new ServiceCommands.Status());
    cli.addSubcommand(new ServiceCommands.Cancel());
    cli.addSubcommand(new ServiceCommands.Pause());
    cli.addSubcommand(new ServiceCommands.Resume());
    cli.addSubcommand(new BrokerBenchmark());
    cli.addSubcommand(new ServiceBenchmark());
    cli.addSubcommand(new TensorBenchmark());
    cli.addSubcommand(new ChaosCommand());
    return cli;
  }

  @Command(name = "mentor", mixinStandardHelpOptions = true, version = "mentor 0.1.0",
      description = "Transfer-learning and distillation experiments on DJL, orchestrated over Kafka.")
  static final class Root {}

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** Mentor's error handling on a command line: an invalid spec prints its field and exits 2. */
  private static CommandLine withErrorHandling(CommandLine cli) {
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
    if (shown instanceof NoSuchFileException) {
      return "no such file: " + message;
    }
    if (shown instanceof AccessDeniedException) {
      return "permission denied: " + message;
    }
    return shown instanceof IllegalArgumentException || shown instanceof IllegalStateException || shown instanceof IOException
        && shown.getClass() == IOException.class ? message : type + ": " + message;
  }
}
