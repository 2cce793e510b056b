package dev.mentor.messages.spec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads an experiment from YAML or JSON text. A top-level {@code defaults} object is merged into
 * every arm (the arm's own values win, objects merge key by key), so shared settings are written
 * once. Every problem, from a YAML syntax error to an unknown key or a negative rate, comes back
 * as a {@link SpecException} naming the field path.
 */
public final class SpecReader {
  private static final ObjectMapper YAML = configure(new ObjectMapper(new YAMLFactory()));
  private static final ObjectMapper JSON = configure(new ObjectMapper());

  private SpecReader() {}

  private static ObjectMapper configure(ObjectMapper mapper) {
    return mapper
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
        .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
        .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
  }

  public static ExperimentSpec read(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new SpecException("", "experiment file not found: " + file);
    } catch (IOException e) {
      throw new SpecException("", "cannot read experiment file " + file + ": " + e.getMessage());
    }
    return parse(text);
  }

  /** Parses YAML or JSON (JSON is chosen when the text starts with '{'). */
  public static ExperimentSpec parse(String text) {
    ObjectMapper mapper = text.stripLeading().startsWith("{") ? JSON : YAML;
    JsonNode root;
    try {
      root = mapper.readTree(text);
    } catch (JsonProcessingException e) {
      throw new SpecException("", "not valid " + (mapper == JSON ? "JSON" : "YAML") + ": " + e.getOriginalMessage()
          + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")"));
    }
    if (root == null || !root.isObject()) {
      throw new SpecException("", "an experiment must be a mapping with keys name, seeds, data, tasks, arms");
    }
    ObjectNode tree = mergeDefaults((ObjectNode) root);
    try {
      return JSON.treeToValue(tree, ExperimentSpec.class);
    } catch (JsonProcessingException e) {
      throw translate(e);
    }
  }

  /**
   * Pretty JSON of a spec, record or map with the reader's settings; for an {@link ExperimentSpec}
   * this is the resolved spec, every default filled in and {@code defaults} already merged.
   */
  public static String toJson(Object value) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("not serialisable: " + value.getClass(), e);
    }
  }

  public static ObjectMapper json() {
    return JSON;
  }

  private static ObjectNode mergeDefaults(ObjectNode root) {
    JsonNode defaults = root.remove("defaults");
    if (defaults == null) {
      return root;
    }
    if (!defaults.isObject()) {
      throw new SpecException("defaults", "must be a mapping of arm settings");
    }
    JsonNode arms = root.get("arms");
    if (arms instanceof ArrayNode list) {
      for (int i = 0; i < list.size(); i++) {
        if (list.get(i) instanceof ObjectNode arm) {
          ObjectNode merged = ((ObjectNode) defaults).deepCopy();
          deepMerge(merged, arm);
          list.set(i, merged);
        }
      }
    }
    return root;
  }

  private static void deepMerge(ObjectNode base, ObjectNode override) {
    Iterator<Map.Entry<String, JsonNode>> fields = override.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      JsonNode existing = base.get(field.getKey());
      if (existing instanceof ObjectNode existingObject && field.getValue() instanceof ObjectNode overrideObject
          && !changesType(existingObject, overrideObject)) {
        deepMerge(existingObject, overrideObject);
      } else {
        base.set(field.getKey(), field.getValue());
      }
    }
  }

  /** A different {@code type} (another model, another optimiser) replaces the default instead of merging with it. */
  private static boolean changesType(ObjectNode base, ObjectNode override) {
    return base.has("type") && override.has("type") && !base.get("type").equals(override.get("type"));
  }

  private static SpecException translate(JsonProcessingException e) {
    if (!(e instanceof JsonMappingException mapping)) {
      return new SpecException("", e.getOriginalMessage());
    }
    String path = path(mapping.getPath());
    if (e instanceof ValueInstantiationException && e.getCause() instanceof SpecException spec) {
      return spec.under(path);
    }
    if (e instanceof UnrecognizedPropertyException unknown) {
      String known = unknown.getKnownPropertyIds() == null ? "" : unknown.getKnownPropertyIds().stream()
          .map(Object::toString).sorted().collect(Collectors.joining(", "));
      return new SpecException(path, "unknown key; allowed keys here: " + known);
    }
    if (e instanceof InvalidFormatException invalid) {
      return new SpecException(path, "cannot read '" + invalid.getValue() + "' as " + simpleType(invalid.getTargetType()));
    }
    if (e instanceof MismatchedInputException mismatched) {
      return new SpecException(path, "expected " + simpleType(mismatched.getTargetType()));
    }
    return new SpecException(path, mapping.getOriginalMessage());
  }

  private static String simpleType(Class<?> type) {
    if (type == null) {
      return "a different value";
    }
    if (List.class.isAssignableFrom(type)) {
      return "a list";
    }
    if (Map.class.isAssignableFrom(type) || type.isRecord()) {
      return "a mapping";
    }
    if (Number.class.isAssignableFrom(type) || type.isPrimitive()) {
      return "a number";
    }
    return "a " + type.getSimpleName().toLowerCase();
  }

  private static String path(List<JsonMappingException.Reference> refs) {
    StringBuilder out = new StringBuilder();
    for (JsonMappingException.Reference ref : refs) {
      if (ref.getIndex() >= 0) {
        out.append('[').append(ref.getIndex()).append(']');
      } else if (ref.getFieldName() != null) {
        if (out.length() > 0) {
          out.append('.');
        }
        out.append(ref.getFieldName());
      }
    }
    return out.toString();
  }
}
