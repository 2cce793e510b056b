package dev.mentor.messages.spec;

/**
 * A spec that cannot run. The message always starts with the field path (for example
 * {@code arms[2].optimizer.lr}) followed by what is wrong and, where there is a closed set,
 * the allowed values. Records throw it with their own field name; {@link SpecReader} prefixes
 * the path of the enclosing objects, so the researcher sees where in the file to look.
 *
 * <p>Reasons quote a user's values through {@link Check#quote}, and, whatever a caller passes,
 * the reason is cut to {@link SpecLimits#MAX_REASON_CHARS} and the path to
 * {@link SpecLimits#MAX_FIELD_CHARS} characters: a rejection echoes the error, and an error that
 * echoed a 600,000-character value would be larger than the record the broker accepts.
 */
public final class SpecException extends RuntimeException {
  private final String field;
  private final String reason;

  public SpecException(String field, String reason) {
    super(message(Check.excerpt(field, SpecLimits.MAX_FIELD_CHARS), Check.excerpt(reason, SpecLimits.MAX_REASON_CHARS)));
    this.field = Check.excerpt(field, SpecLimits.MAX_FIELD_CHARS);
    this.reason = Check.excerpt(reason, SpecLimits.MAX_REASON_CHARS);
  }

  private static String message(String field, String reason) {
    return field.isEmpty() ? reason : field + ": " + reason;
  }

  /** The dotted field path, relative to whatever raised it until {@link #under} adds a prefix. */
  public String field() {
    return field;
  }

  public String reason() {
    return reason;
  }

  /** The same error, seen from an enclosing object at {@code prefix}. */
  public SpecException under(String prefix) {
    if (prefix == null || prefix.isEmpty()) {
      return this;
    }
    String joined = field.isEmpty() ? prefix : field.startsWith("[") ? prefix + field : prefix + "." + field;
    return new SpecException(joined, reason);
  }
}
