package dev.mentor.messages.spec;

import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Validation helpers for spec records: each failure names the field and what is allowed. */
public final class Check {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  /** A name, then optionally a sweep's coordinates in brackets: {@code kd[temperature=4,alpha=0.9]}. */
  private static final Pattern ARM_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}(\\[[A-Za-z0-9._=,+-]+\\])?");
  /** Longest arm name with a sweep's coordinates. */
  public static final int MAX_ARM_NAME_CHARS = 128;

  private Check() {}

  public static double positive(String field, double value) {
    if (!(value > 0) || Double.isInfinite(value)) {
      throw new SpecException(field, "must be > 0, got " + value);
    }
    return value;
  }

  public static int positive(String field, int value) {
    if (value <= 0) {
      throw new SpecException(field, "must be > 0, got " + value);
    }
    return value;
  }

  /** Returns the value if it is in {@code [1, max]}; the limits are {@link SpecLimits}' sizes. */
  public static int positive(String field, int value, int max) {
    if (value <= 0 || value > max) {
      throw new SpecException(field, "must be in [1, " + max + "], got " + value);
    }
    return value;
  }

  public static double nonNegative(String field, double value) {
    if (!(value >= 0) || Double.isInfinite(value)) {
      throw new SpecException(field, "must be >= 0, got " + value);
    }
    return value;
  }

  public static int nonNegative(String field, int value) {
    if (value < 0) {
      throw new SpecException(field, "must be >= 0, got " + value);
    }
    return value;
  }

  public static double inRange(String field, double value, double min, double max) {
    if (!(value >= min && value <= max)) {
      throw new SpecException(field, "must be in [" + min + ", " + max + "], got " + value);
    }
    return value;
  }

  /** Returns the value if it is one of {@code allowed}; the default when null. */
  public static String oneOf(String field, String value, String defaultValue, Collection<String> allowed) {
    String v = value == null ? defaultValue : value;
    if (v == null) {
      throw new SpecException(field, "is required; allowed: " + String.join(", ", allowed));
    }
    if (!allowed.contains(v)) {
      throw new SpecException(field, "unknown value " + quote(v) + "; allowed: " + String.join(", ", allowed));
    }
    return v;
  }

  public static String required(String field, String value) {
    if (value == null || value.isBlank()) {
      throw new SpecException(field, "is required");
    }
    return value;
  }

  public static <T> T required(String field, T value) {
    if (value == null) {
      throw new SpecException(field, "is required");
    }
    return value;
  }

  public static <T> List<T> nonEmpty(String field, List<T> value) {
    if (value == null || value.isEmpty()) {
      throw new SpecException(field, "must list at least one value");
    }
    return noNulls(field, value);
  }

  /** An unmodifiable copy; a null element is reported at its index. */
  public static <T> List<T> noNulls(String field, List<T> value) {
    for (int i = 0; i < value.size(); i++) {
      if (value.get(i) == null) {
        throw new SpecException(field + "[" + i + "]", "must be a value, got null");
      }
    }
    return List.copyOf(value);
  }

  /** A name usable as a directory and metric tag: letters, digits, '-', '_' and '.'. */
  public static String name(String field, String value) {
    required(field, value);
    if (!NAME.matcher(value).matches()) {
      throw new SpecException(field, "must be 1-64 characters of letters, digits, '.', '_' or '-', starting with a letter or digit; got " + quote(value));
    }
    return value;
  }

  /**
   * An arm's name: a {@link #name} optionally followed by a sweep's coordinates in brackets
   * ({@code kd[temperature=4,alpha=0.9]}: letters, digits and {@code . _ - + = ,} inside), at most
   * {@link #MAX_ARM_NAME_CHARS} characters in all. Run folders write the brackets as
   * {@code kd@temperature=4,alpha=0.9}, which no shell expands.
   */
  public static String armName(String field, String value) {
    required(field, value);
    if (value.length() > MAX_ARM_NAME_CHARS || !ARM_NAME.matcher(value).matches()) {
      throw new SpecException(field, "must be 1-64 characters of letters, digits, '.', '_' or '-', starting with a letter or digit, optionally"
          + " followed by a sweep's coordinates in brackets ([key=value,...], letters, digits and . _ - + = , inside; "
          + MAX_ARM_NAME_CHARS + " characters in all); got " + quote(value));
    }
    return value;
  }

  /**
   * The text, or when it has more than {@code maxChars} characters its start followed by its
   * full length, e.g. {@code aaaa… (600000 characters)}, {@code maxChars} characters in all.
   */
  public static String excerpt(String text, int maxChars) {
    if (text == null) {
      return "";
    }
    if (text.length() <= maxChars) {
      return text;
    }
    String marker = "… (" + text.length() + " characters)";
    return prefix(text, maxChars - marker.length()) + marker;
  }

  /** At most {@code chars} characters from the start of the text, never half of a surrogate pair. */
  static String prefix(String text, int chars) {
    int end = Math.max(0, Math.min(chars, text.length()));
    if (end > 0 && end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))) {
      end--;
    }
    return text.substring(0, end);
  }

  /**
   * A user's value for an error message: in single quotes, control characters shown as Java
   * escapes (backslash, {@code u}, four hex digits), and beyond {@link SpecLimits#MAX_QUOTED_CHARS} characters only the start,
   * followed by the full length, e.g. {@code 'aaaa…' (600000 characters)}.
   */
  public static String quote(String value) {
    if (value == null) {
      return "null";
    }
    String shown = prefix(value, SpecLimits.MAX_QUOTED_CHARS);
    StringBuilder out = new StringBuilder(shown.length() + 24).append('\'');
    shown.chars().forEach(c -> {
      if (Character.isISOControl(c)) {
        out.append(String.format("\\u%04x", c));
      } else {
        out.append((char) c);
      }
    });
    return shown.length() == value.length() ? out.append('\'').toString()
        : out.append("…' (").append(value.length()).append(" characters)").toString();
  }

  /** Names for an error message, the first ten of them, then how many more there are. */
  public static String listed(Collection<String> names) {
    if (names.isEmpty()) {
      return "(none)";
    }
    int shown = 10;
    String first = names.stream().limit(shown).collect(Collectors.joining(", "));
    return names.size() <= shown ? first : first + " and " + (names.size() - shown) + " more";
  }
}
