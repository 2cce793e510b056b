package dev.mentor.actors;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A {@code mentor serve} in a child JVM on this test's class path, for tests that need a second process; output goes to {@code log}. */
final class ServeProcess {
  private ServeProcess() {}

  static Process start(Path log, String... serveArguments) throws java.io.IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dai.djl.offline=true", "-Xmx1g", "-cp", System.getProperty("java.class.path"), "dev.mentor.actors.cli.MentorMain", "serve"));
    command.addAll(List.of(serveArguments));
    return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }
}
