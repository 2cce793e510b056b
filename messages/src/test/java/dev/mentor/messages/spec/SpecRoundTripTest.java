package dev.mentor.messages.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The resolved spec (every default filled in) is what the service stores with a job and reads
 * again to resume it, to stream a teacher and to compare an output folder: it must read back as
 * itself, for every example and every way a student can be distilled.
 */
class SpecRoundTripTest {
  static Stream<Path> examples() throws IOException {
    Path folder = Path.of("..", "examples");
    try (Stream<Path> files = Files.list(folder)) {
      List<Path> yaml = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
      assertThat(yaml).as("examples in " + folder.toAbsolutePath()).isNotEmpty();
      return yaml.stream();
    }
  }

  @ParameterizedTest
  @MethodSource("examples")
  void everyExampleReadsBackAsItself(Path example) {
    ExperimentSpec spec = SpecReader.read(example);

    assertThat(SpecReader.parse(SpecReader.toJson(spec))).isEqualTo(spec);
  }

  /** Before: a logit-matching or feature-only student was resolved with a temperature and a soft loss it then refused on reading back. */
  @ParameterizedTest
  @ValueSource(strings = {
      "{logits: soft-targets}",
      "{logits: soft-targets, temperature: 2, softLoss: cross-entropy, alpha: 0.5}",
      "{logits: logit-matching}",
      "{logits: logit-matching, alpha: 0.3}",
      "{logits: none, features: [{method: attention, pairs: [{student: stage1, teacher: stage1}]}]}",
  })
  void everyLogitMethodReadsBackAsItself(String distill) {
    String text = "name: e\nseeds: [1]\ntasks:\n  t: {classes: [0, 1]}\narms:\n"
        + "  - {name: teacher, task: t, model: {type: cnn}}\n"
        + "  - {name: student, task: t, model: {type: cnn}, distill: " + distill.replace("{logits", "{teacher: {arm: teacher}, logits") + "}\n";
    ExperimentSpec spec = SpecReader.parse(text);

    assertThat(SpecReader.parse(SpecReader.toJson(spec))).isEqualTo(spec);
  }
}
