package dev.mentor.actors.cli;

import dev.mentor.actors.chaos.ChaosCommand;
import dev.mentor.training.cli.Benchmark;
import dev.mentor.training.cli.EngineCheck;
import dev.mentor.training.cli.MentorCli;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * The full {@code mentor} command line: {@code run} (through an embedded broker and the actor
 * runtime, see {@link RunCommand}), {@code validate} and {@code bench} from the training
 * library, and the service commands that talk to Kafka ({@code serve}, {@code submit},
 * {@code status}, {@code cancel}, {@code pause}, {@code resume}).
 */
public final class MentorMain {
  private MentorMain() {}

  public static CommandLine commandLine() {
    CommandLine cli = MentorCli.withErrorHandling(new CommandLine(new MentorMain.Root()));
    cli.addSubcommand(new RunCommand());
    cli.addSubcommand(new MentorCli.Validate());
    cli.addSubcommand(new Benchmark());
    cli.addSubcommand(new EngineCheck());
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
}
