package dev.mentor.messages.spec;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

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
 *
 * <p>A spec with several problems is one exception holding all of them, as a compiler reports
 * every error of a file: {@link #errors()} lists them in file order (at most
 * {@link #MAX_ERRORS}, then {@link #errorsLeftOut()} counts the rest); {@link #field()} and
 * {@link #reason()} are the first one's, and the message has one line per error.
 */
public final class SpecException extends RuntimeException {
  /** Errors one exception reports; a file with more is usually one mistake repeated. */
  public static final int MAX_ERRORS = 50;

  private final String field;
  private final String reason;
  private final List<SpecException> errors;
  private final int errorsLeftOut;

  public SpecException(String field, String reason) {
    super(message(Check.excerpt(field, SpecLimits.MAX_FIELD_CHARS), Check.excerpt(reason, SpecLimits.MAX_REASON_CHARS)));
    this.field = Check.excerpt(field, SpecLimits.MAX_FIELD_CHARS);
    this.reason = Check.excerpt(reason, SpecLimits.MAX_REASON_CHARS);
    this.errors = List.of(this);
    this.errorsLeftOut = 0;
  }

  private SpecException(List<SpecException> errors, int leftOut) {
    super(message(errors, leftOut));
    this.field = errors.get(0).field;
    this.reason = errors.get(0).reason;
    this.errors = List.copyOf(errors);
    this.errorsLeftOut = leftOut;
  }

  /**
   * One exception for every error in {@code errors} (each may itself hold several), the first
   * {@link #MAX_ERRORS} kept and the rest counted; an error repeated (same field, same reason)
   * is reported once. {@code errors} must not be empty.
   */
  public static SpecException of(List<SpecException> errors) {
    return of(errors, 0);
  }

  /** {@link #of(List)}, with {@code moreLeftOut} errors that were counted but not kept. */
  static SpecException of(List<SpecException> errors, int moreLeftOut) {
    List<SpecException> all = new ArrayList<>();
    Set<List<String>> seen = new HashSet<>();
    int leftOut = moreLeftOut;
    for (SpecException e : errors) {
      for (SpecException one : e.errors) {
        if (!seen.add(List.of(one.field, one.reason))) {
          continue;
        }
        if (all.size() < MAX_ERRORS) {
          all.add(one);
        } else {
          leftOut++;
        }
      }
      leftOut += e.errorsLeftOut;
    }
    if (all.isEmpty()) {
      throw new IllegalArgumentException("no errors");
    }
    return all.size() == 1 && leftOut == 0 ? all.get(0) : new SpecException(all, leftOut);
  }

  /** Throws {@link #of} the errors when there are any. */
  public static void throwIfAny(List<SpecException> errors) {
    if (!errors.isEmpty()) {
      throw of(errors);
    }
  }

  private static String message(List<SpecException> errors, int leftOut) {
    int total = errors.size() + leftOut;
    StringBuilder out = new StringBuilder().append(total).append(" errors in the spec:");
    for (SpecException e : errors) {
      out.append("\n  ").append(e.getMessage());
    }
    if (leftOut > 0) {
      out.append("\n  ... and ").append(leftOut).append(" more");
    }
    return out.toString();
  }

  /** Every error this exception reports, in the order found; one element for a single error. */
  public List<SpecException> errors() {
    return errors;
  }

  /** Errors found beyond the {@link #MAX_ERRORS} in {@link #errors()}. */
  public int errorsLeftOut() {
    return errorsLeftOut;
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
    if (errors.size() > 1 || errorsLeftOut > 0) {
      return new SpecException(errors.stream().map(e -> e.under(prefix)).toList(), errorsLeftOut);
    }
    String joined = field.isEmpty() ? prefix : field.startsWith("[") ? prefix + field : prefix + "." + field;
    return new SpecException(joined, reason);
  }
}
