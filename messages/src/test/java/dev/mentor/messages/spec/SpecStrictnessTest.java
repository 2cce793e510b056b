package dev.mentor.messages.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Strictness is a rule of the reader, not of each field: a value that is blank, of another type,
 * NaN or infinite, or under an unknown key is refused with its path, wherever it is, and every
 * error of a spec is reported at once.
 */
class SpecStrictnessTest {
  private static final String TASKS = """
      tasks:
        source: {classes: [0, 1, 2]}
        target: {classes: [3, 4]}
      """;

  private static String spec(String task, String arm) {
    return "name: exp\nseeds: [1]\ntasks:\n  t: {classes: [0, 1]" + task + "}\narms:\n  - {name: a, task: t, model: {type: mlp}" + arm + "}\n";
  }

  private static SpecException rejected(String text) {
    try {
      ExperimentSpec spec = SpecReader.parse(text);
      throw new AssertionError("expected a SpecException, but the spec parsed: " + spec);
    } catch (SpecException e) {
      return e;
    }
  }

  /**
   * Before: Jackson read a blank count as "not given", so {@code perClass: " "} trained on every sample and {@code epochs: ""}
   * for 10 epochs; it read the text {@code NaN} as a number and {@code 0} as a name.
   */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      ", perClass: ' '   | | tasks.t.perClass         | blank text",
      ", perClass: ''    | | tasks.t.perClass         | blank text",
      "| , epochs: ''                    | arms[0].epochs           | blank text",
      "| , batchSize: '64'               | arms[0].batchSize        | the text '64'",
      "| , strategy: ' '                 | arms[0].strategy         | is blank",
      "| , optimizer: {lr: ''}           | arms[0].optimizer.lr     | blank text",
      "| , optimizer: {lr: NaN}          | arms[0].optimizer.lr     | the text 'NaN'",
      "| , optimizer: {lr: -Infinity}    | arms[0].optimizer.lr     | the text '-Infinity'",
      "| , epochs: 2.5                   | arms[0].epochs           | whole number",
      "| , overfitting: {stop: 'yes'}    | arms[0].overfitting.stop | true or false",
      "| , strategy: 0                   | arms[0].strategy         | the number 0",
      "| , trainStages: stage1           | arms[0].trainStages      | expected a list",
  })
  void aValueOfTheWrongFormIsRefusedWithItsPath(String task, String arm, String field, String words) {
    SpecException e = rejected(spec(task == null ? "" : task, arm == null ? "" : arm));

    assertThat(e.field()).as(e.getMessage()).isEqualTo(field);
    assertThat(e.reason()).contains(words);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"0|the number 0", "true|true", "''|is blank", "' '|is blank"})
  void aNameMustBeText(String value, String words) {
    SpecException e = rejected("name: " + value + "\nseeds: [1]\n" + TASKS + "arms:\n  - {name: a, task: source, model: {type: mlp}}\n");

    assertThat(e.field()).isEqualTo("name");
    assertThat(e.reason()).contains(words);
  }

  @Test
  void anArmNamedByANumberIsRefusedNotTurnedIntoText() {
    SpecException e = rejected("name: e\nseeds: [1]\n" + TASKS + "arms:\n  - {name: 7, task: source, model: {type: mlp}}\n");

    assertThat(e.field()).isEqualTo("arms[0].name");
    assertThat(e.reason()).contains("the number 7", "quotes");
  }

  @Test
  void everyErrorOfFormIsReportedAtOnceInFileOrder() {
    SpecException e = rejected("""
        name: e
        seeds: [1]
        tasks:
          t: {classes: [0, 1], perClass: ''}
        arms:
          - {name: a, task: t, model: {type: mlp}, epochs: ''}
          - {name: b, task: t, model: {type: mlp}, batchsize: 32}
          - {name: c, task: t, model: {type: mlp}, optimizer: {lr: NaN}}
        """);

    assertThat(e.errors()).extracting(SpecException::field)
        .containsExactly("tasks.t.perClass", "arms[0].epochs", "arms[1].batchsize", "arms[2].optimizer.lr");
    assertThat(e.errors().get(2).reason()).contains("did you mean 'batchSize'?");
    assertThat(e.getMessage()).startsWith("4 errors in the spec:").contains("\n  arms[1].batchsize: unknown key");
  }

  @Test
  void everyArmsOwnErrorIsReportedNotOnlyTheFirst() {
    SpecException e = rejected("""
        name: e
        seeds: [1]
        tasks:
          t: {classes: [0, 1]}
          u: {classes: [2]}
        arms:
          - {name: a, task: t, model: {type: mlp}, epochs: 0}
          - {name: b, task: t, model: {type: mlp}, strategy: finetune}
          - {name: c, task: nowhere, model: {type: mlp}}
        """);

    assertThat(e.errors()).extracting(SpecException::field).containsExactly("tasks.u.classes", "arms[0].epochs", "arms[1].strategy");
    assertThat(e.errors().get(1).reason()).contains("must be in [1, 10000], got 0");
    assertThat(e.errors().get(2).reason()).contains("allowed: scratch, linear-probe");
  }

  @Test
  void errorsBetweenArmsAreAllReported() {
    SpecException e = rejected("""
        name: e
        seeds: [1]
        tasks:
          t: {classes: [0, 1]}
        arms:
          - {name: a, task: t, model: {type: mlp}}
          - {name: a, task: t, model: {type: mlp}}
          - {name: c, task: nowhere, model: {type: mlp}}
          - {name: d, task: t, model: {type: mlp}, strategy: full, init: {from: later}}
        """);

    assertThat(e.errors()).extracting(SpecException::field).containsExactly("arms[1].name", "arms[2].task", "arms[3].init.from");
  }

  @Test
  void aFileWithHundredsOfErrorsReportsTheFirstFiftyAndCountsTheRest() {
    String arms = IntStream.range(0, 60).mapToObj(i -> "  - {name: a" + i + ", task: t, model: {type: mlp}, epochs: ''}\n")
        .collect(Collectors.joining());
    SpecException e = rejected("name: e\nseeds: [1]\ntasks:\n  t: {classes: [0, 1]}\narms:\n" + arms);

    assertThat(e.errors()).hasSize(SpecException.MAX_ERRORS);
    assertThat(e.errorsLeftOut()).isEqualTo(10);
    assertThat(e.getMessage()).startsWith("60 errors in the spec:");
    assertThat(e.getMessage()).contains("... and " + e.errorsLeftOut() + " more");
  }

  @Test
  void aKeptHeadNeedsTheSourcesClassesInTheSameOrderNotOnlyAsMany() {
    SpecException e = rejected("""
        name: e
        seeds: [1]
        tasks:
          clothes: {classes: [0, 1, 2, 3, 4]}
          shoes: {classes: [5, 6, 7, 8, 9]}
          reordered: {classes: [4, 3, 2, 1, 0]}
        arms:
          - {name: pre, task: clothes, model: {type: cnn}}
          - {name: other, task: shoes, model: {type: cnn}, strategy: full, init: {from: pre, keepHead: true}}
          - {name: zero, task: reordered, model: {type: cnn}, strategy: none, init: {from: pre, keepHead: true}}
          - {name: fresh, task: shoes, model: {type: cnn}, strategy: full, init: {from: pre}}
        """);

    assertThat(e.errors()).extracting(SpecException::field).containsExactly("arms[1].init.keepHead", "arms[2].init.keepHead");
    assertThat(e.errors().get(0).reason()).contains("classes [0, 1, 2, 3, 4]", "classes [5, 6, 7, 8, 9]");
    assertThat(e.errors().get(1).reason()).contains("classes [4, 3, 2, 1, 0]");
  }

  @Test
  void checkpointClassesApplyOnlyToAKeptHeadOfACheckpoint() {
    SpecException e = rejected(spec("", ", strategy: full, init: {from: x, classes: [0, 1]}"));

    assertThat(e.field()).isEqualTo("arms[0].init.classes");
  }

  @Test
  void theResolvedSpecStillReadsBackWithItsNullsAndEmptyDescription() {
    ExperimentSpec spec = SpecReader.parse(spec("", ""));

    assertThat(SpecReader.parse(SpecReader.toJson(spec))).isEqualTo(spec);
  }

  /** Before: the reader kept the header's errors and dropped those between arms found by the same constructor. */
  @Test
  void theExperimentsOwnErrorsAndThoseBetweenArmsAreReportedTogether() {
    SpecException e = rejected("""
        name: "two words"
        seeds: [1, 1]
        tasks:
          t: {classes: [0, 1]}
        arms:
          - {name: a, task: t, model: {type: mlp}}
          - {name: a, task: t, model: {type: mlp}}
        """);

    assertThat(e.errors()).extracting(SpecException::field).containsExactly("name", "seeds", "arms[1].name");
  }

  /** Before: a task without a value passed the reader and the run failed later on a null. */
  @Test
  void aTaskOrArmWithoutAValueIsRefused() {
    SpecException e = rejected("name: e\nseeds: [1]\ntasks:\n  t: {classes: [0, 1]}\n  u: ~\narms:\n  - {name: a, task: t, model: {type: mlp}}\n  - ~\n");

    assertThat(e.errors()).extracting(SpecException::field).containsExactly("tasks.u", "arms[1]");
    assertThat(e.errors().get(0).reason()).contains("expected a mapping with keys", "got null");
  }

  @Test
  void anErrorFoundTwiceIsReportedOnce() {
    SpecException once = new SpecException("arms[0].epochs", "must be in [1, 10000], got 0");
    SpecException e = SpecException.of(java.util.List.of(once, new SpecException("arms[0].epochs", "must be in [1, 10000], got 0"),
        new SpecException("arms[1].epochs", "must be in [1, 10000], got 0")));

    assertThat(e.errors()).extracting(SpecException::field).containsExactly("arms[0].epochs", "arms[1].epochs");
  }

  /** Before: an error of form ended the reading, and a value error of another arm came only after the first was fixed. */
  @Test
  void errorsOfFormAndErrorsOfValueInOtherPartsAreReportedTogether() {
    SpecException e = rejected("""
        name: e
        seeds: [1]
        tasks:
          t: {classes: [0, 1], perClass: ''}
          u: {classes: [2, 3], validationPerClass: -1}
        arms:
          - {name: a, task: t, model: {type: mlp}, batchsize: 3}
          - {name: b, task: t, model: {type: mlp}, epochs: 0}
        """);

    assertThat(e.errors()).extracting(SpecException::field).containsExactly("tasks.t.perClass", "arms[0].batchsize",
        "tasks.u.validationPerClass", "arms[1].epochs");
  }

  /** Before: a typo in defaults was merged into every arm and reported once per arm, as the arm's key. */
  @Test
  void aTypoInDefaultsIsReportedOnceAtDefaults() {
    SpecException e = rejected("""
        name: e
        seeds: [1]
        tasks:
          t: {classes: [0, 1]}
        defaults: {epochz: 3, model: {type: mlp}}
        arms:
          - {name: a, task: t}
          - {name: b, task: t}
          - {name: c, task: t, batchSize: 'x'}
        """);

    assertThat(e.errors()).extracting(SpecException::field).containsExactly("defaults.epochz", "arms[2].batchSize");
    assertThat(e.errors().get(0).reason()).contains("did you mean 'epochs'?");
  }
}
