package dev.mentor.actors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mentor.actors.cli.ChildMentor.Result;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.SpecReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code mentor} command line as a user runs it: a separate JVM, exit codes, messages on the
 * error stream, and no output folder for a spec that cannot run. {@code run} here is
 * {@code run --in-process}, the training library's own loop; {@link RunCommandTest} covers
 * {@code run} through Kafka.
 */
class MentorMainTest {
  private static final String VALID = """
      name: cli
      seeds: [1, 2]
      data: {source: synthetic, syntheticClasses: 6, syntheticPerClass: 20}
      tasks:
        t: {classes: [0, 1, 2], perClass: 8, testPerClass: 5}
      defaults: {epochs: 1, batchSize: 16}
      arms:
        - {name: logreg, task: t, model: {type: logistic}}
        - {name: mlp, task: t, model: {type: mlp, widths: [8]}}
      """;

  @TempDir Path dir;

  private Result mentor(String... args) throws IOException, InterruptedException {
    return ChildMentor.run(dir, args);
  }

  private Path write(String name, String text) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, text);
    return file;
  }

  private Path output() {
    return dir.resolve("out");
  }

  @Test
  void validateOfAValidSpecExitsZeroAndWritesNothing() throws Exception {
    Path spec = write("valid.yaml", VALID);
    Result result = mentor("validate", spec.toString(), "--output", output().toString());
    assertThat(result.exitCode()).as(result.err()).isZero();
    assertThat(result.out()).contains("valid").contains("2 arms x 2 seeds = 4 runs");
    assertThat(output()).doesNotExist();
    assertThat(dir.resolve("runs")).doesNotExist();
  }

  @Test
  void validateOfASweptSpecCountsTheExpandedArmsAndRunsAndEachSweep() throws Exception {
    Path spec = write("swept.yaml", VALID.replace("model: {type: mlp, widths: [8]}}",
        "model: {type: mlp, widths: [8]}, sweep: {optimizer.lr: [0.01, 0.001, 0.0001], model.widths: [[8], [16]]}}"));
    Result result = mentor("validate", spec.toString(), "--output", output().toString());
    assertThat(result.exitCode()).as(result.err()).isZero();
    assertThat(result.out()).contains("7 arms (6 of them from 1 sweep) x 2 seeds = 14 runs")
        .contains("  sweep arms[1] mlp: 6 arms (optimizer.lr: 3, model.widths: 2)");
    assertThat(output()).doesNotExist();
  }

  @Test
  void validateOfAMalformedSweepExitsTwoNamingItsFieldAndRunsNothing() throws Exception {
    Path spec = write("bad-sweep.yaml", VALID.replace("model: {type: mlp, widths: [8]}}",
        "model: {type: mlp, widths: [8]}, sweep: {zip: {optimizer.lr: [0.01, 0.001], epochs: [1]}}}"));
    Result result = mentor("run", "--in-process", spec.toString(), "--output", output().toString());
    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("invalid experiment: arms[1].sweep.zip.epochs: has 1 value but optimizer.lr has 2");
    assertThat(output()).as("nothing run").doesNotExist();
  }

  @Test
  void validateOfAClassBeyondTheDataExitsTwoNamingTheField() throws Exception {
    Path spec = write("bad-class.yaml", VALID.replace("classes: [0, 1, 2]", "classes: [0, 9, 2]"));
    Result result = mentor("validate", spec.toString(), "--output", output().toString());
    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("invalid experiment: tasks.t.classes[1]: ");
    assertThat(result.out()).doesNotContain("valid;");
    assertThat(output()).doesNotExist();
  }

  @Test
  void validateOfASpecErrorExitsTwoNamingTheFieldPath() throws Exception {
    Path spec = write("bad-lr.yaml", VALID.replace("model: {type: logistic}", "model: {type: logistic}, optimizer: {lr: -1}"));
    Result result = mentor("validate", spec.toString(), "--output", output().toString());
    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("invalid experiment: arms[0].optimizer.lr: ");
    assertThat(output()).doesNotExist();
  }

  @Test
  void validateReportsEveryErrorOfTheSpecAtOnce() throws Exception {
    Path spec = write("many.yaml", VALID.replace("model: {type: logistic}", "model: {type: logistic}, epochs: ''")
        .replace("widths: [8]}", "widths: [8]}, optimizer: {lr: -1}, batchsize: 3"));
    Result result = mentor("validate", spec.toString(), "--output", output().toString());
    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("invalid experiment: 2 errors in the spec:", "  arms[0].epochs: expected a whole number, got blank text",
        "  arms[1].batchsize: unknown key (did you mean 'batchSize'?)");
  }

  /** The shipped distillation example, explained on the real data: reads as a methods section. */
  @Test
  void validateExplainWritesWhatEachArmOfTheDistillationExampleTrains() throws Exception {
    Path example = Path.of(System.getProperty("user.dir")).getParent().resolve("examples/distill-fashion.yaml");
    Result result = mentor("validate", "--explain", example.toString(), "--output", output().toString());
    assertThat(result.exitCode()).as(result.err()).isZero();
    assertThat(result.out())
        .contains("# distill-fashion: what will be trained")
        .contains("- **full**: labels 0 = T-shirt/top (class 0), 1 = Trouser (class 1)")
        .contains("- **scarce**: the labels of full. Training 540 samples (54 per class), validation 540")
        .contains("### kd-t4 (task full, student)")
        .contains("with T = 4 and α = 0.9, i.e. 0.1·CE + 14.4·KL")
        .contains("Teacher: arm teacher (cnn [32, 64] fc128, task full) trained with the same seed")
        .contains("| stage1 | 88 | trained |")
        .contains("Phase 1 of 2 (hint)");
    assertThat(output()).doesNotExist();
  }

  @Test
  void validateOfAMissingFileExitsTwo() throws Exception {
    Result result = mentor("validate", dir.resolve("nowhere.yaml").toString(), "--output", output().toString());
    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("not found");
  }

  @Test
  void runOfAnInvalidSpecExitsTwoAndCreatesNoOutput() throws Exception {
    Path spec = write("too-many.yaml", VALID.replace("perClass: 8", "perClass: 50"));
    Result result = mentor("run", "--in-process", spec.toString(), "--output", output().toString());
    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("invalid experiment: tasks.t: ");
    assertThat(output()).as("nothing half-written").doesNotExist();
  }

  @Test
  void runOfAMissingCheckpointExitsTwoAndCreatesNoOutput() throws Exception {
    Path spec = write("missing.yaml", VALID.replace("- {name: mlp, task: t, model: {type: mlp, widths: [8]}}",
        "- {name: mlp, task: t, model: {type: mlp, widths: [8]}, strategy: full, init: {checkpoint: gone.params}}"));
    Result result = mentor("run", "--in-process", spec.toString(), "--output", output().toString());
    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("invalid experiment: arms[1].init.checkpoint: ").contains("not found");
    assertThat(output()).doesNotExist();
  }

  @Test
  void runEndToEndWritesRunsAndReportAndThenRefusesAChangedSpec() throws Exception {
    Path spec = write("valid.yaml", VALID);
    Result result = mentor("run", "--in-process", spec.toString(), "--output", output().toString());
    assertThat(result.exitCode()).as(result.err()).isZero();
    Path experiment = output().resolve("cli");
    assertThat(result.out()).contains("report: " + experiment.resolve("report.md"));
    assertThat(experiment.resolve("report.md")).isRegularFile();
    for (String run : List.of("logreg-s1", "logreg-s2", "mlp-s1", "mlp-s2")) {
      RunRecord record = SpecReader.json().readValue(experiment.resolve(run).resolve("results.json").toFile(), RunRecord.class);
      assertThat(record.epochsRun()).isEqualTo(1);
    }
    String stored = Files.readString(experiment.resolve("experiment.json"));

    Path changed = write("valid.yaml", VALID.replace("epochs: 1", "epochs: 2"));
    Result refused = mentor("run", "--in-process", changed.toString(), "--output", output().toString());
    assertThat(refused.exitCode()).isEqualTo(2);
    assertThat(refused.err()).contains("invalid experiment: name: ");
    assertThat(Files.readString(experiment.resolve("experiment.json"))).isEqualTo(stored);
  }

  @Test
  void packMeasuresThenStoresAFineTunedRunAsADeltaAndUnpackRestoresItByteForByte() throws Exception {
    Path spec = write("transfer.yaml", VALID.replace("seeds: [1, 2]", "seeds: [1]").replace("- {name: mlp, task: t, model: {type: mlp, widths: [8]}}",
        "- {name: mlp, task: t, model: {type: mlp, widths: [8]}}\n  - {name: tuned, task: t, model: {type: mlp, widths: [8]}, strategy: full,"
            + " init: {from: mlp, keepHead: true}}"));
    assertThat(mentor("run", "--in-process", spec.toString(), "--output", output().toString()).exitCode()).isZero();
    Path experiment = output().resolve("cli");
    Path weights = experiment.resolve("tuned-s1").resolve("model.params");
    byte[] full = Files.readAllBytes(weights);

    Result measured = mentor("pack", experiment.toString(), "--measure", "--modes", "lossless,fp16", "--base-dir", dir.toString());
    assertThat(measured.exitCode()).as(measured.err()).isZero();
    assertThat(measured.out()).contains("tuned seed 1: full " + String.format(java.util.Locale.ROOT, "%,d", full.length) + " bytes")
        .contains("1 fine-tuned runs measured");
    assertThat(experiment.resolve("tuned-s1").resolve("delta.json")).isRegularFile();
    assertThat(Files.readString(experiment.resolve("report.md"))).contains("## Compression: fine-tuned variants as deltas");
    assertThat(weights).isRegularFile();

    Result packed = mentor("pack", experiment.toString());
    assertThat(packed.exitCode()).as(packed.err()).isZero();
    assertThat(packed.out()).contains("1 fine-tuned runs packed (lossless)");
    assertThat(weights).doesNotExist();
    assertThat(experiment.resolve("tuned-s1").resolve("model.delta")).isRegularFile();

    Result unpacked = mentor("unpack", experiment.toString());
    assertThat(unpacked.exitCode()).as(unpacked.err()).isZero();
    assertThat(Files.readAllBytes(weights)).isEqualTo(full);
    assertThat(experiment.resolve("bases")).doesNotExist();

    Result badMode = mentor("pack", experiment.toString(), "--mode", "zip");
    assertThat(badMode.exitCode()).isEqualTo(1);
    assertThat(badMode.err()).contains("mode must be one of lossless, fp16, sparse:K").contains("zip");
  }
}
