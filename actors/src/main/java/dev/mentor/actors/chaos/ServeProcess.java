package dev.mentor.actors.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code mentor serve} in a child JVM, started in a working folder of its own with its state and
 * run records in {@code state/} and {@code runs/} under it and its metrics endpoint on a free port.
 * Start returns once the service said it serves; its memory and threads are read from
 * {@code /proc/<pid>/status}.
 */
final class ServeProcess {
  private static final Pattern SERVING = Pattern.compile("mentor: serving on .*metrics on http://[^:/]+:(\\d+)/metrics");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

  private final ChildJvm jvm;
  private final int metricsPort;

  private ServeProcess(ChildJvm jvm, int metricsPort) {
    this.jvm = jvm;
    this.metricsPort = metricsPort;
  }

  /** What a service process runs with: its folder, the broker, a Kafka client settings file (or null), device slots. */
  record Setup(Path workingDir, String bootstrapServers, Path clientConfig, int cpuSlots) {
    Path state() {
      return workingDir.resolve("state");
    }

    Path output() {
      return workingDir.resolve("runs");
    }
  }

  /** Starts {@code mentor serve}; {@code logName} names its log file next to the working folder. */
  static ServeProcess start(Setup setup, String logName) throws Exception {
    List<String> arguments = new ArrayList<>(List.of("serve", "--bootstrap-servers", setup.bootstrapServers(), "--state", "state", "--output", "runs",
        "--cpu-slots", String.valueOf(setup.cpuSlots()), "--metrics-port", "0"));
    if (setup.clientConfig() != null) {
      arguments.addAll(List.of("--client-config", setup.clientConfig().toAbsolutePath().toString()));
    }
    Path log = setup.workingDir().resolveSibling("logs").resolve(logName + ".log");
    ChildJvm jvm = ChildJvm.start(setup.workingDir(), log, List.of("-Xmx1g", "-XX:MaxDirectMemorySize=512m"), "dev.mentor.actors.cli.MentorMain",
        arguments);
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      Matcher serving = SERVING.matcher(Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "");
      if (serving.find()) {
        return new ServeProcess(jvm, Integer.parseInt(serving.group(1)));
      }
      if (!jvm.isAlive()) {
        throw new IllegalStateException("mentor serve exited with status " + jvm.exitStatus() + " while starting; its log ends:\n" + jvm.logTail(30));
      }
      Thread.sleep(100);
    }
    jvm.kill();
    throw new IllegalStateException("mentor serve did not start within " + START_TIMEOUT.toSeconds() + " s; its log ends:\n" + jvm.logTail(30));
  }

  int metricsPort() {
    return metricsPort;
  }

  long pid() {
    return jvm.pid();
  }

  boolean isAlive() {
    return jvm.isAlive();
  }

  Integer exitStatus() {
    return jvm.exitStatus();
  }

  Path log() {
    return jvm.log();
  }

  String logTail(int lines) {
    return jvm.logTail(lines);
  }

  /** {@code kill -9}; returns once the process is gone. */
  void kill() throws InterruptedException {
    jvm.kill();
  }

  /** {@code kill -15} and up to {@code grace} to exit; the seconds it took, or -1 when it had to be killed. */
  double terminate(Duration grace) throws InterruptedException {
    return jvm.terminate(grace);
  }

  /** Resident memory in bytes ({@code VmRSS}). */
  long residentBytes() throws IOException {
    return procStatus("VmRSS") * 1024;
  }

  /** Live threads ({@code Threads}). */
  long threads() throws IOException {
    return procStatus("Threads");
  }

  /** How many threads carry each name (as the kernel keeps it: the first 15 bytes), from {@code /proc/<pid>/task/<tid>/comm}. */
  Map<String, Integer> threadNames() throws IOException {
    Map<String, Integer> names = new TreeMap<>();
    try (var tasks = Files.list(Path.of("/proc", String.valueOf(jvm.pid()), "task"))) {
      for (Path task : tasks.toList()) {
        try {
          names.merge(Files.readString(task.resolve("comm"), StandardCharsets.ISO_8859_1).strip(), 1, Integer::sum);
        } catch (IOException e) {
          // the thread ended while listed
        }
      }
    }
    return names;
  }

  private long procStatus(String field) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(jvm.pid()), "status"), StandardCharsets.ISO_8859_1)) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
      }
    }
    throw new IOException("no " + field + " in /proc/" + jvm.pid() + "/status");
  }
}
