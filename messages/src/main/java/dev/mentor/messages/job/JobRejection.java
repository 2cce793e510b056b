package dev.mentor.messages.job;

import dev.mentor.messages.spec.Check;
import dev.mentor.messages.spec.SpecLimits;
import dev.mentor.messages.spec.SpecReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Published on the rejected-jobs topic for a submission Mentor will not run: the experiment id
 * (the record's key, or the spec's name), the field of the spec at fault ({@code ""} when the
 * payload is not a spec at all), the reason with the allowed values, and the payload as submitted
 * (as UTF-8 text, bytes that are not UTF-8 replaced by U+FFFD), so nothing a user sent is lost
 * unless it was too large to echo. {@code payloadBytes} and {@code payloadSha256} (hex) describe
 * the submitted bytes, whole; {@code payloadTruncated} says that {@code payload} holds only their
 * start. Build one with {@link #of}, which keeps the record's JSON under a size the broker accepts.
 *
 * <p>Schema version 2 added {@code payloadBytes}, {@code payloadSha256} and {@code payloadTruncated};
 * version 1 records always echoed the whole payload.
 */
public record JobRejection(
    int schemaVersion,
    String experimentId,
    String field,
    String reason,
    String payload,
    long payloadBytes,
    String payloadSha256,
    boolean payloadTruncated,
    long rejectedAtMillis) {

  public static final int SCHEMA_VERSION = 2;
  /** What the service allows a rejection record, far below the broker's 1 MB default. */
  public static final int DEFAULT_MAX_RECORD_BYTES = 64 * 1024;
  /** The smallest {@code maxRecordBytes} {@link #of} accepts: room for the id, field and reason at their longest. */
  public static final int MIN_RECORD_BYTES = 4 * 1024;

  /** JSON bytes allowed to the echoed id, field and reason, each after cutting to characters. */
  private static final int MAX_ID_BYTES = 512;
  private static final int MAX_FIELD_BYTES = 1024;
  private static final int MAX_REASON_BYTES = 2048;
  private static final String CUT = "…";

  /**
   * A rejection whose JSON ({@link SpecReader#toJson}) takes at most {@code maxRecordBytes} bytes
   * of UTF-8: the id, field and reason are cut to a few hundred characters (a key of 600,000
   * characters is echoed as its start and its length), and the payload to what room is left,
   * JSON escapes counted. {@code payload} may be null (a record without value).
   *
   * @throws IllegalArgumentException when {@code maxRecordBytes} is below {@link #MIN_RECORD_BYTES}
   */
  public static JobRejection of(String experimentId, String field, String reason, byte[] payload, long atMillis, int maxRecordBytes) {
    if (maxRecordBytes < MIN_RECORD_BYTES) {
      throw new IllegalArgumentException("maxRecordBytes must be at least " + MIN_RECORD_BYTES + ", got " + maxRecordBytes);
    }
    byte[] bytes = payload == null ? new byte[0] : payload;
    String id = JsonBudget.fit(Check.excerpt(experimentId, SpecLimits.MAX_QUOTED_CHARS), MAX_ID_BYTES, CUT);
    String at = JsonBudget.fit(Check.excerpt(field, SpecLimits.MAX_FIELD_CHARS), MAX_FIELD_BYTES, CUT);
    String why = JsonBudget.fit(Check.excerpt(reason, SpecLimits.MAX_REASON_CHARS), MAX_REASON_BYTES, CUT);
    String sha256 = sha256(bytes);
    String text = JobCodec.payloadText(bytes);
    JobRejection empty = new JobRejection(SCHEMA_VERSION, id, at, why, "", bytes.length, sha256, true, atMillis);
    long room = maxRecordBytes - jsonBytes(empty);
    // The cost model matches Jackson's escapes; should a future Jackson escape more, the loop
    // shrinks the payload by the excess rather than publish a record the broker refuses.
    for (int attempt = 0; attempt < 3 && room >= 0; attempt++) {
      int keep = JsonBudget.prefixLength(text, room);
      JobRejection rejection = new JobRejection(SCHEMA_VERSION, id, at, why, text.substring(0, keep), bytes.length, sha256, keep < text.length(),
          atMillis);
      long excess = jsonBytes(rejection) - maxRecordBytes;
      if (excess <= 0) {
        return rejection;
      }
      room -= excess;
    }
    throw new IllegalStateException("a rejection does not fit in " + maxRecordBytes + " bytes of JSON");
  }

  private static long jsonBytes(JobRejection rejection) {
    return SpecReader.toJson(rejection).getBytes(StandardCharsets.UTF_8).length;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform provides SHA-256", e);
    }
  }
}
