package dev.mentor.messages.spec;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A value a spec field takes from a closed list, as an enum constant that is written and read by
 * its spec name: the constant's name in lower case with dashes ({@code LP_FT} is {@code lp-ft}).
 * Code compares the constants; only the spec's text and the records on the wire hold the names.
 * Jackson reads and writes them by {@link #specName()}; a name not in the list is reported by
 * {@link SpecReader} with the allowed ones.
 */
public interface SpecName {
  /** The name as written in a spec. */
  @JsonValue
  default String specName() {
    return ((Enum<?>) this).name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

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
