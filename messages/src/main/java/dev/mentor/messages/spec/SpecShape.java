package dev.mentor.messages.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The spec's rules of form, applied to every field of the parsed tree before any record is built,
 * so one pass finds every such error of a file: keys the record at that place does not have,
 * values of the wrong type (text where a number is meant, a number or {@code true} where a name
 * is meant, {@code 1.5} where a count is meant), blank text (which Jackson would otherwise read as
 * "not given" and replace by the default), and NaN or infinite numbers. An explicit {@code null}
 * is "not given", the form in which Mentor writes a resolved spec's unset fields. The expected
 * shape is read from the spec records themselves, so a field added to a record is checked
 * without more code here.
 */
final class SpecShape {
  /** Free text, where an empty value means what it says. */
  private static final Set<String> PROSE = Set.of("description");

  private final List<SpecException> errors = new ArrayList<>();
  private int leftOut;

  private SpecShape() {}

  /**
   * Every error of form in {@code tree}, read as {@code type}, in file order: the first
   * {@link SpecException#MAX_ERRORS} in full, the rest counted; null when there is none.
   */
  static SpecException check(JsonNode tree, Class<?> type) {
    SpecShape shape = new SpecShape();
    shape.value(tree, type, "", "");
    return shape.errors.isEmpty() ? null : SpecException.of(shape.errors, shape.leftOut);
  }

  private void error(String path, String reason) {
    if (errors.size() < SpecException.MAX_ERRORS) {
      errors.add(new SpecException(path, reason));
    } else {
      leftOut++;
    }
  }

  private void value(JsonNode node, Type type, String path, String key) {
    if (node == null || node.isNull()) {
      return;
    }
    Class<?> raw = raw(type);
    if (raw.isRecord()) {
      record(node, raw, path);
    } else if (List.class.isAssignableFrom(raw)) {
      if (!node.isArray()) {
        error(path, "expected a list, got " + describe(node));
        return;
      }
      Type element = argument(type, 0);
      for (int i = 0; i < node.size(); i++) {
        if (node.get(i).isNull()) {
          error(path + "[" + i + "]", "expected a value, got null; give one or remove the entry");
        }
        value(node.get(i), element, path + "[" + i + "]", key);
      }
    } else if (Map.class.isAssignableFrom(raw)) {
      if (!node.isObject()) {
        error(path, "expected a mapping, got " + describe(node));
        return;
      }
      Type element = argument(type, 1);
      for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
        Map.Entry<String, JsonNode> field = fields.next();
        if (field.getValue().isNull()) {
          error(join(path, field.getKey()), "expected " + (raw(element).isRecord()
              ? "a mapping with keys " + Check.listed(keys(raw(element))) : "a value") + ", got null; give one or remove the entry");
        }
        value(field.getValue(), element, join(path, field.getKey()), field.getKey());
      }
    } else if (raw == String.class || raw.isEnum()) {
      if (!node.isTextual()) {
        error(path, "expected a name or text, got " + describe(node) + (node.isValueNode() ? "; write it in quotes if you mean the text" : ""));
      } else if (node.asText().isBlank() && !PROSE.contains(key)) {
        error(path, "is blank; give a value, or leave the key out for the default");
      }
    } else if (raw == Integer.class || raw == int.class || raw == Long.class || raw == long.class) {
      boolean isInt = raw == Integer.class || raw == int.class;
      if (!node.isIntegralNumber()) {
        error(path, "expected a whole number, got " + describe(node));
      } else if (isInt ? !node.canConvertToInt() : !node.canConvertToLong()) {
        error(path, "is out of range: " + node.asText());
      }
    } else if (raw == Double.class || raw == double.class || raw == Float.class || raw == float.class) {
      if (!node.isNumber()) {
        error(path, "expected a number, got " + describe(node));
      } else if (!Double.isFinite(node.asDouble())) {
        error(path, "must be a finite number, got " + node.asText());
      }
    } else if (raw == Boolean.class || raw == boolean.class) {
      if (!node.isBoolean()) {
        error(path, "expected true or false, got " + describe(node));
      }
    }
  }

  private void record(JsonNode node, Class<?> type, String path) {
    if (!node.isObject()) {
      error(path, "expected a mapping with keys " + Check.listed(keys(type)) + ", got " + describe(node));
      return;
    }
    RecordComponent[] components = type.getRecordComponents();
    for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
      Map.Entry<String, JsonNode> field = fields.next();
      RecordComponent component = component(components, field.getKey());
      String at = join(path, field.getKey());
      if (component == null) {
        String near = nearest(field.getKey(), keys(type));
        error(at, "unknown key" + (near == null ? "" : " (did you mean '" + near + "'?)") + "; allowed keys here: "
            + String.join(", ", keys(type).stream().sorted().toList()));
      } else {
        value(field.getValue(), component.getGenericType(), at, field.getKey());
      }
    }
  }

  /**
   * Why {@code path} (dotted record fields, {@code distill.temperature}) names no field of
   * {@code type}, with the fields allowed where it goes wrong and the one a typo most likely
   * meant; null when it names one. {@code hidden} fields of {@code type} itself are not offered.
   */
  static String pathError(Class<?> type, String path, Set<String> hidden) {
    String[] segments = path.split("\\.", -1);
    Type at = type;
    StringBuilder walked = new StringBuilder();
    for (String segment : segments) {
      Class<?> raw = raw(at);
      if (!raw.isRecord()) {
        return walked + " is " + (List.class.isAssignableFrom(raw) ? "a list" : Map.class.isAssignableFrom(raw) ? "a mapping of names" : "a value")
            + ", not a mapping of fields: sweep " + walked + " whole";
      }
      List<String> allowed = keys(raw).stream().filter(k -> raw != type || !hidden.contains(k)).sorted().toList();
      RecordComponent component = allowed.contains(segment) ? component(raw.getRecordComponents(), segment) : null;
      if (component == null) {
        String near = segment.isEmpty() ? null : nearest(segment, allowed);
        return (segment.isEmpty() ? "has an empty field name" : "unknown field " + Check.quote(segment))
            + (walked.length() == 0 ? " of an arm" : " in " + walked) + (near == null ? "" : " (did you mean '" + near + "'?)")
            + "; allowed fields here: " + String.join(", ", allowed);
      }
      walked.append(walked.length() == 0 ? "" : ".").append(segment);
      at = component.getGenericType();
    }
    return null;
  }

  private static RecordComponent component(RecordComponent[] components, String name) {
    for (RecordComponent c : components) {
      if (c.getName().equals(name)) {
        return c;
      }
    }
    return null;
  }

  private static List<String> keys(Class<?> type) {
    List<String> keys = new ArrayList<>();
    for (RecordComponent c : type.getRecordComponents()) {
      keys.add(c.getName());
    }
    return keys;
  }

  /** The allowed key a typo most likely meant: within two edits, or differing only in case. */
  private static String nearest(String key, List<String> allowed) {
    return allowed.stream()
        .filter(k -> k.equalsIgnoreCase(key) || distance(k.toLowerCase(), key.toLowerCase()) <= 2)
        .min(Comparator.comparingInt(k -> distance(k.toLowerCase(), key.toLowerCase())))
        .orElse(null);
  }

  private static int distance(String a, String b) {
    if (Math.abs(a.length() - b.length()) > 2 || a.length() > 64 || b.length() > 64) {
      return 3;
    }
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }

  private static String describe(JsonNode node) {
    if (node.isTextual()) {
      return node.asText().isBlank() ? "blank text" : "the text " + Check.quote(node.asText());
    }
    if (node.isBoolean()) {
      return node.asText();
    }
    if (node.isNumber()) {
      return "the number " + node.asText();
    }
    if (node.isArray()) {
      return "a list";
    }
    if (node.isObject()) {
      return "a mapping";
    }
    return node.getNodeType().toString().toLowerCase();
  }

  private static String join(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  private static Class<?> raw(Type type) {
    if (type instanceof Class<?> c) {
      return c;
    }
    if (type instanceof ParameterizedType p) {
      return (Class<?>) p.getRawType();
    }
    return Object.class;
  }

  private static Type argument(Type type, int index) {
    return type instanceof ParameterizedType p ? p.getActualTypeArguments()[index] : Object.class;
  }
}
