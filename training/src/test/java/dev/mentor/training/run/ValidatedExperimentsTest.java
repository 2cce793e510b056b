package dev.mentor.training.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecReader;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A runner validated by mentor run reaches the service's supervisor once, for the same experiment only. */
class ValidatedExperimentsTest {
  private static final String SPEC = """
      name: handed-over
      seeds: [1]
      data: {source: synthetic, syntheticClasses: 3, syntheticPerClass: 20}
      tasks: {t: {classes: [0, 1, 2]}}
      arms:
        - {name: a, task: t, model: {type: logistic}, epochs: 1}
      """;

  @TempDir Path dir;

  @Test
  void theValidatedRunnerIsTakenOnceForTheSameExperimentAndFolders() {
    ExperimentSpec spec = SpecReader.parse(SPEC);
    ExperimentRunner validated = new ExperimentRunner(spec, dir, dir.resolve("out"));
    validated.validate();
    ValidatedExperiments.offer(validated);

    ExperimentRunner elsewhere = ValidatedExperiments.take(spec, dir, dir.resolve("other-out"));
    assertThat(elsewhere).as("another output folder is another experiment").isNotSameAs(validated);
    assertThat(elsewhere.isValidated()).isFalse();

    // The service parses the submitted text again: an equal spec, not the same object.
    ExperimentRunner taken = ValidatedExperiments.take(SpecReader.parse(SPEC), dir, dir.resolve("out"));
    assertThat(taken).isSameAs(validated);
    assertThat(taken.isValidated()).isTrue();
    assertThat(ValidatedExperiments.take(spec, dir, dir.resolve("out"))).as("taken once").isNotSameAs(validated);
  }

  @Test
  void onlyAValidatedRunnerCanBeOfferedAndAnOfferNotTakenIsWithdrawn() {
    ExperimentSpec spec = SpecReader.parse(SPEC);
    ExperimentRunner unchecked = new ExperimentRunner(spec, dir, dir.resolve("out"));
    assertThatThrownBy(() -> ValidatedExperiments.offer(unchecked)).hasMessageContaining("has not been validated");

    unchecked.validate();
    ValidatedExperiments.offer(unchecked);
    ValidatedExperiments.withdraw(unchecked);
    assertThat(ValidatedExperiments.take(spec, dir, dir.resolve("out"))).isNotSameAs(unchecked);
  }
}
