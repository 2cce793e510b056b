package dev.mentor.actors.chaos;

import dev.mentor.training.engine.EngineKernels;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * A JVM child process on this process's class path, as the chaos scenarios start them: the broker
 * ({@code kafka.Kafka}) and {@code mentor serve}. It gets the engine's settings
 * ({@link EngineKernels#applyTo}), no DJL telemetry or downloads, and absolute class-path
 * entries, so that it can run in a working folder of its own. Its output goes to a log file, and it
 * is ended by process id: {@link #kill()} is {@code kill -9}, {@link #terminate} {@code kill -15}.
 */
final class ChildJvm {
  private final Process process;
  private final Path log;

  private ChildJvm(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** Starts {@code java JVM_OPTIONS... MAIN_CLASS ARGUMENTS...} in {@code workingDir}, output to {@code log}. */
  static ChildJvm start(Path workingDir, Path log, List<String> jvmOptions, String mainClass, List<String> arguments) throws IOException {
    Files.createDirectories(workingDir);
    Files.createDirectories(log.getParent());
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dai.djl.offline=true", "-Djava.awt.headless=true"));
    // The engine's thread settings a person gave this JVM (the launcher's MENTOR_THREADS) hold for the children too.
    System.getProperties().stringPropertyNames().stream().filter(name -> name.startsWith("ai.djl.pytorch.")).sorted()
        .forEach(name -> command.add("-D" + name + "=" + System.getProperty(name)));
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", absoluteClassPath(), mainClass));
    command.addAll(arguments);
    ProcessBuilder builder = EngineKernels.applyTo(new ProcessBuilder(command)).directory(workingDir.toFile())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().put("OPT_OUT_TRACKING", "true");
    return new ChildJvm(builder.start(), log);
  }

  /** The class path with relative entries (the launcher's) made absolute against this process's working folder. */
  private static String absoluteClassPath() {
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator)).filter(entry -> !entry.isBlank())
        .map(entry -> entry.endsWith("*") ? Path.of(entry.substring(0, entry.length() - 1)).toAbsolutePath() + File.separator + "*"
            : Path.of(entry).toAbsolutePath().toString())
        .collect(Collectors.joining(File.pathSeparator));
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  Path log() {
    return log;
  }

  /** The exit status, or null while it runs. */
  Integer exitStatus() {
    return process.isAlive() ? null : process.exitValue();
  }

  /** {@code kill -9}: SIGKILL to the process id, no shutdown hook runs; returns once the process is gone. */
  void kill() throws InterruptedException {
    ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroyForcibly);
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("process " + process.pid() + " still runs 30 s after SIGKILL");
    }
  }

  /**
   * {@code kill -15}: SIGTERM, then waits up to {@code grace} for the process to exit on its own;
   * kills it if it does not. Returns the seconds it took, or -1 when it had to be killed.
   */
  double terminate(Duration grace) throws InterruptedException {
    if (!process.isAlive()) {
      return 0;
    }
    long start = System.nanoTime();
    ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroy);
    try {
      process.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
      return (System.nanoTime() - start) / 1e9;
    } catch (TimeoutException e) {
      kill();
      return -1;
    } catch (ExecutionException e) {
      throw new IllegalStateException("waiting for process " + process.pid() + " to exit failed", e.getCause());
    }
  }

  /** The last {@code lines} lines of the log, for messages about a process that misbehaved. */
  String logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
      return String.join(System.lineSeparator(), all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(log unreadable: " + e.getMessage() + ")";
    }
  }
}
