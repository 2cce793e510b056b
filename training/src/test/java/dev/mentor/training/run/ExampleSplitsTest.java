package dev.mentor.training.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecException;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.messages.spec.TaskSpec;
import dev.mentor.training.data.FashionMnist;
import dev.mentor.training.data.ImageSet;
import dev.mentor.training.data.SourceData;
import dev.mentor.training.data.TaskSplitter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped examples keep their numbers: no task of theirs reaches into another task's
 * validation samples, so every task draws exactly the samples it drew before tasks held back each
 * other's validation samples, that is, the samples it draws alone.
 */
class ExampleSplitsTest {
  private static final Path EXAMPLES = Path.of("..", "examples");

  /** Fashion-MNIST's shape where the split rule sees it: 10 classes of 6,000 training-file and 1,000 test-file samples (1 pixel each). */
  private static final SourceData FASHION_SHAPED = new SourceData(labelled(60_000, 0), labelled(10_000, SourceData.TEST_ID_OFFSET),
      FashionMnist.CLASS_NAMES);

  private static ImageSet labelled(int count, long idOffset) {
    float[] pixels = new float[count];
    int[] labels = new int[count];
    long[] ids = new long[count];
    for (int i = 0; i < count; i++) {
      labels[i] = i % 10;
      ids[i] = idOffset + i;
    }
    return new ImageSet(pixels, labels, ids, 1, 1, 1);
  }

  private static List<Path> examples() throws IOException {
    try (Stream<Path> files = Files.list(EXAMPLES)) {
      return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
    }
  }

  @Test
  void everyExampleTaskDrawsTheSamplesItDrawsAlone() throws IOException {
    assertThat(examples()).hasSizeGreaterThanOrEqualTo(8);
    for (Path file : examples()) {
      ExperimentSpec spec = SpecReader.read(file);
      for (long seed : spec.seeds()) {
        for (Map.Entry<String, TaskSpec> task : spec.tasks().entrySet()) {
          String what = file.getFileName() + " task " + task.getKey() + " seed " + seed;
          TaskSplitter.Indices inExperiment = TaskSplitter.indices(FASHION_SHAPED, spec.tasks(), task.getKey(), seed);
          TaskSplitter.Indices alone = TaskSplitter.indices(FASHION_SHAPED, Map.of(task.getKey(), task.getValue()), task.getKey(), seed);
          assertThat(inExperiment.train()).as(what + " train").containsExactly(alone.train());
          assertThat(inExperiment.validation()).as(what + " validation").containsExactly(alone.validation());
          assertThat(inExperiment.test()).as(what + " test").containsExactly(alone.test());
        }
      }
    }
  }

  @Test
  void everyExampleValidatesOnFashionMnist(@TempDir Path output) throws IOException {
    for (Path file : examples()) {
      ExperimentSpec spec = SpecReader.read(file);
      try {
        new ExperimentRunner(spec, EXAMPLES, output).validate();
      } catch (SpecException e) {
        assumeFalse(e.field().equals("data") && e.reason().startsWith("Fashion-MNIST not found"), "Fashion-MNIST is not installed here");
        throw new AssertionError(file + ": " + e.getMessage(), e);
      }
    }
  }
}
