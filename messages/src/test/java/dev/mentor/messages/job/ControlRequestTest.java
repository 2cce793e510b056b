package dev.mentor.messages.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import dev.mentor.messages.job.ControlRequest.Action;
import dev.mentor.messages.spec.SpecException;
import dev.mentor.messages.spec.SpecName;
import dev.mentor.messages.spec.SpecReader;
import org.junit.jupiter.api.Test;

/** Control requests are refused, field by field, unless Mentor is sure what they ask. */
class ControlRequestTest {

  private static SpecException rejected(String json) {
    try {
      ControlRequest request = SpecReader.readJson(json, ControlRequest.class);
      throw new AssertionError("expected a SpecException, got " + request);
    } catch (SpecException e) {
      return e;
    }
  }

  @Test
  void aRequestAsMentorsSendersWriteItIsRead() {
    assertThat(SpecReader.readJson(SpecReader.toJson(ControlRequest.of("exp-1", Action.PAUSE)), ControlRequest.class))
        .isEqualTo(new ControlRequest(1, "exp-1", Action.PAUSE));
    assertThat(SpecReader.readJson("{\"schemaVersion\": 1, \"experimentId\": \"quickstart\", \"action\": \"cancel\"}", ControlRequest.class))
        .isEqualTo(ControlRequest.cancel("quickstart"));
  }

  @Test
  void anotherSchemaVersionNamesTheSupportedOne() {
    SpecException e = rejected("{\"schemaVersion\": 99, \"experimentId\": \"e\", \"action\": \"cancel\"}");

    assertThat(e.field()).isEqualTo("schemaVersion");
    assertThat(e.reason()).contains("schema version 1", "got 99");
  }

  @Test
  void aMissingSchemaVersionIsRefused() {
    SpecException e = rejected("{\"experimentId\": \"e\", \"action\": \"cancel\"}");

    assertThat(e.field()).isEqualTo("schemaVersion");
    assertThat(e.reason()).contains("required", "schema version 1");
  }

  @Test
  void aMissingOrInvalidExperimentIdIsRefused() {
    assertThat(rejected("{\"schemaVersion\": 1, \"action\": \"cancel\"}").field()).isEqualTo("experimentId");
    SpecException e = rejected("{\"schemaVersion\": 1, \"experimentId\": \"" + "../".repeat(10_000) + "\", \"action\": \"cancel\"}");
    assertThat(e.field()).isEqualTo("experimentId");
    assertThat(e.reason()).contains("1-64 characters", "(30000 characters)").hasSizeLessThan(300);
  }

  @Test
  void anUnknownActionListsTheActions() {
    SpecException e = rejected("{\"schemaVersion\": 1, \"experimentId\": \"e\", \"action\": \"restart\"}");

    assertThat(e.field()).isEqualTo("action");
    assertThat(e.reason()).contains("'restart'", "cancel, pause, resume");
  }

  @Test
  void unknownKeysWrongTypesAndBrokenJsonAreSpecExceptions() {
    assertThat(rejected("{\"schemaVersion\": 1, \"experimentId\": \"e\", \"action\": \"cancel\", \"force\": true}").field()).isEqualTo("force");
    assertThat(rejected("{\"schemaVersion\": \"one\", \"experimentId\": \"e\", \"action\": \"cancel\"}").field()).isEqualTo("schemaVersion");
    assertThat(rejected("{\"schemaVersion\": 1,").reason()).contains("not valid JSON");
    assertThat(rejected("").reason()).contains("no JSON");
  }

  @Test
  void constructingABadRequestInCodeThrowsTheSameError() {
    assertThatThrownBy(() -> ControlRequest.of("e", SpecName.parse(Action.class, "stop"))).isInstanceOf(SpecException.class).hasMessageContaining("unknown value 'stop'");
    assertThatThrownBy(() -> new ControlRequest(2, "e", Action.CANCEL)).isInstanceOf(SpecException.class).hasMessageStartingWith("schemaVersion: ");
  }

  /** Through the plain mapper, Jackson wraps the record's error; its cause is the SpecException. */
  @Test
  void thePlainMapperWrapsTheSpecExceptionAsItsCause() {
    assertThatThrownBy(() -> SpecReader.json().readValue("{\"schemaVersion\": 99, \"experimentId\": \"e\", \"action\": \"cancel\"}", ControlRequest.class))
        .isInstanceOf(ValueInstantiationException.class)
        .cause().isInstanceOf(SpecException.class).hasMessageStartingWith("schemaVersion: ");
  }
}
