package dev.mentor.actors.cli;

import dev.mentor.training.cli.MentorCli;
import picocli.CommandLine;

/**
 * The full {@code mentor} command line: the in-process commands of the training library
 * ({@code run}, {@code validate}, {@code bench}) and the service commands that talk to Kafka
 * ({@code serve}, {@code submit}, {@code status}, {@code cancel}).
 */
public final class MentorMain {
  private MentorMain() {}

  public static CommandLine commandLine() {
    CommandLine cli = MentorCli.commandLine();
    cli.addSubcommand(new ServiceCommands.Serve());
    cli.addSubcommand(new ServiceCommands.Submit());
    cli.addSubcommand(new ServiceCommands.Status());
    cli.addSubcommand(new ServiceCommands.Cancel());
    return cli;
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }
}
