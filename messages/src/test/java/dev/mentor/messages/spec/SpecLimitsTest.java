package dev.mentor.messages.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile specs: huge values echoed in errors, huge or deeply nested documents, YAML aliases,
 * too many runs or tasks. Each is refused with a short reason naming the field and the limit.
 * The timeouts only guard against a parser or planner that blows up; they time nothing.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SpecLimitsTest {
  private static final int HUGE = 200_000;
  private static final int KEY = 20_000;

  private static SpecException rejected(String text) {
    try {
      ExperimentSpec spec = SpecReader.parse(text);
      throw new AssertionError("expected a SpecException, but the spec parsed: " + spec.name());
    } catch (SpecException e) {
      assertBounded(e);
      return e;
    }
  }

  /** Each error is bounded, and so is the whole message: at most {@link SpecException#MAX_ERRORS} lines of them. */
  private static void assertBounded(SpecException e) {
    assertThat(e.errors()).hasSizeBetween(1, SpecException.MAX_ERRORS);
    for (SpecException one : e.errors()) {
      assertThat(one.reason().length()).as(one.getMessage()).isLessThanOrEqualTo(SpecLimits.MAX_REASON_CHARS);
      assertThat(one.field().length()).as(one.getMessage()).isLessThanOrEqualTo(SpecLimits.MAX_FIELD_CHARS);
      assertThat(one.getMessage().length()).isLessThanOrEqualTo(SpecLimits.MAX_REASON_CHARS + SpecLimits.MAX_FIELD_CHARS + 2);
    }
    assertThat(e.getMessage().length()).isLessThanOrEqualTo(64 + e.errors().size() * (SpecLimits.MAX_REASON_CHARS + SpecLimits.MAX_FIELD_CHARS + 5));
  }

  private static String spec(String name, String seeds, String arms) {
    return "name: " + name + "\nseeds: " + seeds + "\ntasks:\n  t: {classes: [0, 1]}\ndefaults: {task: t, model: {type: logistic}}\narms:\n" + arms;
  }

  private static String arms(int count) {
    return IntStream.range(0, count).mapToObj(i -> "  - {name: a" + i + "}\n").collect(Collectors.joining());
  }

  private static String seeds(int count) {
    return LongStream.rangeClosed(1, count).mapToObj(Long::toString).collect(Collectors.joining(", ", "[", "]"));
  }

  @Nested
  class EchoedValues {

    @Test
    void hugeExperimentNameIsQuotedAsItsStartAndLength() {
      SpecException e = rejected(spec("x".repeat(HUGE) + "!", "[1]", arms(1)));

      assertThat(e.field()).isEqualTo("name");
      assertThat(e.reason()).contains("1-64 characters", "'" + "x".repeat(SpecLimits.MAX_QUOTED_CHARS) + "…' (" + (HUGE + 1) + " characters)");
    }

    @Test
    void hugeUnknownValueOfAClosedSetIsQuotedShort() {
      SpecException e = rejected(spec("e", "[1]", "  - {name: a, strategy: " + "q".repeat(HUGE) + "}\n"));

      assertThat(e.field()).isEqualTo("arms[0].strategy");
      assertThat(e.reason()).contains("(" + HUGE + " characters)", "allowed: scratch");
    }

    @Test
    void hugeValueJacksonCannotConvertIsQuotedShort() {
      SpecException e = rejected(spec("e", "[1]", "  - {name: a, optimizer: {lr: " + "f".repeat(HUGE) + "}}\n"));

      assertThat(e.field()).isEqualTo("arms[0].optimizer.lr");
      assertThat(e.reason()).contains("(" + HUGE + " characters)", "a number");
    }

    /** Keys: YAML allows 1024 characters to a plain key and Jackson 50,000 to a JSON key, so these are JSON. */
    @Test
    void longUnknownKeyGivesAShortFieldPath() {
      String key = "k".repeat(KEY);

      SpecException e = rejected("{\"name\": \"e\", \"seeds\": [1], \"tasks\": {\"t\": {\"classes\": [0, 1]}}, "
          + "\"arms\": [{\"name\": \"a\", \"task\": \"t\", \"model\": {\"type\": \"mlp\"}, \"" + key + "\": 1}]}");

      assertThat(e.field()).startsWith("arms[0].kkk").endsWith("(" + (KEY + 8) + " characters)");
      assertThat(e.reason()).startsWith("unknown key");
    }

    @Test
    void hugeTaskReferenceAndLongTaskNameAreQuotedShort() {
      assertThat(rejected(spec("e", "[1]", "  - {name: a, task: " + "t".repeat(HUGE) + "}\n")).reason())
          .contains("unknown task 'ttt", "(" + HUGE + " characters)", "defined tasks: t");

      SpecException name = rejected("{\"name\": \"e\", \"seeds\": [1], \"tasks\": {\"" + "n".repeat(KEY) + "\": {\"classes\": [0, 1]}}, "
          + "\"arms\": [{\"name\": \"a\", \"task\": \"t\", \"model\": {\"type\": \"mlp\"}}]}");
      assertThat(name.field()).isEqualTo("tasks");
      assertThat(name.reason()).startsWith("a task's name must be 1-64 characters").contains("(" + KEY + " characters)");
    }

    @Test
    void controlCharactersInAQuotedValueAreShownAsEscapes() {
      SpecException e = rejected(spec("\"a\\u001b[31mred\"", "[1]", arms(1)));

      assertThat(e.reason()).contains("'a\\u001b[31mred'").doesNotContain("\u001b");
    }

    @Test
    void aReasonOrFieldOfAnyLengthIsCutWithItsLength() {
      SpecException e = new SpecException("f".repeat(1_000_000), "r".repeat(1_000_000));

      assertBounded(e);
      assertThat(e.reason()).startsWith("rrr").endsWith("… (1000000 characters)");
      assertThat(e.field()).endsWith("… (1000000 characters)");
      assertBounded(e.under("arms[0]"));
    }

    @Test
    void cuttingNeverSplitsASurrogatePair() {
      String emoji = "\uD83D\uDE00".repeat(1000);

      String cut = Check.excerpt(emoji, 101);
      String quoted = Check.quote(emoji);

      assertThat(cut.substring(0, cut.indexOf('…'))).matches("(\uD83D\uDE00)*");
      assertThat(quoted.substring(1, quoted.indexOf('…'))).matches("(\uD83D\uDE00)*");
    }

    @Test
    void longListsOfNamesAreShortenedToTheFirstTen() {
      String arms = arms(50) + "  - {name: b, strategy: full, model: {type: mlp}, init: {from: nowhere}}\n";

      SpecException e = rejected(spec("e", "[1]", arms).replace("type: logistic", "type: mlp"));

      assertThat(e.reason()).contains("'nowhere'", "a0, a1, a2", "a9 and 40 more").doesNotContain("a10");
    }
  }

  @Nested
  class DocumentSize {

    @Test
    void specTextOverTheLimitIsRefusedBeforeParsing() {
      String fiveMegabytes = spec("e", "[1]", arms(1)) + "description: " + "d".repeat(5_000_000) + "\n";

      SpecException e = rejected(fiveMegabytes);

      assertThat(e.field()).isEmpty();
      assertThat(e.reason()).contains("5000", "limit is " + SpecLimits.MAX_SPEC_BYTES + " bytes", "256 KiB");
      assertThat(rejected("{\"name\": \"" + "\"".repeat(600_000)).reason()).contains("limit is " + SpecLimits.MAX_SPEC_BYTES);
    }

    @Test
    void limitCountsBytesOfUtf8NotCharacters() {
      String base = spec("e", "[1]", arms(1)) + "description: ";
      String fits = base + "d".repeat(SpecLimits.MAX_SPEC_BYTES - base.length() - 1) + "\n";
      String multiByte = base + "é".repeat((SpecLimits.MAX_SPEC_BYTES - base.length()) / 2 + 1) + "\n";

      assertThat(SpecReader.parse(fits).description()).hasSize(SpecLimits.MAX_SPEC_BYTES - base.length() - 1);
      assertThat(multiByte.length()).isLessThan(SpecLimits.MAX_SPEC_BYTES);
      assertThat(rejected(multiByte).reason()).contains("bytes; the limit is");
    }

    @Test
    void experimentFileOverTheLimitIsRefusedUnread(@TempDir Path dir) throws IOException {
      Path file = Files.writeString(dir.resolve("big.yaml"), spec("e", "[1]", arms(1)) + "description: " + "d".repeat(5_000_000) + "\n");

      assertThatThrownBy(() -> SpecReader.read(file)).isInstanceOf(SpecException.class).hasMessageContaining("limit is " + SpecLimits.MAX_SPEC_BYTES);
    }
  }

  @Nested
  class Nesting {

    @Test
    void tenThousandNestedListsAreRefusedInJsonAndYaml() {
      String lists = "[".repeat(10_000) + "]".repeat(10_000);

      assertThat(rejected("{\"name\": " + lists + "}").reason()).contains("not valid JSON", "nesting depth", "(" + SpecLimits.MAX_NESTING_DEPTH + ")")
          .doesNotContain("StreamReadConstraints");
      assertThat(rejected("name: " + lists + "\n").reason()).contains("not valid YAML", "nesting depth", "(" + SpecLimits.MAX_NESTING_DEPTH + ")");
    }

    @Test
    void tenThousandNestedMappingsAreRefusedInJsonAndYaml() {
      assertThat(rejected("{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000)).reason()).contains("nesting depth");
      assertThat(rejected("name: " + "{a: ".repeat(10_000) + "1" + "}".repeat(10_000) + "\n").reason()).contains("nesting depth");
    }

    @Test
    void aSpecNestedAsDeepAsItNeedsStillParses() {
      assertThat(SpecReader.parse(spec("e", "[1]", "  - {name: a, distill: {teacher: {checkpoint: t.params, model: {type: logistic}}, "
          + "features: [{method: similarity, pairs: [{student: head, teacher: head}]}]}}\n")).arms()).hasSize(1);
    }
  }

  @Nested
  class YamlAliases {

    @Test
    void billionLaughsIsRefusedWithoutExpandingAnything() {
      StringBuilder laughs = new StringBuilder(spec("e", "[1]", arms(1))).append("description: &a lol\n");
      laughs.append("x0: &x0 [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n");
      for (int i = 1; i < 10; i++) {
        laughs.append("x").append(i).append(": &x").append(i).append(" [").append(("*x" + (i - 1) + ", ").repeat(9)).append("*x").append(i - 1).append("]\n");
      }

      SpecException e = rejected(laughs.toString());

      assertThat(e.reason()).contains("not valid YAML", "aliases (*a) are not supported", "defaults", "line 9");
    }

    @Test
    void anAnchorWithoutAliasIsHarmless() {
      assertThat(SpecReader.parse(spec("e", "[1]", arms(1)) + "description: &d hello\n").description()).isEqualTo("hello");
    }
  }

  @Nested
  class Counts {

    @Test
    void armsTimesSeedsOverTheLimitNamesArmsTheCountAndTheLimit() {
      SpecException e = rejected(spec("e", seeds(100), arms(101)));

      assertThat(e.field()).isEqualTo("arms");
      assertThat(e.reason()).contains("101 arms × 100 seeds = 10100 runs", "limit is " + SpecLimits.MAX_RUNS);
    }

    @Test
    void moreSeedsThanTheLimitNamesSeeds() {
      SpecException e = rejected(spec("e", seeds(SpecLimits.MAX_RUNS + 1), arms(1)));

      assertThat(e.field()).isEqualTo("seeds");
      assertThat(e.reason()).contains("1 arms × 10001 seeds = 10001 runs");
    }

    @Test
    void eachEnsembleMemberCountsAsARun() {
      String arms = "  - {name: a, ensemble: {members: 5000}}\n  - {name: b, ensemble: {members: 1001, codistill: {}}}\n";

      SpecException e = rejected(spec("e", "[1, 2]", arms).replace("type: logistic", "type: mlp"));

      assertThat(e.field()).isEqualTo("arms");
      assertThat(e.reason()).contains("2 arms training 6001 models (ensemble members counted) × 2 seeds = 12002 runs");
    }

    @Test
    void aBillionMembersDoNotOverflowTheCount() {
      String arms = "  - {name: a, ensemble: {members: 2000000000}}\n  - {name: b, ensemble: {members: 2000000000}}\n";

      assertThat(rejected(spec("e", "[1, 2]", arms).replace("type: logistic", "type: mlp")).reason()).contains("= 8000000000 runs");
    }

    @Test
    void exactlyTheRunLimitIsAccepted() {
      assertThat(SpecReader.parse(spec("e", seeds(100), arms(100))).arms()).hasSize(100);
    }

    @Test
    void moreTasksThanTheLimitAreRefused() {
      String tasks = IntStream.range(0, SpecLimits.MAX_TASKS + 1).mapToObj(i -> "  t" + i + ": {classes: [0, 1]}\n").collect(Collectors.joining());

      SpecException e = rejected("name: e\nseeds: [1]\ntasks:\n" + tasks + "arms: [{name: a, task: t0, model: {type: logistic}}]\n");

      assertThat(e.field()).isEqualTo("tasks");
      assertThat(e.reason()).contains("1001 tasks", "limit is " + SpecLimits.MAX_TASKS);
    }

    @Test
    void largeDefaultsMergedIntoManyArmsAreRefused() {
      String defaults = "defaults: {task: t, model: {type: mlp, widths: " + seeds(1000) + "}}\n";

      SpecException e = rejected(spec("e", "[1]", arms(5000)).replace("defaults: {task: t, model: {type: logistic}}\n", defaults));

      assertThat(e.field()).isEqualTo("defaults");
      assertThat(e.reason()).contains("into 5000 arms", "limit is " + SpecLimits.MAX_MERGED_VALUES);
    }
  }

  @Nested
  class ArmLookup {

    @Test
    void armIsFoundByNameAndAnUnknownNameIsAnError() {
      ExperimentSpec spec = SpecReader.parse(spec("e", "[1]", arms(1000)));

      assertThat(spec.arm("a0")).isSameAs(spec.arms().get(0));
      assertThat(spec.arm("a999")).isSameAs(spec.arms().get(999));
      assertThatThrownBy(() -> spec.arm("zz")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'zz'");
    }

    @Test
    void indexedArmsAreAnOrdinaryUnmodifiableListThatRoundTrips() {
      ExperimentSpec spec = SpecReader.parse(spec("e", "[1]", arms(3)));

      assertThat(spec.arms()).extracting(ArmSpec::name).containsExactly("a0", "a1", "a2");
      assertThat(spec.arms()).isEqualTo(java.util.List.copyOf(spec.arms()));
      assertThatThrownBy(() -> spec.arms().remove(0)).isInstanceOf(UnsupportedOperationException.class);
      assertThat(SpecReader.parse(SpecReader.toJson(spec))).isEqualTo(spec);
    }
  }

  @Test
  void absurdSizesAreRefusedNamingTheFieldAndTheRange() {
    String base = """
        {"name": "big", "seeds": [1], "data": {"source": "synthetic", "syntheticPerClass": %s},
         "tasks": {"t": {"classes": [0, 1]}},
         "arms": [{"name": "a", "task": "t", "epochs": %s, "batchSize": %s, "model": {"type": "mlp", "widths": [%s]}}]}
        """;
    assertThat(rejected(base.formatted("10", "2147483647", "8", "4")).getMessage()).contains("epochs").contains("[1, 10000]");
    assertThat(rejected(base.formatted("10", "2", "2147483647", "4")).getMessage()).contains("batchSize").contains("65536");
    assertThat(rejected(base.formatted("2147483647", "2", "8", "4")).getMessage()).contains("syntheticPerClass").contains("100000");
    assertThat(rejected(base.formatted("10", "2", "8", "2147483647")).getMessage()).contains("widths[0]").contains("65536");
    assertThat(SpecReader.parse(base.formatted("10", "2", "8", "4")).arms()).hasSize(1);
  }

  @Test
  void jsonWithAnythingAfterTheSpecIsRefused() {
    String spec = """
        {"name": "t", "seeds": [1], "data": {"source": "synthetic"}, "tasks": {"t": {"classes": [0, 1]}},
         "arms": [{"name": "a", "task": "t", "model": {"type": "mlp"}}]}""";
    assertThat(SpecReader.parse(spec).name()).isEqualTo("t");
    rejected(spec + " {\"name\": \"second\"}");
    rejected(spec + " garbage");
  }
}
