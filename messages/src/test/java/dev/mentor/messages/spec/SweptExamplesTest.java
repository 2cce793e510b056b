package dev.mentor.messages.spec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The examples written with sweeps are the experiments they were when every arm was written by
 * hand (kept as test resources, {@code sweeps/<example>-handwritten.yaml}): the same arms in the
 * same order, with the same names and the same settings, each expanded arm differing only by the
 * sweep point it carries.
 */
class SweptExamplesTest {
  @ParameterizedTest
  @ValueSource(strings = {"transfer-fashion", "distill-fashion"})
  void theSweptExample_expandsToTheHandWrittenArms(String example) throws Exception {
    ExperimentSpec swept = SpecReader.read(Path.of("..", "examples", example + ".yaml"));
    ExperimentSpec handWritten = SpecReader.read(Path.of(getClass().getResource("/sweeps/" + example + "-handwritten.yaml").toURI()));

    assertThat(swept.arms()).as("the examples use sweeps").anyMatch(arm -> arm.sweepPoint() != null);
    assertThat(swept.arms()).extracting(ArmSpec::name).containsExactlyElementsOf(handWritten.arms().stream().map(ArmSpec::name).toList());
    assertThat(withoutSweepPoints(swept)).isEqualTo(handWritten);
  }

  /** The spec as it would be had its arms been written out: its resolved JSON read back without the points. */
  private static ExperimentSpec withoutSweepPoints(ExperimentSpec spec) throws Exception {
    JsonNode tree = SpecReader.json().readTree(SpecReader.toJson(spec));
    tree.get("arms").forEach(arm -> ((ObjectNode) arm).remove("sweepPoint"));
    return SpecReader.parse(tree.toString());
  }
}
