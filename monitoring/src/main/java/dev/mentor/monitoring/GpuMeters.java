package dev.mentor.monitoring;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Memory ({@code state} used|total) and utilisation of each NVIDIA GPU ({@code device} gpuN, the
 * device names of Mentor's slots), read with {@code nvidia-smi} by {@link #sample()}: the caller
 * samples on its own schedule (a query takes tens of milliseconds, too slow for a scrape).
 * Gauges appear with the first sample that finds a GPU; on a machine without {@code nvidia-smi}
 * there are none. The numbers are the device's (all processes), as {@code nvidia-smi} reports.
 */
public final class GpuMeters implements MeterBinder {
  /** One GPU's reading. */
  public record Reading(int index, double utilizationPercent, double memoryUsedBytes, double memoryTotalBytes) {}

  private final List<String> command;
  private final Map<Integer, Reading> readings = new ConcurrentHashMap<>();
  private volatile MeterRegistry registry;
  private volatile boolean available = true;

  public GpuMeters() {
    this(List.of("nvidia-smi", "--query-gpu=index,utilization.gpu,memory.used,memory.total", "--format=csv,noheader,nounits"));
  }

  GpuMeters(List<String> command) {
    this.command = command;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Reads every GPU once; a machine without {@code nvidia-smi} is asked once only. */
  public void sample() {
    if (!available) {
      return;
    }
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
        return;
      }
      update(parse(out));
    } catch (IOException e) {
      available = false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  void update(List<Reading> now) {
    for (Reading reading : now) {
      if (readings.put(reading.index(), reading) == null && registry != null) {
        register(registry, reading.index());
      }
    }
  }

  private void register(MeterRegistry r, int index) {
    String device = "gpu" + index;
    Gauge.builder("mentor.gpu.memory", readings, m -> m.get(index).memoryUsedBytes()).tags("device", device, "state", "used").baseUnit("bytes")
        .description("Memory of a GPU in use (all processes) and in all, as nvidia-smi reports it").register(r);
    Gauge.builder("mentor.gpu.memory", readings, m -> m.get(index).memoryTotalBytes()).tags("device", device, "state", "total").baseUnit("bytes")
        .description("Memory of a GPU in use (all processes) and in all, as nvidia-smi reports it").register(r);
    Gauge.builder("mentor.gpu.utilization", readings, m -> m.get(index).utilizationPercent()).tag("device", device).baseUnit("percent")
        .description("Share of the last sample period a kernel ran on the GPU, as nvidia-smi reports it").register(r);
  }

  /** Parses {@code index, utilization.gpu [%], memory.used [MiB], memory.total [MiB]} lines; skips lines it cannot read ("[N/A]"). */
  static List<Reading> parse(String csv) {
    List<Reading> readings = new ArrayList<>();
    for (String line : csv.split("\\R")) {
      String[] f = line.split(",");
      if (f.length != 4) {
        continue;
      }
      try {
        readings.add(new Reading(Integer.parseInt(f[0].trim()), Double.parseDouble(f[1].trim()), Double.parseDouble(f[2].trim()) * 1024 * 1024,
            Double.parseDouble(f[3].trim()) * 1024 * 1024));
      } catch (NumberFormatException e) {
        // a field nvidia-smi cannot read on this device ("[N/A]"): no reading
      }
    }
    return readings;
  }
}
