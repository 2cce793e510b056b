package dev.mentor.training.timing;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a process's wall time goes, by named phase: start-up (engine, data, broker, actors),
 * and per run the training steps, validation, checkpoints, evaluation, weights, latency and the
 * report. Each phase keeps its count, total time and when it first started and last ended
 * (milliseconds after the JVM started), so one table shows both the start-up timeline and the
 * overheads around the training steps. Thread-safe; spans of concurrent runs add up, so a phase's
 * total may exceed the wall time when runs train side by side.
 */
public final class Timeline {
  /** Linux's clock ticks per second in /proc (USER_HZ, 100 on every architecture Mentor runs on). */
  private static final double CLOCK_TICKS = 100.0;
  private static final Timeline PROCESS = new Timeline(ManagementFactory.getRuntimeMXBean().getStartTime());

  private final long originMillis;
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();

  Timeline(long originMillis) {
    this.originMillis = originMillis;
  }

  /** The timeline of this process, from the JVM's start. */
  public static Timeline process() {
    return PROCESS;
  }

  /** Starts timing {@code phase}; closing the span adds its duration. */
  public Span start(String phase) {
    return new Span(phase, System.currentTimeMillis(), System.nanoTime());
  }

  /** Adds one span of {@code phase} that took {@code nanos} and ended now. */
  public void record(String phase, long nanos) {
    long end = System.currentTimeMillis();
    add(phase, end - nanos / 1_000_000, end, nanos);
  }

  private void add(String phase, long startMillis, long endMillis, long nanos) {
    entries.computeIfAbsent(phase, name -> new Entry(name, startMillis - originMillis)).add(endMillis - originMillis, nanos);
  }

  /** Every phase so far, in the order they first started. */
  public List<Phase> phases() {
    List<Phase> phases = new ArrayList<>();
    for (Entry entry : entries.values()) {
      phases.add(entry.snapshot());
    }
    phases.sort(Comparator.comparingLong(Phase::firstStartMs).thenComparing(Phase::name));
    return phases;
  }

  /** The phases as a table a person reads: count, total, and when each first started and last ended. */
  public String table() {
    List<Phase> phases = phases();
    int width = Math.max(5, phases.stream().mapToInt(p -> p.name().length()).max().orElse(0));
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "%-" + width + "s %6s %10s %10s %10s%n", "phase", "count", "total ms", "first ms", "last ms"));
    for (Phase phase : phases) {
      out.append(String.format(Locale.ROOT, "%-" + width + "s %6d %10.0f %10d %10d%n", phase.name(), phase.count(), phase.totalMs(),
          phase.firstStartMs(), phase.lastEndMs()));
    }
    return out.toString();
  }

  /**
   * This process's CPU seconds so far, {@code [user, system]}, from {@code /proc/self/stat} (Linux;
   * null elsewhere): how much of its time the process spent in the kernel (page faults, I/O).
   */
  public static double[] processCpuSeconds() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      // Fields after the command name (which may hold spaces) start at the last ')'; utime and stime are fields 14 and 15.
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return new double[] {Long.parseLong(fields[11]) / CLOCK_TICKS, Long.parseLong(fields[12]) / CLOCK_TICKS};
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** The table and the process's CPU times, as {@code mentor run --timeline} prints them. */
  public String report() {
    double[] cpu = processCpuSeconds();
    return table() + (cpu == null ? "" : String.format(Locale.ROOT, "cpu: user %.2f s, system %.2f s (%.0f %% system)%n", cpu[0], cpu[1],
        100 * cpu[1] / Math.max(1e-9, cpu[0] + cpu[1])));
  }

  /**
   * One phase: how often it ran, its total milliseconds, when it first started and last ended
   * (milliseconds after the timeline's origin).
   */
  public record Phase(String name, long count, double totalMs, long firstStartMs, long lastEndMs) {}

  /** One timed stretch of a phase. */
  public final class Span implements AutoCloseable {
    private final String phase;
    private final long startMillis;
    private final long startNanos;

    private Span(String phase, long startMillis, long startNanos) {
      this.phase = phase;
      this.startMillis = startMillis;
      this.startNanos = startNanos;
    }

    @Override
    public void close() {
      add(phase, startMillis, System.currentTimeMillis(), System.nanoTime() - startNanos);
    }
  }

  private static final class Entry {
    private final String name;
    private final long firstStartMs;
    private long count;
    private long nanos;
    private long lastEndMs;

    Entry(String name, long firstStartMs) {
      this.name = name;
      this.firstStartMs = firstStartMs;
    }

    synchronized void add(long endMs, long spanNanos) {
      count++;
      nanos += spanNanos;
      lastEndMs = Math.max(lastEndMs, endMs);
    }

    synchronized Phase snapshot() {
      return new Phase(name, count, nanos / 1e6, firstStartMs, lastEndMs);
    }
  }
}
