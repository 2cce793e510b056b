package dev.mentor.training.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mentor.messages.record.RunEvent;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.SpecException;
import dev.mentor.messages.spec.SpecReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Online co-distillation of an ensemble's members: the members train at the same time and learn
 * from each other's published weights within the staleness bound, which is recorded; with bound 0
 * (synchronous mutual learning) the run is reproducible however the threads interleave.
 */
class CodistillationTest {
  private static final String SPEC = """
      name: %s
      seeds: [4]
      data: {source: synthetic, syntheticClasses: 3, syntheticPerClass: 30}
      tasks:
        t: {classes: [0, 1, 2]}
      defaults: {task: t, epochs: 4, batchSize: 16, optimizer: {lr: 0.01}}
      arms:
        - {name: peers, model: {type: mlp, widths: [8]}, ensemble: {members: 3%s}}
      """;

  @TempDir Path out;

  private RunRecord run(String name, String codistill) throws Exception {
    return new ExperimentRunner(SpecReader.parse(SPEC.formatted(name, codistill)), out, out.resolve(name)).run(RunListener.NONE).get(0);
  }

  private static List<String> notes(RunRecord record) {
    return record.events().stream().map(RunEvent::message).filter(m -> m.contains("co-distillation")).toList();
  }

  @Test
  void synchronousCoDistillationIsReproducibleAndChangesTheMembers() throws Exception {
    RunRecord first = run("sync-a", ", codistill: {weight: 0.5, temperature: 2, staleness: 0}");
    RunRecord second = run("sync-b", ", codistill: {weight: 0.5, temperature: 2, staleness: 0}");
    RunRecord independent = run("independent", "");
    assertThat(second.test()).as("bound 0: the same result however the member threads interleave").isEqualTo(first.test());
    assertThat(first.test().nll()).as("learning from peers changes the members").isNotEqualTo(independent.test().nll());
    assertThat(notes(first)).hasSize(3).allSatisfy(n -> assertThat(n).contains("0 to 0 epochs old", "over 4 epochs", "bound 0"));
    assertThat(notes(independent)).isEmpty();
    assertThat(first.history().get(1).terms()).as("the distillation term is recorded per epoch").containsKey("kd");
    try (var files = Files.walk(out.resolve("sync-a"))) {
      assertThat(files.map(f -> f.getFileName().toString())).as("published peer weights are removed at the end")
          .noneMatch(f -> f.startsWith("peer-") || f.equals("peer.epoch"));
    }
  }

  @Test
  void staleWeightsStayWithinTheBoundAndBurnInTrainsOnLabelsFirst() throws Exception {
    RunRecord record = run("stale", ", codistill: {weight: 0.3, staleness: 2, burnIn: 1}");
    assertThat(notes(record)).hasSize(3).allSatisfy(n -> assertThat(n).contains("over 3 epochs", "bound 2"));
    for (String note : notes(record)) {
      int max = Integer.parseInt(note.replaceAll(".* to (\\d+) epochs old.*", "$1"));
      assertThat(max).isBetween(0, 2);
    }
    assertThat(record.history().get(0).terms()).as("burn-in epoch: cross-entropy only").doesNotContainKey("kd");
  }

  @Test
  void coDistillationNeedsTwoMembersAndAWeightInRange() {
    assertThatThrownBy(() -> SpecReader.parse(SPEC.formatted("one", ", codistill: {}").replace("members: 3", "members: 1")))
        .isInstanceOf(SpecException.class).hasMessageContaining("codistill").hasMessageContaining("at least 2 members");
    assertThatThrownBy(() -> SpecReader.parse(SPEC.formatted("w", ", codistill: {weight: 0}")))
        .isInstanceOf(SpecException.class).hasMessageContaining("weight").hasMessageContaining("(0, 1]");
  }
}
