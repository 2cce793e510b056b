package dev.mentor.messages.job;

/**
 * What a string costs inside a JSON document written by Jackson, in bytes of UTF-8: {@code "} and
 * {@code \} are escaped with a backslash, {@code \b \t \n \f \r} likewise, every other control
 * character as a six-byte {@code \}{@code u00XX}, and the rest is UTF-8. Used to cut a string to a
 * byte budget before it is written, never splitting an escape or a surrogate pair.
 */
final class JsonBudget {
  private JsonBudget() {}

  /** The bytes {@code text} takes between the quotes of a JSON string. */
  static long cost(String text) {
    long bytes = 0;
    for (int i = 0; i < text.length(); i += Character.charCount(text.codePointAt(i))) {
      bytes += cost(text.codePointAt(i));
    }
    return bytes;
  }

  /**
   * The longest start of {@code text} that costs at most {@code maxBytes}; when that is not all of
   * it, {@code marker} is appended and fits in the budget too.
   */
  static String fit(String text, long maxBytes, String marker) {
    if (cost(text) <= maxBytes) {
      return text;
    }
    return text.substring(0, prefixLength(text, maxBytes - cost(marker))) + marker;
  }

  /** How many chars from the start of {@code text} cost at most {@code maxBytes}. */
  static int prefixLength(String text, long maxBytes) {
    long bytes = 0;
    int i = 0;
    while (i < text.length()) {
      int codePoint = text.codePointAt(i);
      bytes += cost(codePoint);
      if (bytes > maxBytes) {
        break;
      }
      i += Character.charCount(codePoint);
    }
    return i;
  }

  private static int cost(int codePoint) {
    if (codePoint == '"' || codePoint == '\\') {
      return 2;
    }
    if (codePoint < 0x20) {
      return switch (codePoint) {
        case '\b', '\t', '\n', '\f', '\r' -> 2;
        default -> 6;
      };
    }
    if (codePoint < 0x80) {
      return 1;
    }
    if (codePoint < 0x800) {
      return 2;
    }
    // A lone surrogate is costed as three bytes, at least what any encoder makes of it.
    return codePoint < 0x10000 ? 3 : 4;
  }
}
