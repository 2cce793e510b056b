package dev.mentor.actors.cli;

import dev.mentor.training.engine.EngineKernels;
import dev.mentor.training.files.AtomicFiles;
import dev.mentor.training.timing.Timeline;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code mentor run FILE --timeline} in a fresh JVM with this JVM's options and the engine's
 * settings, from an empty output folder removed afterwards: its wall time (JVM start to exit),
 * the phases of its timeline and its CPU times, as the benchmark's overheads and start-up
 * sections read them.
 */
record ChildRun(double wallSeconds, List<Timeline.Phase> phases, double userSeconds, double systemSeconds) {
  private static final Pattern PHASE = Pattern.compile("^(.*?)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)$");
  private static final Pattern CPU = Pattern.compile("^cpu: user ([0-9.]+) s, system ([0-9.]+) s.*$");

  static ChildRun start(Path spec, List<String> options) throws IOException, InterruptedException {
    Path temp = Files.createTempDirectory("mentor-bench-run-");
    try {
      List<String> arguments = new ArrayList<>(List.of("run", spec.toString(), "--output", temp.resolve("runs").toString(), "--timeline"));
      arguments.addAll(options);
      List<String> command = mentorCommand(arguments);
      Path log = temp.resolve("log");
      long start = System.nanoTime();
      Process process = EngineKernels.applyTo(new ProcessBuilder(command)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      if (process.waitFor() != 0) {
        throw new IllegalStateException("mentor run " + spec + " " + options + " failed:\n" + Files.readString(log));
      }
      double wall = (System.nanoTime() - start) / 1e9;
      return parse(wall, Files.readAllLines(log));
    } finally {
      AtomicFiles.deleteTree(temp);
    }
  }

  /**
   * {@code mentor ARGUMENTS} in a fresh JVM with this JVM's options and class path (a class-data
   * archive this JVM writes at exit is its own: children map the finished one).
   */
  static List<String> mentorCommand(List<String> arguments) {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(argument -> !argument.startsWith("-XX:ArchiveClassesAtExit")).toList());
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), MentorMain.class.getName()));
    command.addAll(arguments);
    return command;
  }

  /** The timeline and CPU lines of a run's output (see {@link Timeline#report()}). */
  static ChildRun parse(double wall, List<String> lines) {
    List<Timeline.Phase> phases = new ArrayList<>();
    double user = Double.NaN;
    double system = Double.NaN;
    boolean inTimeline = false;
    for (String line : lines) {
      if (line.startsWith("timeline (")) {
        inTimeline = true;
        continue;
      }
      if (!inTimeline || line.startsWith("phase ")) {
        continue;
      }
      Matcher cpu = CPU.matcher(line);
      if (cpu.matches()) {
        user = Double.parseDouble(cpu.group(1));
        system = Double.parseDouble(cpu.group(2));
        continue;
      }
      Matcher phase = PHASE.matcher(line.trim());
      if (phase.matches()) {
        phases.add(new Timeline.Phase(phase.group(1).trim(), Long.parseLong(phase.group(2)), Double.parseDouble(phase.group(3)),
            Long.parseLong(phase.group(4)), Long.parseLong(phase.group(5))));
      }
    }
    if (phases.isEmpty()) {
      throw new IllegalStateException("the run printed no timeline:\n" + String.join("\n", lines));
    }
    return new ChildRun(wall, List.copyOf(phases), user, system);
  }

  /** Each phase's total milliseconds, in the order they first started. */
  Map<String, Double> phaseMs() {
    Map<String, Double> totals = new LinkedHashMap<>();
    phases.forEach(p -> totals.put(p.name(), p.totalMs()));
    return totals;
  }

  double systemShare() {
    return systemSeconds / (userSeconds + systemSeconds);
  }

  /**
   * Whether a phase is work around the training steps that the overhead goal counts: validation,
   * checkpoints, evaluation (test, shifted sets, weights, latency), the run's files and the
   * report. Start-up (engine, data, model) and the steps themselves are not.
   */
  static boolean isOverhead(String phase) {
    return phase.startsWith("epoch: validation") || phase.startsWith("epoch: checkpoint") || phase.startsWith("evaluate: ")
        || phase.equals("report") || phase.equals("run: record") || phase.equals("run: environment");
  }
}
