package dev.mentor.training.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.training.data.DataSources;
import dev.mentor.training.data.Normalization;
import dev.mentor.training.data.SourceData;
import dev.mentor.training.data.TaskData;
import dev.mentor.training.data.TaskSplitter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every run record says what it was trained on: a small experiment with a plain arm, a student and
 * an ensemble on two tasks that share classes, then its records, environment and report read back.
 */
class DataProvenanceTest {
  /** 4 classes of 40 training-file and 10 test-file samples each. */
  private static final String SPEC = """
      name: provenance
      seeds: [5]
      data: {source: synthetic, syntheticClasses: 4, syntheticPerClass: 40}
      tasks:
        all: {classes: [0, 1, 2, 3]%s}
        scarce: {classes: [0, 1, 2, 3], perClass: 5, validationPerClass: 20}
      defaults: {epochs: 1, batchSize: 32, optimizer: {lr: 0.01}, model: {type: logistic}}
      arms:
      %s
      """;
  private static final String ARMS = """
        - {name: teacher, task: all}
        - {name: student, task: scarce, distill: {teacher: {arm: teacher}}}
        - {name: ens, task: scarce, ensemble: {members: 2}}
      """;

  @TempDir static Path output;
  private static RunPaths paths;

  @BeforeAll
  static void runExperiment() throws IOException {
    ExperimentRunner runner = new ExperimentRunner(SpecReader.parse(SPEC.formatted("", ARMS)), output, output);
    paths = runner.paths();
    runner.run(RunListener.NONE);
  }

  private static JsonNode record(Path dir) throws IOException {
    return SpecReader.json().readTree(dir.resolve("results.json").toFile());
  }

  @Test
  void everyRecordSaysWhatItWasTrainedOn() throws IOException {
    JsonNode teacher = record(paths.run("teacher", 5)).get("provenance");
    assertThat(teacher).as("teacher's provenance").isNotNull();
    assertThat(teacher.get("source").asText()).isEqualTo("synthetic");
    // "all" trains on everything before the 20 validation samples per class that "scarce" holds back.
    assertThat(teacher.at("/train/samples").asInt()).isEqualTo(4 * 20);
    assertThat(teacher.at("/validation/samples").asInt()).isEqualTo(4 * 4);
    assertThat(teacher.at("/test/samples").asInt()).isEqualTo(4 * 10);
    assertThat(teacher.at("/overlap/scarce/validation").asInt()).isZero();
    assertThat(teacher.at("/overlap/scarce/test").asInt()).isZero();
    assertThat(teacher.at("/overlap").has("all")).as("a task is not compared with itself").isFalse();

    for (Path dir : List.of(paths.run("student", 5), paths.run("ens", 5), paths.member("ens", 5, 0), paths.member("ens", 5, 1))) {
      JsonNode p = record(dir).get("provenance");
      assertThat(p).as(dir + " provenance").isNotNull();
      assertThat(p.at("/train/samples").asInt()).as(dir.toString()).isEqualTo(4 * 5);
      assertThat(p.at("/validation/samples").asInt()).isEqualTo(4 * 20);
      assertThat(p.at("/test/samples").asInt()).isEqualTo(4 * 10);
      assertThat(p.at("/overlap/all/validation").asInt()).isZero();
      assertThat(p.at("/overlap/all/test").asInt()).isZero();
    }
    assertThat(record(paths.run("teacher", 5)).get("trainSamples").asInt()).isEqualTo(4 * 20);
  }

  @Test
  void sampleIdDigestsFollowTheSplitOrder() throws IOException {
    ExperimentSpec spec = SpecReader.parse(SPEC.formatted("", ARMS));
    SourceData data = DataSources.load(spec.data(), null);
    TaskData scarce = TaskSplitter.split(data, spec.tasks(), "scarce", 5);
    JsonNode student = record(paths.run("student", 5)).get("provenance");
    assertThat(student.at("/train/ids").asText()).isEqualTo(sha256(scarce.train().sampleIds()));
    assertThat(student.at("/validation/ids").asText()).isEqualTo(sha256(scarce.validation().sampleIds()));
    assertThat(student.at("/test/ids").asText()).isEqualTo(sha256(scarce.test().sampleIds()));
    assertThat(record(paths.run("ens", 5)).at("/provenance/train/ids").asText()).isEqualTo(student.at("/train/ids").asText());
    assertThat(record(paths.run("teacher", 5)).at("/provenance/train/ids").asText()).isNotEqualTo(student.at("/train/ids").asText());
  }

  /** The digest of a split as provenance defines it: SHA-256 of "train:&lt;index&gt;" / "test:&lt;index&gt;" lines. */
  private static String sha256(long[] sampleIds) {
    StringBuilder text = new StringBuilder();
    for (long id : sampleIds) {
      text.append(id >= SourceData.TEST_ID_OFFSET ? "test:" + (id - SourceData.TEST_ID_OFFSET) : "train:" + id).append('\n');
    }
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
          .digest(text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void normalisationIsFittedOnTheTasksTrainingSplitsAndRecorded() throws Exception {
    ExperimentSpec spec = SpecReader.parse(SPEC.formatted("", ARMS).replace("seeds: [5]", "seeds: [5, 6]"));
    SourceData data = DataSources.load(spec.data(), null);
    Normalization expected = unionFit(data, spec, 5);
    assertThat(expected).isNotEqualTo(Normalization.fit(data.train()));

    RunExecutor executor = new ExperimentRunner(spec, output, output.resolve("prepared")).prepare(RunListener.NONE);
    assertThat(executor.normalization(5)).isEqualTo(expected);
    assertThat(executor.normalization(6)).isEqualTo(unionFit(data, spec, 6)).isNotEqualTo(expected);

    JsonNode teacher = record(paths.run("teacher", 5)).get("provenance");
    assertThat(teacher).isNotNull();
    assertThat((float) teacher.at("/normalization/mean").asDouble()).isEqualTo(expected.mean());
    assertThat((float) teacher.at("/normalization/std").asDouble()).isEqualTo(expected.std());
  }

  /** Mean and std over the distinct training-file samples any task of {@code spec} trains on at {@code seed}. */
  private static Normalization unionFit(SourceData data, ExperimentSpec spec, long seed) {
    TreeSet<Long> ids = new TreeSet<>();
    for (String task : spec.tasks().keySet()) {
      Arrays.stream(TaskSplitter.split(data, spec.tasks(), task, seed).train().sampleIds()).forEach(ids::add);
    }
    int[] indices = ids.stream().mapToInt(Long::intValue).toArray();
    return Normalization.fit(data.train().subset(indices));
  }

  @Test
  void environmentNamesTheData() throws IOException {
    JsonNode env = SpecReader.json().readTree(paths.run("teacher", 5).resolve("environment.json").toFile());
    assertThat(env.at("/data/source").asText()).isEqualTo("synthetic");
    assertThat(env.at("/data/files").isArray()).isTrue();
  }

  @Test
  void reportPrintsOneProvenanceLinePerTask() throws IOException {
    String report = Files.readString(paths.experimentDir().resolve("report.md"));
    assertThat(report).contains("Data: synthetic");
    assertThat(report).contains("task `all`: 80 train / 16 validation / 40 test samples");
    assertThat(report).contains("task `scarce`: 20 train / 80 validation / 40 test samples");
    assertThat(report).contains("overlap with other tasks' validation: 0");
  }

  @Test
  void allowOverlapTrainsOnAnotherTasksValidationSamplesAndSaysHowMany(@TempDir Path other) throws IOException {
    ExperimentSpec spec = SpecReader.parse(SPEC.formatted(", allowOverlap: true", "  - {name: teacher, task: all}\n"));
    ExperimentRunner runner = new ExperimentRunner(spec, other, other);
    runner.run(RunListener.NONE);
    JsonNode teacher = record(runner.paths().run("teacher", 5)).get("provenance");
    assertThat(teacher).isNotNull();
    // The split "all" draws alone: 36 of 40 per class, of which 16 are among the last 20 that "scarce" validates on.
    assertThat(teacher.at("/train/samples").asInt()).isEqualTo(4 * 36);
    assertThat(teacher.at("/overlap/scarce/validation").asInt()).isEqualTo(4 * 16);
    String report = Files.readString(runner.paths().experimentDir().resolve("report.md"));
    assertThat(report).contains("overlap with other tasks' validation: 64");
  }
}
