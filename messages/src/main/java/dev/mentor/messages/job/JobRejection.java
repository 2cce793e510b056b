package dev.mentor.messages.job;

import dev.mentor.messages.spec.Check;
import dev.mentor.messages.spec.SpecException;
import dev.mentor.messages.spec.SpecLimits;
import dev.mentor.messages.spec.SpecReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Published on the rejected-jobs topic for a submission Mentor will not run: the experiment id
 * (the record's key, or the spec's name), the field of the spec at fault ({@code ""} when the
 * payload is not a spec at all), the reason with the allowed values, and the payload as submitted
 * (as UTF-8 text, bytes that are not UTF-8 replaced by U+FFFD), so nothing a user sent is lost
 * unless it was too large to echo. {@code payloadBytes} and {@code payloadSha256} (hex) describe
 * the submitted bytes, whole; {@code payloadTruncated} says that {@code payload} holds only their
 * start. Build one with {@link #of}, which keeps the record's JSON under a size the broker accepts.
 *
 * <p>{@code errors} lists every error of the spec ({@code field} and {@code reason} are the first
 * one's), as many as fit in a quarter of the record; {@code errorsLeftOut} counts the rest.
 *
 * <p>Schema version 3 added {@code errors} and {@code errorsLeftOut}; version 2 added {@code payloadBytes}, {@code payloadSha256} and {@code payloadTruncated};
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
    long rejectedAtMillis,
    List<FieldError> errors,
    Integer errorsLeftOut) {

  public static final int SCHEMA_VERSION = 3;

  /** One error of the spec: the field path ({@code ""} for the whole payload) and what is wrong. */
  public record FieldError(String field, String reason) {}

  public JobRejection {
    errors = errors == null ? List.of(new FieldError(field, reason)) : List.copyOf(errors);
    errorsLeftOut = errorsLeftOut == null ? 0 : errorsLeftOut;
  }
  /** What the service allows a rejection record, far below the broker's 1 MB default. */
  public static final int DEFAULT_MAX_RECORD_BYTES = 64 * 1024;
  /** The smallest {@code maxRecordBytes} {@link #of} accepts: room for the id, field and reason at their longest, twice (in {@code errors}). */
  public static final int MIN_RECORD_BYTES = 8 * 1024;

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
    return of(experimentId, List.of(new FieldError(field, reason)), 0, payload, atMillis, maxRecordBytes);
  }

  /** A rejection for every error of {@code spec} (see {@link SpecException#errors}), sized as {@link #of(String, String, String, byte[], long, int)}. */
  public static JobRejection of(String experimentId, SpecException spec, byte[] payload, long atMillis, int maxRecordBytes) {
    return of(experimentId, spec.errors().stream().map(e -> new FieldError(e.field(), e.reason())).toList(), spec.errorsLeftOut(), payload, atMillis,
        maxRecordBytes);
  }

  private static JobRejection of(String experimentId, List<FieldError> given, int leftOut, byte[] payload, long atMillis, int maxRecordBytes) {
    if (maxRecordBytes < MIN_RECORD_BYTES) {
      throw new IllegalArgumentException("maxRecordBytes must be at least " + MIN_RECORD_BYTES + ", got " + maxRecordBytes);
    }
    byte[] bytes = payload == null ? new byte[0] : payload;
    String id = JsonBudget.fit(Check.excerpt(experimentId, SpecLimits.MAX_QUOTED_CHARS), MAX_ID_BYTES, CUT);
    List<FieldError> fitted = new ArrayList<>();
    for (FieldError e : given) {
      fitted.add(new FieldError(JsonBudget.fit(Check.excerpt(e.field(), SpecLimits.MAX_FIELD_CHARS), MAX_FIELD_BYTES, CUT),
          JsonBudget.fit(Check.excerpt(e.reason(), SpecLimits.MAX_REASON_CHARS), MAX_REASON_BYTES, CUT)));
    }
    String at = fitted.get(0).field();
    String why = fitted.get(0).reason();
    // The first error always; the others while they take at most a quarter of the record.
    List<FieldError> errors = new ArrayList<>(List.of(fitted.get(0)));
    long errorBytes = 0;
    for (FieldError e : fitted.subList(1, fitted.size())) {
      errorBytes += jsonBytes(e);
      if (errorBytes > maxRecordBytes / 4) {
        break;
      }
      errors.add(e);
    }
    int errorsLeftOut = leftOut + fitted.size() - errors.size();
    String sha256 = sha256(bytes);
    String text = JobCodec.payloadText(bytes);
    JobRejection empty = new JobRejection(SCHEMA_VERSION, id, at, why, "", bytes.length, sha256, true, atMillis, errors, errorsLeftOut);
    long room = maxRecordBytes - jsonBytes(empty);
    // The cost model matches Jackson's escapes; should a future Jackson escape more, the loop
    // shrinks the payload by the excess rather than publish a record the broker refuses.
    for (int attempt = 0; attempt < 3 && room >= 0; attempt++) {
      int keep = JsonBudget.prefixLength(text, room);
      JobRejection rejection = new JobRejection(SCHEMA_VERSION, id, at, why, text.substring(0, keep), bytes.length, sha256, keep < text.length(),
          atMillis, errors, errorsLeftOut);
      long excess = jsonBytes(rejection) - maxRecordBytes;
      if (excess <= 0) {
        return rejection;
      }
      room -= excess;
    }
    throw new IllegalStateException("a rejection does not fit in " + maxRecordBytes + " bytes of JSON");
  }

  private static long jsonBytes(Object value) {
    return SpecReader.toJson(value).getBytes(StandardCharsets.UTF_8).length;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform provides SHA-256", e);
    }
  }
}
