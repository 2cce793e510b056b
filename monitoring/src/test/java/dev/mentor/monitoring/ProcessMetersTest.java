package dev.mentor.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Process memory from a status file, and GPU readings from nvidia-smi's CSV. */
class ProcessMetersTest {
  @Test
  void processMemoryIsReadFromTheStatusFile(@TempDir Path dir) throws Exception {
    Path status = dir.resolve("status");
    Files.writeString(status, "Name:\tjava\nVmSize:\t 8000000 kB\nVmRSS:\t  2000000 kB\nThreads:\t40\n");
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    new ProcessMemoryMeters(status).bindTo(registry);

    assertThat(registry.get("mentor.process.memory").tag("kind", "resident").gauge().value()).isEqualTo(2_000_000 * 1024.0);
    assertThat(registry.get("mentor.process.memory").tag("kind", "virtual").gauge().value()).isEqualTo(8_000_000 * 1024.0);
    assertThat(registry.get("mentor.engine.native.memory").gauge().value()).as("resident minus the JVM's own, never negative")
        .isBetween(0.0, 2_000_000 * 1024.0);
  }

  @Test
  void noStatusFileMeansNoProcessMemoryMeters(@TempDir Path dir) {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    new ProcessMemoryMeters(dir.resolve("absent")).bindTo(registry);
    assertThat(registry.getMeters()).isEmpty();
  }

  @Test
  void theRealProcessHasResidentMemoryAboveItsHeapInUse() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    new ProcessMemoryMeters().bindTo(registry);
    System.gc();
    double heapUsed = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
    assertThat(registry.get("mentor.process.memory").tag("kind", "resident").gauge().value()).isGreaterThan(heapUsed);
  }

  @Test
  void gpuReadingsBecomeGaugesPerDeviceAndUnreadableFieldsAreSkipped() {
    List<GpuMeters.Reading> readings = GpuMeters.parse("0, 87, 30000, 81559\n1, [N/A], 12, 81559\n");
    assertThat(readings).containsExactly(new GpuMeters.Reading(0, 87, 30000 * 1048576.0, 81559 * 1048576.0));

    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    GpuMeters gpus = new GpuMeters(List.of("nvidia-smi-is-not-here"));
    gpus.bindTo(registry);
    gpus.sample();
    assertThat(registry.getMeters()).as("no nvidia-smi: no GPU gauges").isEmpty();
    gpus.update(readings);
    gpus.update(List.of(new GpuMeters.Reading(0, 12, 1048576.0, 81559 * 1048576.0)));
    assertThat(registry.get("mentor.gpu.utilization").tag("device", "gpu0").gauge().value()).isEqualTo(12);
    assertThat(registry.get("mentor.gpu.memory").tags("device", "gpu0", "state", "used").gauge().value()).isEqualTo(1048576.0);
    assertThat(registry.find("mentor.gpu.memory").gauges()).hasSize(2);
  }
}
