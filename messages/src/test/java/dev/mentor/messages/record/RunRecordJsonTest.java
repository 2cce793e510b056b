package dev.mentor.messages.record;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mentor.messages.spec.SpecReader;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunRecordJsonTest {
  private static final DataProvenance PROVENANCE = new DataProvenance("fashion-mnist", "ab12",
      List.of(new DataProvenance.DataFile("/data/train-images-idx3-ubyte.gz", 26_421_880, "cd34")),
      new DataProvenance.Standardization(0.286, 0.353), new DataProvenance.Split(540, "ef56"), new DataProvenance.Split(540, "0a1b"),
      new DataProvenance.Split(10_000, "2c3d"), Map.of("full", new DataProvenance.Overlap(0, 0)));

  private static RunRecord record(DataProvenance provenance) {
    return new RunRecord(RunRecord.SCHEMA_VERSION, "e", "a", 1, "t", "scratch", "cnn", null, 10, 10, 100, 40, 540, 540, 1, 1, 1,
        "last epoch 1", 0, 1.5, 360, null, null, Map.of(), List.of(), List.of(), null, null, null, provenance);
  }

  @Test
  void provenanceSurvivesTheRoundTrip() throws Exception {
    RunRecord read = SpecReader.json().readValue(SpecReader.toJson(record(PROVENANCE)), RunRecord.class);

    assertThat(read.provenance()).isEqualTo(PROVENANCE);
    assertThat(read).isEqualTo(record(PROVENANCE));
  }

  @Test
  void recordWrittenBeforeProvenanceExistedReadsWithNone() throws Exception {
    ObjectNode old = (ObjectNode) SpecReader.json().readTree(SpecReader.toJson(record(PROVENANCE)));
    old.remove("provenance");

    RunRecord read = SpecReader.json().treeToValue(old, RunRecord.class);

    assertThat(read.provenance()).isNull();
    assertThat(read.arm()).isEqualTo("a");
  }
}
