package dev.mentor.monitoring;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The process's memory as the operating system sees it ({@code kind} resident|virtual, from
 * {@code /proc/self/status}), and the native memory outside the JVM's own accounting: resident
 * memory minus the JVM's committed heap and non-heap memory and its buffer pools. That remainder
 * is, in a Mentor process, dominated by the engine (PyTorch's tensors and its libraries); it also
 * holds thread stacks and the allocator's slack, so it is an upper bound on the engine's share,
 * read the same way every time — what matters is that it stays flat across epochs. PyTorch's CPU
 * allocator offers no counter of its own. Registers nothing where {@code /proc} is absent.
 */
public final class ProcessMemoryMeters implements MeterBinder {
  private final Path status;

  public ProcessMemoryMeters() {
    this(Path.of("/proc/self/status"));
  }

  ProcessMemoryMeters(Path status) {
    this.status = status;
  }

  /** Its gauges hold this binder strongly: Micrometer's gauges hold their object weakly, and nothing else keeps a binder. */
  @Override
  public void bindTo(MeterRegistry registry) {
    if (!Files.isReadable(status)) {
      return;
    }
    Gauge.builder("mentor.process.memory", this, m -> m.kilobytes("VmRSS:") * 1024).tag("kind", "resident").baseUnit("bytes").strongReference(true)
        .description("Memory of the process as the operating system counts it (resident set, virtual size)").register(registry);
    Gauge.builder("mentor.process.memory", this, m -> m.kilobytes("VmSize:") * 1024).tag("kind", "virtual").baseUnit("bytes").strongReference(true)
        .description("Memory of the process as the operating system counts it (resident set, virtual size)").register(registry);
    Gauge.builder("mentor.engine.native.memory", this, ProcessMemoryMeters::nativeBytes).baseUnit("bytes").strongReference(true)
        .description("Resident memory outside the JVM's heap, non-heap and buffer pools: the engine's native tensors and libraries "
            + "(an upper bound: thread stacks and allocator slack are in it too)").register(registry);
  }

  private double nativeBytes() {
    double resident = kilobytes("VmRSS:") * 1024;
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    double jvm = memory.getHeapMemoryUsage().getCommitted() + memory.getNonHeapMemoryUsage().getCommitted();
    for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
      jvm += Math.max(0, pool.getMemoryUsed());
    }
    return Math.max(0, resident - jvm);
  }

  /** The value of a {@code /proc/self/status} line such as {@code VmRSS:  123456 kB}, in kB; NaN if unreadable. */
  double kilobytes(String field) {
    try {
      List<String> lines = Files.readAllLines(status);
      for (String line : lines) {
        if (line.startsWith(field)) {
          return Double.parseDouble(line.substring(field.length()).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | NumberFormatException e) {
      return Double.NaN;
    }
    return Double.NaN;
  }
}
