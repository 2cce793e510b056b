package dev.mentor.actors.cli;

import dev.mentor.training.engine.EngineKernels;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A {@code mentor} command line run to its end in a JVM of its own, as a user runs it, in {@code dir}. */
final class ChildMentor {
  private ChildMentor() {}

  record Result(int exitCode, String out, String err) {}

  /** Runs {@code mentor ARGS...} in {@code dir} (at most 120 s); its output goes through files there. */
  static Result run(Path dir, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "-Dai.djl.offline=true", "-Xmx1g", MentorMain.class.getName()));
    command.addAll(List.of(args));
    Process process = EngineKernels.applyTo(new ProcessBuilder(command)).directory(dir.toFile())
        .redirectOutput(dir.resolve("stdout.txt").toFile())
        .redirectError(dir.resolve("stderr.txt").toFile())
        .start();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("mentor " + String.join(" ", args) + " did not finish in 120 s");
    }
    return new Result(process.exitValue(), Files.readString(dir.resolve("stdout.txt"), StandardCharsets.UTF_8),
        Files.readString(dir.resolve("stderr.txt"), StandardCharsets.UTF_8));
  }
}
