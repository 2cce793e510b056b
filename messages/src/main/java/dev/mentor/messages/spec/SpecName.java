package dev.mentor.messages.spec;

import java.util.Arrays;
import java.util.List;

/**
 * A value a spec field takes from a closed list, as an enum constant that is written and read by
 * its spec name ({@code lp-ft}, {@code soft-targets}). Code compares the constants; only the spec's
 * text and the records on the wire hold the names.
 */
public interface SpecName {
  /** The name as written in a spec. */
  String specName();

  /** The constant named {@code name}, or an error that lists the allowed names. */
  static <E extends Enum<E> & SpecName> E parse(Class<E> type, String name) {
    for (E value : type.getEnumConstants()) {
      if (value.specName().equals(name)) {
        return value;
      }
    }
    throw new SpecException("", "unknown value " + Check.quote(name) + "; allowed: " + listed(type));
  }

  /** Every allowed name, in declaration order. */
  static <E extends Enum<E> & SpecName> List<String> names(Class<E> type) {
    return Arrays.stream(type.getEnumConstants()).map(SpecName::specName).toList();
  }

  /** The allowed names, comma-separated, for error messages. */
  static <E extends Enum<E> & SpecName> String listed(Class<E> type) {
    return String.join(", ", names(type));
  }
}
