package dev.mentor.training.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The engine settings every JVM Mentor starts must have, decided from its environment, and what
 * this test JVM's engine got. Child JVMs started the way Mentor starts them are checked by the
 * command line's {@code EngineCheckCommandTest} in the actors module, through {@code mentor engine-check}.
 */
class EngineKernelsTest {
  @Test
  void missingVariables_followTheSettings() {
    assertThat(EngineKernels.missingVariables(Map.of()))
        .containsExactly(Map.entry("ONEDNN_MAX_CPU_ISA", "SSE41"), Map.entry("TORCH_CPP_LOG_LEVEL", "ERROR"));
    assertThat(EngineKernels.missingVariables(Map.of("MENTOR_ONEDNN_ISA", "native")))
        .containsExactly(Map.entry("TORCH_CPP_LOG_LEVEL", "ERROR"));
    assertThat(EngineKernels.missingVariables(Map.of("MENTOR_ONEDNN_ISA", "avx2")))
        .containsEntry("ONEDNN_MAX_CPU_ISA", "AVX2");
    // What the user set themselves is never overwritten.
    assertThat(EngineKernels.missingVariables(Map.of("ONEDNN_MAX_CPU_ISA", "AVX", "TORCH_CPP_LOG_LEVEL", "INFO"))).isEmpty();
    assertThat(EngineKernels.oneDnnFor(Map.of())).isFalse();
    assertThat(EngineKernels.oneDnnFor(Map.of("MENTOR_ONEDNN_ISA", "native"))).isTrue();
  }

  @Test
  void widestIsa_namesWhatOneDnnWouldPickFromTheCpuFlags() {
    assertThat(EngineKernels.widestIsa(Set.of("sse4_1", "avx", "avx2", "fma"))).isEqualTo("AVX2");
    assertThat(EngineKernels.widestIsa(Set.of("sse4_1", "avx", "avx2", "avx512f", "avx512bw", "avx512vl", "avx512dq",
        "avx512_vnni", "avx512_bf16"))).isEqualTo("AVX512_CORE_BF16");
    assertThat(EngineKernels.widestIsa(Set.of("sse4_1"))).isEqualTo("SSE41");
    assertThat(EngineKernels.widestIsa(Set.of("avx512f"))).as("AVX-512 foundation alone is not AVX512_CORE").isEqualTo("none (not x86, or no SSE4.1)");
  }

  @Test
  void thisTestJvm_hasTheCapFromItsEnvironment_andPyTorchKernels() {
    EngineSelfCheck.ensurePassed();
    assertThat(EngineKernels.current().source()).isEqualTo("environment");
    assertThat(EngineKernels.current().cap()).isEqualTo(EngineKernels.DEFAULT_CAP);
    assertThat(EngineKernels.convolutionKernels()).isEqualTo("pytorch");
  }
}
