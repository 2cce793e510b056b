package dev.mentor.actors.cli;

import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.training.engine.EngineKernels;
import dev.mentor.training.files.AtomicFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The cost of the orchestrator, measured: one experiment run (a) in-process with the training
 * library alone ({@code mentor run --in-process}), runs one after another, and through the service
 * as {@code mentor run} does it — embedded broker, actors, jobs and status over Kafka — (b) with
 * one CPU slot (runs one after another, as (a)) and (c) with two (independent runs at the same
 * time, each with half the engine threads). Each mode is a fresh JVM with this JVM's options,
 * from an empty output folder, so no mode inherits another's threads or heap; modes are
 * interleaved over the repetitions. Prints wall time and training samples per second of wall
 * time (every run's training samples × epochs).
 */
@Command(name = "bench-service", description = "The same experiment in-process vs through broker and actors (1 and 2 CPU slots); prints a table.")
final class ServiceBenchmark implements Callable<Integer> {
  @Parameters(paramLabel = "EXPERIMENT")
  Path file;

  @Option(names = "--repeats", defaultValue = "1")
  int repeats;

  @Override
  public Integer call() throws Exception {
    ExperimentSpec spec = SpecReader.parse(Files.readString(file));
    String[] modes = {"in-process, library alone (runs one after another)", "mentor run: broker + actors, 1 CPU slot (all engine threads)",
        "mentor run: broker + actors, 2 CPU slots (half the threads each)"};
    String[][] args = {{"--in-process"}, {"--cpu-slots", "1"}, {"--cpu-slots", "2"}};
    double[][] wall = new double[3][repeats];
    long samples = 0;
    for (int r = 0; r < repeats; r++) {
      for (int mode = 0; mode < 3; mode++) {
        Path temp = Files.createTempDirectory("mentor-service-bench-");
        try {
          List<String> arguments = new ArrayList<>(List.of("run", file.toString(), "--output", temp.resolve("runs").toString()));
          arguments.addAll(List.of(args[mode]));
          List<String> command = ChildRun.mentorCommand(arguments);
          long start = System.nanoTime();
          Process process = EngineKernels.applyTo(new ProcessBuilder(command)).redirectErrorStream(true).redirectOutput(temp.resolve("log").toFile()).start();
          if (process.waitFor() != 0) {
            throw new IllegalStateException(modes[mode] + " failed:\n" + Files.readString(temp.resolve("log")));
          }
          wall[mode][r] = (System.nanoTime() - start) / 1e9;
          if (mode == 0) {
            samples = 0;
            try (var runs = Files.list(temp.resolve("runs").resolve(spec.name()))) {
              for (Path dir : runs.filter(Files::isDirectory).toList()) {
                if (Files.exists(dir.resolve("results.json"))) {
                  RunRecord rec = SpecReader.json().readValue(dir.resolve("results.json").toFile(), RunRecord.class);
                  samples += (long) rec.trainSamples() * rec.epochsRun() * (rec.ensemble() == null ? 1 : rec.ensemble().members());
                }
              }
            }
          }
          System.err.printf(Locale.ROOT, "repeat %d, %s: %.1f s%n", r + 1, modes[mode], wall[mode][r]);
        } finally {
          AtomicFiles.deleteTree(temp);
        }
      }
    }
    System.out.println("## " + spec.name() + ": in-process vs through Kafka and actors (each a fresh JVM; median of " + repeats + ")");
    System.out.println("| mode | wall s, JVM start to exit (each repetition) | median | training samples/s of wall time | vs in-process |");
    System.out.println("|---|---|---|---|---|");
    double base = median(wall[0]);
    for (int mode = 0; mode < 3; mode++) {
      StringBuilder each = new StringBuilder();
      for (double w : wall[mode]) {
        each.append(each.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.1f", w));
      }
      System.out.printf(Locale.ROOT, "| %s | %s | %.1f | %,.0f | %.2f× |%n", modes[mode], each, median(wall[mode]), samples / median(wall[mode]),
          base / median(wall[mode]));
    }
    return 0;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
