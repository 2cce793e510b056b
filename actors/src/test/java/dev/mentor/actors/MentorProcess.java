package dev.mentor.actors;

import dev.mentor.training.engine.EngineKernels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A {@code mentor} command line in a child JVM on this test's class path, for tests that need a second process; output goes to {@code log}. */
public final class MentorProcess {
  private MentorProcess() {}

  /** Runs {@code mentor ARGUMENTS...} ({@code run ...}, {@code serve ...}). */
  public static Process start(Path log, String... arguments) throws java.io.IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dai.djl.offline=true", "-Xmx1g", "-cp", System.getProperty("java.class.path"), "dev.mentor.actors.cli.MentorMain"));
    command.addAll(List.of(arguments));
    return EngineKernels.applyTo(new ProcessBuilder(command)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  /** Runs {@code mentor serve SERVE_ARGUMENTS...}. */
  static Process serve(Path log, String... serveArguments) throws java.io.IOException {
    List<String> arguments = new ArrayList<>(List.of("serve"));
    arguments.addAll(List.of(serveArguments));
    return start(log, arguments.toArray(String[]::new));
  }
}
