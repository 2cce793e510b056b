package dev.mentor.messages.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mentor.messages.spec.SpecException;
import dev.mentor.messages.spec.SpecReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * A rejection's JSON stays under the size it is given whatever was submitted: payloads whose
 * every character JSON escapes to two or six bytes, four-byte characters, bytes that are not
 * UTF-8, a key of 600,000 characters; the submitted bytes are still described by length and digest.
 */
class JobRejectionTest {
  private static final int LIMIT = JobRejection.DEFAULT_MAX_RECORD_BYTES;
  private static final long AT = 1_700_000_000_000L;

  private static JobRejection fitted(String id, String field, String reason, byte[] payload, int limit) {
    JobRejection rejection = JobRejection.of(id, field, reason, payload, AT, limit);
    String json = SpecReader.toJson(rejection);
    assertThat(json.getBytes(StandardCharsets.UTF_8).length).as("JSON bytes").isLessThanOrEqualTo(limit);
    byte[] bytes = payload == null ? new byte[0] : payload;
    assertThat(rejection.payloadBytes()).isEqualTo(bytes.length);
    assertThat(rejection.payloadSha256()).isEqualTo(sha256(bytes));
    assertThat(JobCodec.payloadText(bytes)).startsWith(rejection.payload());
    assertThat(rejection.payloadTruncated()).isEqualTo(rejection.payload().length() < JobCodec.payloadText(bytes).length());
    assertThat(rejection.schemaVersion()).isEqualTo(JobRejection.SCHEMA_VERSION);
    assertThat(rejection.rejectedAtMillis()).isEqualTo(AT);
    assertThat(SpecReader.readJson(json, JobRejection.class)).isEqualTo(rejection);
    return rejection;
  }

  /** Checks a rejection built by the caller against its own limit at the smallest limit. */
  private static JobRejection underMinimum(JobRejection rejection) {
    assertThat(SpecReader.toJson(rejection).getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(JobRejection.MIN_RECORD_BYTES);
    assertThat(SpecReader.readJson(SpecReader.toJson(rejection), JobRejection.class)).isEqualTo(rejection);
    return rejection;
  }

  private static JobRejection fitted(byte[] payload) {
    return fitted("exp", "name", "must be 1-64 characters", payload, LIMIT);
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @ParameterizedTest
  @ValueSource(strings = {"\"", "\\", "\u0001", "\n", "\uD83D\uDE00", "é", "€", "a"})
  void payloadOf600KilobytesOfOneCharacterFitsTheLimit(String character) {
    JobRejection rejection = fitted(utf8(character.repeat(600_000 / character.length())));

    assertThat(rejection.payloadTruncated()).isTrue();
    assertThat(rejection.payload()).isNotEmpty();
  }

  @ParameterizedTest
  @ValueSource(ints = {JobRejection.MIN_RECORD_BYTES, 10_000, JobRejection.DEFAULT_MAX_RECORD_BYTES, 1_000_000})
  void everyLimitFromTheSmallestIsKept(int limit) {
    fitted("x".repeat(600_000), "f".repeat(600_000), "\u0001".repeat(600_000), utf8("\"".repeat(2_000_000)), limit);
  }

  @Test
  void theRoomLeftIsUsedNearlyToTheByte() {
    JobRejection rejection = fitted(utf8("\u0001".repeat(600_000)));

    assertThat(SpecReader.toJson(rejection).getBytes(StandardCharsets.UTF_8).length).isGreaterThan(LIMIT - 6);
  }

  @Test
  void invalidUtf8IsEchoedWithReplacementsAndDescribedByTheOriginalBytes() {
    byte[] payload = new byte[600_000];
    Arrays.fill(payload, (byte) 0xFF);

    JobRejection rejection = fitted(payload);

    assertThat(rejection.payload()).matches("\uFFFD+");
    assertThat(rejection.payloadBytes()).isEqualTo(600_000);
  }

  @Test
  void aCutNeverSplitsAFourByteCharacter() {
    JobRejection rejection = fitted(utf8("a" + "\uD83D\uDE00".repeat(300_000)));

    assertThat(rejection.payload()).matches("a(\uD83D\uDE00)+");
  }

  @Test
  void aSmallPayloadIsEchoedWhole() {
    JobRejection rejection = fitted(utf8("name: exp\nseeds: [1]\n"));

    assertThat(rejection.payload()).isEqualTo("name: exp\nseeds: [1]\n");
    assertThat(rejection.payloadTruncated()).isFalse();
  }

  @Test
  void emptyAndMissingPayloadsAreDescribedAsZeroBytes() {
    String emptyDigest = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    assertThat(fitted(new byte[0]).payloadSha256()).isEqualTo(emptyDigest);
    JobRejection missing = fitted(null);
    assertThat(missing.payload()).isEmpty();
    assertThat(missing.payloadBytes()).isZero();
    assertThat(missing.payloadTruncated()).isFalse();
  }

  @Test
  void aHugeKeyIsEchoedAsItsStartAndLength() {
    JobRejection rejection = fitted("k".repeat(600_000), "", "not valid JSON", utf8("{"), LIMIT);

    assertThat(rejection.experimentId()).startsWith("kkkk").endsWith("… (600000 characters)").hasSizeLessThanOrEqualTo(64);
    assertThat(fitted("quickstart", "", "r", utf8("{"), LIMIT).experimentId()).isEqualTo("quickstart");
    assertThat(fitted(null, "", "r", utf8("{"), LIMIT).experimentId()).isEmpty();
  }

  @Test
  void aJobWithA600000CharacterNameBecomesARejectionUnderTheLimit() {
    String name = "n".repeat(600_000);
    byte[] payload = utf8("name: " + name + "\nseeds: [1]\n");

    SpecException error = org.junit.jupiter.api.Assertions.assertThrows(SpecException.class, () -> JobCodec.decode(name, payload));
    JobRejection rejection = fitted(name, error.field(), error.reason(), payload, LIMIT);

    assertThat(rejection.reason()).contains("limit");
    assertThat(rejection.payloadTruncated()).isTrue();
  }

  @Test
  void aLimitTooSmallForTheFieldsIsRefused() {
    assertThatThrownBy(() -> JobRejection.of("e", "", "r", new byte[0], AT, JobRejection.MIN_RECORD_BYTES - 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(String.valueOf(JobRejection.MIN_RECORD_BYTES));
  }

  @Test
  void everyErrorOfASpecIsInTheRejection() {
    byte[] payload = utf8("name: e\nseeds: [1]\ntasks: {t: {classes: [0, 1], perClass: ''}}\narms:\n  - {name: a, task: t, model: {type: mlp}, epochs: ''}\n");
    SpecException error = org.junit.jupiter.api.Assertions.assertThrows(SpecException.class, () -> JobCodec.decode("e", payload));

    JobRejection rejection = JobRejection.of("e", error, payload, AT, LIMIT);

    assertThat(rejection.errors()).extracting(JobRejection.FieldError::field).containsExactly("tasks.t.perClass", "arms[0].epochs");
    assertThat(rejection.field()).isEqualTo("tasks.t.perClass");
    assertThat(SpecReader.readJson(SpecReader.toJson(rejection), JobRejection.class)).isEqualTo(rejection);
  }

  @Test
  void fiftyLongErrorsStayUnderTheSmallestLimitAndTheRestAreCounted() {
    java.util.List<SpecException> many = java.util.stream.IntStream.range(0, 60)
        .mapToObj(i -> new SpecException("arms[" + i + "]." + "f".repeat(500), "r".repeat(1000))).toList();
    SpecException error = SpecException.of(many);

    JobRejection rejection = underMinimum(JobRejection.of("e", error, utf8("x".repeat(100_000)), AT, JobRejection.MIN_RECORD_BYTES));

    assertThat(rejection.errors().size() + rejection.errorsLeftOut()).isEqualTo(60);
    assertThat(rejection.errorsLeftOut()).isPositive();
  }

  @Test
  void aVersion2RecordWithoutErrorsStillReadsWithItsOneError() {
    String v2 = "{\"schemaVersion\": 2, \"experimentId\": \"e\", \"field\": \"name\", \"reason\": \"r\", \"payload\": \"\", "
        + "\"payloadBytes\": 0, \"payloadSha256\": \"\", \"payloadTruncated\": false, \"rejectedAtMillis\": 1}";

    JobRejection rejection = SpecReader.readJson(v2, JobRejection.class);

    assertThat(rejection.errors()).containsExactly(new JobRejection.FieldError("name", "r"));
  }
}
