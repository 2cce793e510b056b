package dev.mentor.messages.spec;

/**
 * A spec that cannot run. The message always starts with the field path (for example
 * {@code arms[2].optimizer.lr}) followed by what is wrong and, where there is a closed set,
 * the allowed values. Records throw it with their own field name; {@link SpecReader} prefixes
 * the path of the enclosing objects, so the researcher sees where in the file to look.
 */
public final class SpecException extends RuntimeException {
  private final String field;
  private final String reason;

  public SpecException(String field, String reason) {
    super(field == null || field.isEmpty() ? reason : field + ": " + reason);
    this.field = field == null ? "" : field;
    this.reason = reason;
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
