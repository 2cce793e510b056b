package dev.mentor.messages.spec;

import java.util.Collection;
import java.util.List;

/** Validation helpers for spec records: each failure names the field and what is allowed. */
public final class Check {
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
      throw new SpecException(field, "unknown value '" + v + "'; allowed: " + String.join(", ", allowed));
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
    if (!value.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
      throw new SpecException(field, "must be 1-64 characters of letters, digits, '.', '_' or '-', starting with a letter or digit; got '" + value + "'");
    }
    return value;
  }
}
