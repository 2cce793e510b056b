package dev.mentor.actors.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.mentor.training.engine.EngineKernels;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mentor engine-check} in real child JVMs that report what their engine got: started
 * through {@link EngineKernels#applyTo} (how Mentor starts children), started with nothing set
 * (the command line run without the launcher), and with the user's opt-out, which reproduces the
 * oneDNN defect on CPUs with AVX2 or wider.
 */
class EngineCheckCommandTest {
  @TempDir Path dir;

  @Test
  void aChildStartedThroughApplyTo_getsTheCapInItsEnvironment_andPassesTheCheck() throws Exception {
    Result child = engineCheck(environment -> {}, true);
    assertThat(child.exitCode()).as(child.output()).isZero();
    assertThat(child.output())
        .contains("convolutions on PyTorch's kernels (oneDNN off), oneDNN ISA SSE41 (ONEDNN_MAX_CPU_ISA=SSE41, environment)")
        .contains("engine self-check 1: passed");
  }

  @Test
  void aJvmStartedWithNothingSet_capsItselfBeforeTheEngineLoads_andPassesTheCheck() throws Exception {
    Result child = engineCheck(environment -> {}, false);
    assertThat(child.exitCode()).as(child.output()).isZero();
    assertThat(child.output())
        .contains("ONEDNN_MAX_CPU_ISA=SSE41, set by Mentor in this process")
        .contains("engine self-check 1: passed");
  }

  @Test
  void optingOut_onACpuWithAvx2_reproducesTheDefect_andStopsWithCpuIsaAndFix() throws Exception {
    assumeThat(EngineKernels.cpuFlags()).as("the defect needs oneDNN's AVX2 or AVX-512 kernels").contains("avx2");
    // The defect does not show on every run: a self-check on uncapped kernels passed once in some dozens of CI runs (on a
    // loaded machine). Up to 3 child processes; the first that reproduces it is checked.
    Result child = null;
    List<String> passed = new ArrayList<>();
    for (int attempt = 0; attempt < 3 && (child == null || child.exitCode() == 0); attempt++) {
      child = engineCheck(environment -> environment.put(EngineKernels.SETTING, "native"), true);
      if (child.exitCode() == 0) {
        passed.add(child.output());
      }
    }
    // If a later libtorch fixes the kernels this fails: then the default settings can be revisited (docs/engine.md).
    assertThat(child.exitCode()).as("3 attempts, none reproduced the defect: " + passed).isEqualTo(1);
    assertThat(child.output())
        .contains("engine self-check 1: FAILED")
        .contains("mentor: the engine computes wrong convolution results on this CPU (" + EngineKernels.cpuModel())
        .contains("convolutions on oneDNN, oneDNN ISA " + EngineKernels.widestIsa() + " (uncapped, MENTOR_ONEDNN_ISA=native)")
        .contains("Fix: leave MENTOR_ONEDNN_ISA unset");
  }

  private record Result(int exitCode, String output) {}

  /** {@code mentor engine-check} in a child JVM whose environment holds none of the engine settings, then {@code adjust}. */
  private Result engineCheck(Consumer<Map<String, String>> adjust, boolean throughApplyTo) throws IOException, InterruptedException {
    List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Dai.djl.offline=true",
        "-Xmx512m", "-cp", System.getProperty("java.class.path"), MentorMain.class.getName(), "engine-check");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("out.txt").toFile());
    builder.environment().keySet().removeAll(List.of(EngineKernels.ISA_VARIABLE, EngineKernels.LOG_VARIABLE, EngineKernels.SETTING));
    adjust.accept(builder.environment());
    if (throughApplyTo) {
      EngineKernels.applyTo(builder);
    }
    Process process = builder.start();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("engine-check did not finish in 120 s");
    }
    return new Result(process.exitValue(), Files.readString(dir.resolve("out.txt"), StandardCharsets.UTF_8));
  }
}
