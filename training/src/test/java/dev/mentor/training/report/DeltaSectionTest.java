package dev.mentor.training.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.training.files.AtomicFiles;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeltaSectionTest {
  private static final ExperimentSpec SPEC = SpecReader.parse("""
      name: tiny
      seeds: [1, 2]
      data: {source: synthetic}
      tasks:
        source: {classes: [0, 1, 2]}
        target: {classes: [3, 4], perClass: 10}
      defaults: {model: {type: mlp, widths: [16]}}
      arms:
        - {name: pretrain, task: source}
        - {name: probe, task: target, strategy: linear-probe, init: {from: pretrain}}
        - {name: full, task: target, strategy: full, init: {from: pretrain}}
      """);
  private static final String BASE = "ab".repeat(32);

  @TempDir Path dir;

  private static DeltaMeasurement run(String arm, long seed, double accuracy, long lossless, long fp16, double fp16Accuracy) {
    return new DeltaMeasurement(arm, seed, "arm pretrain", BASE, 1_000_000, 1_000_000, accuracy, List.of(
        new DeltaMeasurement.Mode("lossless", lossless, 10, 0, 0, null),
        new DeltaMeasurement.Mode("fp16", fp16, 10, 0, 1e-6, fp16Accuracy)));
  }

  @Test
  void rowsAreMeansPerArmInSpecOrder_andTotalsCountTheSharedBaseOnce() {
    String section = DeltaSection.render(SPEC, List.of(
        run("full", 1, 0.80, 600_000, 300_000, 0.79),
        run("full", 2, 0.82, 500_000, 250_000, 0.82),
        run("probe", 1, 0.70, 6_000, 4_000, 0.70)));

    assertThat(section).startsWith("## Compression: fine-tuned variants as deltas\n")
        .contains("| Arm | Starts from | n | Full copy, bytes | lossless, bytes (× smaller) | fp16, bytes (× smaller) | Test acc % | Δ acc fp16, points |")
        .contains("| `probe` | arm pretrain | 1 | 1,000,000 | 6,000 (166.7×) | 4,000 (250.0×) | 70.0 ± 0.0 | +0.00 ± 0.00 |")
        .contains("| `full` | arm pretrain | 2 | 1,000,000 | 550,000 (1.8×) | 275,000 (3.6×) | 81.0 ± 1.4 | -0.50 ± 0.71 |")
        // 3 MB whole; 1 MB base + 1,106,000 lossless bytes = 2.106 MB (1.4×); + 554,000 fp16 bytes = 1.554 MB (1.9×).
        .contains("- 3 fine-tuned variants of 1 base (1.00 MB): 3.00 MB as full copies; 2.11 MB as the base plus lossless deltas"
            + " (1.11 MB of deltas; 1.4× smaller); 1.55 MB as the base plus fp16 deltas (0.55 MB of deltas; 1.9× smaller).");
    assertThat(section.indexOf("`probe`")).isLessThan(section.indexOf("`full`"));
  }

  @Test
  void readsTheMeasurementsInTheRunFolders_andRendersNothingWithout() throws Exception {
    assertThat(DeltaSection.render(SPEC, DeltaSection.read(dir))).isEmpty();
    AtomicFiles.writeString(dir.resolve("probe-s1").resolve(DeltaMeasurement.FILE),
        SpecReader.json().writeValueAsString(run("probe", 1, 0.70, 6_000, 4_000, 0.70)));
    assertThat(DeltaSection.read(dir)).containsExactly(run("probe", 1, 0.70, 6_000, 4_000, 0.70));
    assertThat(DeltaSection.render(SPEC, DeltaSection.read(dir))).contains("`probe`");
  }
}
