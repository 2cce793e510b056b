package dev.mentor.training.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.training.engine.ParameterFile;
import dev.mentor.training.engine.ParameterFile.Tensor;
import dev.mentor.training.model.ModelWeights;
import dev.mentor.training.model.WeightDelta;
import dev.mentor.training.model.WeightDelta.Mode;
import dev.mentor.training.report.DeltaMeasurement;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small finished transfer experiment (a pretrain arm, a linear probe, partial and full
 * fine-tuning, on synthetic data) measured, packed into deltas, started from while packed, and
 * unpacked again.
 */
class WeightPackingTest {
  private static final long SEED = 11;
  private static final List<String> TUNED = List.of("probe", "partial", "full");
  private static final ExperimentSpec SPEC = SpecReader.parse("""
      name: transfer
      seeds: [11]
      data: {source: synthetic, syntheticClasses: 6, syntheticPerClass: 60}
      tasks:
        source: {classes: [0, 1, 2]}
        target: {classes: [3, 4, 5], perClass: 30}
      defaults:
        model: {type: cnn, channels: [4, 8], hidden: 16}
        epochs: 2
        batchSize: 32
        optimizer: {lr: 0.01}
      arms:
        - {name: pretrain, task: source}
        - {name: scratch, task: target}
        - {name: probe, task: target, strategy: linear-probe, init: {from: pretrain}}
        - {name: partial, task: target, strategy: partial, lastStages: 1, init: {from: pretrain}}
        - {name: full, task: target, strategy: full, init: {from: pretrain}, optimizer: {lr: 0.001}}
      """);

  @TempDir static Path output;
  private static RunPaths paths;
  private static final Map<String, byte[]> original = new HashMap<>();

  @BeforeAll
  static void runExperiment() throws IOException {
    ExperimentRunner runner = new ExperimentRunner(SPEC, output, output);
    paths = runner.paths();
    runner.run(new RunListener() {});
    for (String arm : List.of("pretrain", "scratch", "probe", "partial", "full")) {
      original.put(arm, Files.readAllBytes(paths.finalWeights(arm, SEED)));
    }
  }

  @Test
  void variants_areTheRunsOfArmsThatStartFromOtherWeights() throws IOException {
    WeightPacking packing = new WeightPacking(paths.experimentDir(), output);
    assertThat(packing.variants()).extracting(v -> v.arm().name()).containsExactlyElementsOf(TUNED);
    assertThat(packing.variants()).allSatisfy(v -> {
      assertThat(v.base()).isEqualTo(paths.finalWeights("pretrain", SEED));
      assertThat(v.startsFrom()).isEqualTo("arm pretrain");
    });
  }

  @Test
  void measure_recordsBytesPerModeAndLossyAccuracy_changesNoWeights_andTheReportShowsIt() throws IOException {
    WeightPacking packing = new WeightPacking(paths.experimentDir(), output);
    List<Mode> modes = List.of(Mode.LOSSLESS, Mode.FP16, Mode.parse("sparse:10"));
    List<DeltaMeasurement> measured = packing.measure(modes, line -> {});

    assertThat(measured).extracting(DeltaMeasurement::arm).containsExactlyElementsOf(TUNED);
    String pretrainDigest = ParameterFile.sha256(original.get("pretrain"));
    for (DeltaMeasurement m : measured) {
      RunRecord record = SpecReader.json().readValue(paths.results(m.arm(), SEED).toFile(), RunRecord.class);
      assertThat(m.testAccuracy()).as("%s: the run's own test accuracy, evaluated again", m.arm()).isEqualTo(record.test().accuracy());
      assertThat(m.fullBytes()).isEqualTo(original.get(m.arm()).length);
      assertThat(m.baseDigest()).isEqualTo(pretrainDigest);
      assertThat(m.baseBytes()).isEqualTo(original.get("pretrain").length);
      assertThat(m.modes()).extracting(DeltaMeasurement.Mode::mode).containsExactly("lossless", "fp16", "sparse:10");
      DeltaMeasurement.Mode lossless = m.modes().get(0);
      assertThat(lossless.bytes()).isLessThan(m.fullBytes());
      assertThat(lossless.maxAbsError()).isZero();
      assertThat(lossless.testAccuracy()).isNull();
      for (DeltaMeasurement.Mode lossy : m.modes().subList(1, 3)) {
        assertThat(lossy.testAccuracy()).as("%s %s", m.arm(), lossy.mode()).isNotNull().isBetween(0.0, 1.0);
        if (m.arm().equals("probe")) {
          // Only its fresh head changed, stored whole in every mode: the same bytes but the mode's name.
          assertThat(lossy.bytes()).isLessThanOrEqualTo(lossless.bytes() + 8);
        } else {
          assertThat(lossy.bytes()).isLessThan(lossless.bytes());
        }
      }
      assertThat(Files.readAllBytes(paths.finalWeights(m.arm(), SEED))).as("measuring changes no weights").isEqualTo(original.get(m.arm()));
      assertThat(paths.run(m.arm(), SEED).resolve(DeltaMeasurement.FILE)).isRegularFile();
    }
    DeltaMeasurement probe = measured.get(0);
    int headAndClasses = (int) ParameterFile.read(paths.finalWeights("probe", SEED)).keySet().stream()
        .filter(n -> n.startsWith("head/") || n.equals(ModelWeights.CLASSES)).count();
    assertThat(probe.modes().get(0).storedTensors()).as("a linear probe stores its head and classes only").isEqualTo(headAndClasses);
    assertThat(measured.get(2).modes().get(0).unchangedTensors()).as("full fine-tuning changes everything but what it cannot").isLessThan(
        probe.modes().get(0).unchangedTensors());

    String report = Files.readString(packing.writeReport());
    assertThat(report).contains("## Compression: fine-tuned variants as deltas")
        .contains("| `probe` | arm pretrain | 1 | " + String.format(java.util.Locale.ROOT, "%,d", probe.fullBytes()) + " |")
        .contains("3 fine-tuned variants of 1 base");
  }

  @Test
  void pack_replacesFineTunedWeightsByDeltasToOneStoredBase_aLaterRunStartsFromThem_andUnpackRestoresEveryByte(@TempDir Path copyRoot)
      throws IOException {
    Path experiment = copyRoot.resolve(SPEC.name());
    copy(paths.experimentDir(), experiment);
    RunPaths copied = new RunPaths(experiment);
    WeightPacking packing = new WeightPacking(experiment, output);

    List<WeightPacking.Packed> packed = packing.pack(Mode.LOSSLESS, line -> {});
    assertThat(packed).hasSize(3).allSatisfy(p -> assertThat(p.deltaBytes()).isPositive().isLessThan(p.fullBytes()));
    for (String arm : TUNED) {
      Path weights = copied.finalWeights(arm, SEED);
      assertThat(weights).doesNotExist();
      assertThat(WeightDelta.deltaOf(weights)).isRegularFile();
      assertThat(ParameterFile.toBytes(ModelWeights.read(weights))).as(arm + " reads as before").isEqualTo(original.get(arm));
    }
    assertThat(copied.finalWeights("pretrain", SEED)).isRegularFile();
    assertThat(Files.readAllBytes(copied.finalWeights("pretrain", SEED))).isEqualTo(original.get("pretrain"));
    assertThat(Files.isSameFile(copied.finalWeights("pretrain", SEED),
        experiment.resolve(WeightPacking.BASES).resolve(ParameterFile.sha256(original.get("pretrain")) + ".params")))
        .as("the base is stored once: the pretrained arm's file and the stored base are one file").isTrue();
    assertThat(copied.finalWeights("scratch", SEED)).as("not fine-tuned: kept whole").isRegularFile();
    try (Stream<Path> bases = Files.list(experiment.resolve(WeightPacking.BASES))) {
      assertThat(bases.toList()).extracting(p -> p.getFileName().toString())
          .containsExactly(ParameterFile.sha256(original.get("pretrain")) + ".params");
    }
    assertThat(packing.pack(Mode.LOSSLESS, line -> {})).as("packing again").allSatisfy(p -> assertThat(p.fullBytes()).isZero());

    // A later experiment starts from the packed probe (head kept): BatchNorm adaptation changes only running statistics.
    ExperimentSpec later = SpecReader.parse("""
        name: later
        seeds: [11]
        data: {source: synthetic, syntheticClasses: 6, syntheticPerClass: 60}
        tasks:
          target: {classes: [3, 4, 5], perClass: 30}
        defaults:
          model: {type: cnn, channels: [4, 8], hidden: 16}
        arms:
          - {name: adapt, task: target, strategy: bn-adapt, init: {checkpoint: "%s", keepHead: true}}
        """.formatted(copied.finalWeights("probe", SEED).toString().replace("\\", "/")));
    ExperimentRunner runner = new ExperimentRunner(later, copyRoot, copyRoot);
    runner.run(new RunListener() {});
    Map<String, Tensor> adapted = ParameterFile.read(runner.paths().finalWeights("adapt", SEED));
    Map<String, Tensor> probe = ModelWeights.read(copied.finalWeights("probe", SEED));
    for (String name : probe.keySet()) {
      if (!name.contains("running")) {
        assertThat(adapted.get(name).values()).as(name).containsExactly(probe.get(name).values());
      }
    }

    assertThat(packing.unpack(line -> {})).isEqualTo(3);
    for (String arm : TUNED) {
      assertThat(Files.readAllBytes(copied.finalWeights(arm, SEED))).as(arm + " restored byte for byte").isEqualTo(original.get(arm));
      assertThat(WeightDelta.deltaOf(copied.finalWeights(arm, SEED))).doesNotExist();
    }
    assertThat(experiment.resolve(WeightPacking.BASES)).doesNotExist();
    assertThat(Files.readAllBytes(copied.finalWeights("pretrain", SEED))).as("the base arm keeps its weights").isEqualTo(original.get("pretrain"));
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> walk = Files.walk(from)) {
      List<Path> all = new ArrayList<>(walk.toList());
      for (Path source : all) {
        Path target = to.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target);
        }
      }
    }
  }
}
