package dev.mentor.messages.spec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
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
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * Reads an experiment from YAML or JSON text. The {@code sweep} of an arm (or of {@code defaults})
 * is first expanded into arms (see {@link Sweeps}); then a top-level {@code defaults} object is
 * merged into every arm (the arm's own values win, objects merge key by key), so shared settings
 * are written once. Every problem, from a YAML syntax error to an unknown key or a negative rate, comes back
 * as a {@link SpecException} naming the field path.
 */
public final class SpecReader {
  /** For spec text: nothing in it may be longer than the spec may be, nor nested deeper than a spec needs. */
  private static final StreamReadConstraints SPEC_CONSTRAINTS = StreamReadConstraints.builder()
      .maxNestingDepth(SpecLimits.MAX_NESTING_DEPTH)
      .maxDocumentLength(SpecLimits.MAX_SPEC_BYTES)
      .maxStringLength(SpecLimits.MAX_SPEC_BYTES)
      .build();
  private static final ObjectMapper YAML = configure(new ObjectMapper(YAMLFactory.builder()
      .loaderOptions(yamlLoaderOptions())
      .streamReadConstraints(SPEC_CONSTRAINTS)
      .build()));
  private static final ObjectMapper SPEC_JSON = configure(new ObjectMapper(JsonFactory.builder().streamReadConstraints(SPEC_CONSTRAINTS).build()));
  /**
   * Everything else (records, events, checkpoints, requests) is written by Mentor and may be larger
   * than a spec, but is never deeper.
   */
  private static final ObjectMapper JSON = configure(new ObjectMapper(JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(SpecLimits.MAX_NESTING_DEPTH).build())
      .build()));

  private SpecReader() {}

  /**
   * Jackson reads SnakeYAML's events, not its composed nodes, so of SnakeYAML's limits only the
   * scanner's code-point limit applies; its alias and nesting limits belong to the composer.
   * Nesting is bounded by {@link #SPEC_CONSTRAINTS}, and aliases are refused by {@link #readYaml}.
   */
  private static LoaderOptions yamlLoaderOptions() {
    LoaderOptions options = new LoaderOptions();
    options.setCodePointLimit(SpecLimits.MAX_SPEC_BYTES);
    return options;
  }

  private static ObjectMapper configure(ObjectMapper mapper) {
    return mapper
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
        .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
        .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
  }

  /** Reads and parses an experiment file; a file over {@link SpecLimits#MAX_SPEC_BYTES} is refused unread. */
  public static ExperimentSpec read(Path file) {
    String text;
    try {
      SpecLimits.checkSpecSize(Files.size(file));
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new SpecException("", "experiment file not found: " + file);
    } catch (IOException e) {
      throw new SpecException("", "cannot read experiment file " + file + ": " + e.getMessage());
    }
    return parse(text);
  }

  /**
   * Parses YAML or JSON (JSON is chosen when the text starts with '{'). Text over
   * {@link SpecLimits#MAX_SPEC_BYTES} is refused before it is parsed.
   */
  public static ExperimentSpec parse(String text) {
    SpecLimits.checkSpecSize(text);
    boolean json = text.stripLeading().startsWith("{");
    JsonNode root;
    try {
      root = json ? SPEC_JSON.readTree(text) : readYaml(text);
    } catch (JsonProcessingException e) {
      throw syntaxError(json ? "JSON" : "YAML", e);
    } catch (IOException e) {
      throw new SpecException("", "cannot read the spec: " + e.getMessage());
    }
    return read(root);
  }

  /**
   * Parses a resolved spec that Mentor wrote itself ({@link #toJson} of an {@link ExperimentSpec}:
   * the service's job file, a teacher stream's request, an output folder's experiment.json). It
   * is checked as any spec, but may be larger than a spec a person writes: every default filled
   * in and every sweep written out as arms, about 1.5 KB an arm, up to
   * {@link SpecLimits#MAX_RESOLVED_SPEC_BYTES}.
   */
  public static ExperimentSpec parseResolved(String json) {
    if (SpecLimits.utf8Length(json) > SpecLimits.MAX_RESOLVED_SPEC_BYTES) {
      throw new SpecException("", "the resolved spec is " + SpecLimits.utf8Length(json) + " bytes; the limit is "
          + SpecLimits.MAX_RESOLVED_SPEC_BYTES + " bytes");
    }
    try {
      return read(JSON.readTree(json));
    } catch (JsonProcessingException e) {
      throw syntaxError("JSON", e);
    }
  }

  /** {@link #parseResolved} of a file. */
  public static ExperimentSpec readResolved(Path file) {
    try {
      if (Files.size(file) > SpecLimits.MAX_RESOLVED_SPEC_BYTES) {
        throw new SpecException("", "the resolved spec " + file + " is " + Files.size(file) + " bytes; the limit is "
            + SpecLimits.MAX_RESOLVED_SPEC_BYTES + " bytes");
      }
      return parseResolved(Files.readString(file));
    } catch (NoSuchFileException e) {
      throw new SpecException("", "resolved spec not found: " + file);
    } catch (IOException e) {
      throw new SpecException("", "cannot read the resolved spec " + file + ": " + e.getMessage());
    }
  }

  private static ExperimentSpec read(JsonNode root) {
    if (root == null || !root.isObject()) {
      throw new SpecException("", "an experiment must be a mapping with keys name, seeds, data, tasks, arms");
    }
    Sweeps.Expansion sweeps = Sweeps.expand((ObjectNode) root);
    try {
      return bind((ObjectNode) root);
    } catch (SpecException e) {
      throw sweeps.locate(e);
    }
  }

  /** Checks and binds the tree once its sweeps are expanded; errors name the fields of the expanded tree. */
  private static ExperimentSpec bind(ObjectNode root) {
    checkDefaults(root);
    ObjectNode tree = mergeDefaults(root);
    Generations.Expansion generations = Generations.expand(tree, node -> Generations.read(node, JSON, SpecReader::translate));
    try {
      return bindMerged(tree);
    } catch (SpecException e) {
      throw generations.locate(e);
    }
  }

  /** {@link #bind} once defaults are merged and born-again arms expanded. */
  private static ExperimentSpec bindMerged(ObjectNode tree) {
    SpecException form = SpecShape.check(tree, ExperimentSpec.class);
    if (form != null) {
      // The parts without an error of form are read too, so that their values' errors come in the same report.
      List<SpecException> all = new ArrayList<>();
      all.add(form);
      all.addAll(partErrors(tree, form.errors().stream().map(SpecException::field).toList()));
      throw SpecException.of(all);
    }
    try {
      return JSON.treeToValue(tree, ExperimentSpec.class);
    } catch (JsonProcessingException e) {
      // Every part's errors in file order, then the first error Jackson met (the checks between
      // arms when the parts are right); an error found both ways is reported once.
      List<SpecException> all = new ArrayList<>(partErrors(tree, List.of()));
      all.add(translate(e));
      throw SpecException.of(all);
    }
  }

  /**
   * The errors of every part of the spec that cannot be built on its own: the experiment's own
   * fields, the data, each task and each arm, in file order. Jackson stops at the first record
   * whose constructor refuses its values; reading the parts one by one finds the others too, as
   * a compiler reports every error of a file. Checks between arms need every arm, so they run
   * once the parts are right. A part holding one of the {@code skipped} fields (errors of form,
   * already reported) is not read.
   */
  private static List<SpecException> partErrors(ObjectNode tree, List<String> skipped) {
    List<SpecException> errors = new ArrayList<>();
    // A header field of the wrong form is already reported: reading the header would only repeat it.
    if (Stream.of("schemaVersion", "name", "seeds").noneMatch(field -> overlaps(field, skipped))) {
      try {
        errors.addAll(ExperimentSpec.headerErrors(
            tree.hasNonNull("schemaVersion") ? tree.get("schemaVersion").asInt() : null,
            tree.hasNonNull("name") ? tree.get("name").asText() : null,
            tree.hasNonNull("seeds") ? JSON.convertValue(tree.get("seeds"), new TypeReference<List<Long>>() {}) : null));
      } catch (IllegalArgumentException e) {
        // The shape check has vouched for these fields' types; nothing more to report from them.
      }
    }
    part(errors, tree.get("data"), DataSpec.class, "data", skipped);
    if (tree.get("tasks") instanceof ObjectNode tasks) {
      for (Iterator<Map.Entry<String, JsonNode>> it = tasks.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> task = it.next();
        part(errors, task.getValue(), TaskSpec.class, "tasks." + task.getKey(), skipped);
      }
    }
    if (tree.get("arms") instanceof ArrayNode arms) {
      for (int i = 0; i < arms.size(); i++) {
        part(errors, arms.get(i), ArmSpec.class, "arms[" + i + "]", skipped);
      }
    }
    return errors;
  }

  private static void part(List<SpecException> errors, JsonNode node, Class<?> type, String path, List<String> skipped) {
    if (node == null || node.isNull() || overlaps(path, skipped)) {
      return;
    }
    try {
      JSON.treeToValue(node, type);
    } catch (JsonProcessingException e) {
      errors.add(translate(e).under(path));
    }
  }

  /** Whether one of {@code fields} is the part at {@code path}, inside it, or holds it. */
  private static boolean overlaps(String path, List<String> fields) {
    return fields.stream().anyMatch(f -> f.equals(path) || inside(f, path) || inside(path, f));
  }

  private static boolean inside(String field, String part) {
    return field.startsWith(part + ".") || field.startsWith(part + "[");
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

  /** The JSON mapper for Mentor's own records, with the reader's settings. */
  public static ObjectMapper json() {
    return JSON;
  }

  /**
   * Reads one JSON message (a {@code ControlRequest}, say) as {@code type}. Every problem, a syntax
   * error, an unknown key or a value the record's constructor refuses, is a {@link SpecException}
   * naming the field, as for a spec.
   */
  public static <T> T readJson(String json, Class<T> type) {
    if (json == null || json.isBlank()) {
      throw new SpecException("", "no JSON to read; expected " + simpleType(type));
    }
    try {
      return JSON.readValue(json, type);
    } catch (JsonMappingException e) {
      throw translate(e);
    } catch (JsonProcessingException e) {
      throw syntaxError("JSON", e);
    }
  }

  /**
   * YAML's aliases ({@code *name}) would reach Jackson as the anchor's name, a string where the
   * anchored value was meant, and expanding them instead is how a few lines become gigabytes: the
   * reader refuses them (the spec's {@code defaults} shares settings between arms).
   */
  private static JsonNode readYaml(String text) throws IOException {
    try (JsonParser parser = new JsonParserDelegate(YAML.createParser(text)) {
      @Override
      public JsonToken nextToken() throws IOException {
        JsonToken token = super.nextToken();
        if (((YAMLParser) delegate).isCurrentAlias()) {
          throw new JsonParseException(this, "YAML aliases (*" + getText() + ") are not supported; put shared arm settings under defaults");
        }
        return token;
      }
    }) {
      return YAML.readTree(parser);
    }
  }

  private static SpecException syntaxError(String format, JsonProcessingException e) {
    String reason = e.getOriginalMessage();
    if (e instanceof StreamConstraintsException) {
      // Jackson names its own setting; the reader's limits are documented as SpecLimits.
      reason = "exceeds a limit of the spec reader: " + reason.replaceAll(", from `[^`]*`", "");
    }
    return new SpecException("", "not valid " + format + ": " + reason
        + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")"));
  }

  /**
   * Checks the form of {@code defaults} as arm settings before they are merged, so that a typo
   * there is reported once, at {@code defaults.<key>}, and not once for every arm; with such an
   * error, the rest of the spec is checked for form too and everything is reported together.
   */
  private static void checkDefaults(ObjectNode root) {
    JsonNode defaults = root.get("defaults");
    if (defaults == null || !defaults.isObject()) {
      return;
    }
    SpecException inDefaults = SpecShape.check(defaults, ArmSpec.class);
    if (inDefaults == null) {
      return;
    }
    ObjectNode rest = root.deepCopy();
    rest.remove("defaults");
    SpecException elsewhere = SpecShape.check(rest, ExperimentSpec.class);
    List<SpecException> all = new ArrayList<>(List.of(inDefaults.under("defaults")));
    if (elsewhere != null) {
      all.add(elsewhere);
    }
    throw SpecException.of(all);
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
      int values = values(defaults);
      long copies = (long) values * list.size();
      if (copies > SpecLimits.MAX_MERGED_VALUES) {
        throw new SpecException("defaults", "merging its " + values + " values into " + list.size() + " arms makes " + copies
            + " values; the limit is " + SpecLimits.MAX_MERGED_VALUES + ": keep defaults to the settings the arms share");
      }
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

  /** The scalars, mappings and lists in a tree, itself included. */
  static int values(JsonNode node) {
    int count = 1;
    for (JsonNode child : node) {
      count += values(child);
    }
    return count;
  }

  static void deepMerge(ObjectNode base, ObjectNode override) {
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
  static boolean changesType(ObjectNode base, ObjectNode override) {
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
    if (e instanceof InvalidFormatException invalid && invalid.getTargetType() != null && invalid.getTargetType().isEnum()
        && SpecName.class.isAssignableFrom(invalid.getTargetType())) {
      return new SpecException(path, "unknown value " + Check.quote(String.valueOf(invalid.getValue())) + "; allowed: "
          + Arrays.stream(invalid.getTargetType().getEnumConstants()).map(c -> ((SpecName) c).specName()).collect(Collectors.joining(", ")));
    }
    if (e instanceof InvalidFormatException invalid) {
      return new SpecException(path, "cannot read " + Check.quote(String.valueOf(invalid.getValue())) + " as " + simpleType(invalid.getTargetType()));
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
