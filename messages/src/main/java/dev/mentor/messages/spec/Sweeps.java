package dev.mentor.messages.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Expands the {@code sweep} of the arms and of {@code defaults} into arms, on the parsed tree
 * before {@code defaults} is merged and anything is bound, so that every expanded arm is checked
 * exactly as a hand-written one. A sweep is a mapping of axes, expanded as their grid (the first
 * axis varies slowest, as nested loops in the order written):
 * <ul>
 *   <li>{@code distill.temperature: [1, 2, 4]}: a dotted path into the arm and its values (any
 *       JSON value; a mapping merges into the field as an arm's own values merge over
 *       {@code defaults});</li>
 *   <li>{@code zip: {optimizer.lr: [...], epochs: [...]}}: lists of one length whose values are
 *       taken together, one axis;</li>
 *   <li>{@code method: {probe: {...settings}, full: {...}}}: a labelled axis, each label's arm
 *       settings merged into the arm.</li>
 * </ul>
 * A swept value wins over the value the arm or {@code defaults} writes; the sweep of
 * {@code defaults} applies to every arm, and an arm's own axis of the same key replaces it. Each
 * expanded arm is named by its arm's name as a template ({@code kd-t{temperature}}), or, without
 * braces, that name followed by its coordinates ({@code kd[temperature=4,alpha=0.9]}), and
 * remembers them as its {@link SweepPoint}.
 *
 * <p>Errors name the file's fields: a swept value by its place in the sweep
 * ({@code arms[2].sweep["distill.temperature"][1]}), any other field of an expanded arm by the
 * arm as written, and with the expanded arm's name when only some of its points fail
 * ({@code arms[2](kd-t8).distill}); see {@link Expansion#locate}.
 */
final class Sweeps {
  static final String SWEEP = "sweep";
  static final String ZIP = "zip";
  /** Fields of an arm a sweep does not set: the name is the sweep's own, and the point is written by it. */
  private static final Set<String> NOT_SWEPT = Set.of("name", "sweepPoint");
  private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]*");
  private static final Pattern AXIS_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_-]*");
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^{}]*)}");
  private static final Pattern ARM_FIELD = Pattern.compile("arms\\[(\\d+)](.*)", Pattern.DOTALL);

  private Sweeps() {}

  /** One field an axis sets at one of its points, and where the file wrote that value. */
  private record Setting(String path, JsonNode value, String field) {
    /** A labelled axis's settings merge into the arm itself. */
    boolean merges() {
      return path.isEmpty();
    }
  }

  /** One point of an axis: its coordinates (axis or path to value) and what it sets. */
  private record Step(Map<String, JsonNode> coordinates, List<Setting> settings) {}

  /** One axis: its key in the sweep, where the file wrote it, the fields it sets, its points. */
  private record Axis(String key, String field, List<String> paths, List<Step> steps) {}

  /** An arm of the expanded tree: its index in the file's arms, and for a swept arm its name and settings. */
  private record Origin(int index, String name, List<Setting> settings) {
    boolean swept() {
      return settings != null;
    }
  }

  /**
   * How the expanded arms map to the file: {@link #locate} rewrites an error's field paths from
   * the expanded tree ({@code arms[37].distill.alpha}) to what the file wrote.
   */
  static final class Expansion {
    private static final Expansion NONE = new Expansion(null, Map.of());
    private final List<Origin> origins;
    /** Arms per swept arm of the file, for "in 3 of its 12 arms". */
    private final Map<Integer, Integer> sweepSizes;

    private Expansion(List<Origin> origins, Map<Integer, Integer> sweepSizes) {
      this.origins = origins;
      this.sweepSizes = sweepSizes;
    }

    /**
     * The same errors with the file's field paths: a swept value's field is its place in the
     * sweep; another field of an expanded arm is the arm's field in the file when every arm of
     * its sweep that fails there fails the same way more than once (reported once, with how many),
     * else that field of the arm by its expanded name, {@code arms[2](kd-t8).distill}.
     */
    SpecException locate(SpecException e) {
      if (origins == null) {
        return e;
      }
      List<Located> located = e.errors().stream().map(this::locateOne).toList();
      Map<List<String>, Integer> repeats = new HashMap<>();
      located.forEach(l -> repeats.merge(List.of(l.general(), l.reason()), 1, Integer::sum));
      List<SpecException> out = new ArrayList<>();
      for (Located l : located) {
        int times = repeats.get(List.of(l.general(), l.reason()));
        if (l.specific().equals(l.general()) || times == 1) {
          out.add(new SpecException(l.specific(), l.reason()));
        } else {
          int of = sweepSizes.getOrDefault(l.sweep(), times);
          out.add(new SpecException(l.general(), l.reason() + (times >= of ? " (in every arm of its sweep)"
              : " (in " + times + " of the " + of + " arms of its sweep)")));
        }
      }
      return SpecException.of(out, e.errorsLeftOut());
    }

    /** One error's field as the file wrote it, with and without the expanded arm's name; {@code sweep} the file's index of its swept arm. */
    private record Located(String general, String specific, String reason, Integer sweep) {}

    private Located locateOne(SpecException error) {
      Matcher m = ARM_FIELD.matcher(error.field());
      if (!m.matches() || m.group(1).length() > 9 || Integer.parseInt(m.group(1)) >= origins.size()) {
        return new Located(error.field(), error.field(), error.reason(), null);
      }
      Origin origin = origins.get(Integer.parseInt(m.group(1)));
      String rest = m.group(2);
      String arm = "arms[" + origin.index() + "]";
      if (!origin.swept()) {
        return new Located(arm + rest, arm + rest, error.reason(), null);
      }
      for (Setting setting : origin.settings()) {
        String inside = inside(rest, setting);
        if (inside != null) {
          return new Located(setting.field() + inside, setting.field() + inside, error.reason(), origin.index());
        }
      }
      return new Located(arm + rest, arm + "(" + origin.name() + ")" + rest, error.reason(), origin.index());
    }

    /** The part of {@code rest} (".distill.alpha") within the field {@code setting} sets, or null when it is not in it. */
    private static String inside(String rest, Setting setting) {
      if (setting.merges()) {
        return rest.startsWith(".") && has(setting.value(), rest.substring(1)) ? rest : null;
      }
      String at = "." + setting.path();
      if (rest.equals(at) || rest.startsWith(at + ".") || rest.startsWith(at + "[")) {
        return rest.substring(at.length());
      }
      return null;
    }

    /** Whether a label's settings write the field at {@code path} (dotted, maybe with [i]), or a mapping holding it. */
    private static boolean has(JsonNode settings, String path) {
      JsonNode node = settings;
      for (String segment : path.split("\\.")) {
        String key = segment.contains("[") ? segment.substring(0, segment.indexOf('[')) : segment;
        if (!(node instanceof ObjectNode object) || !object.has(key)) {
          return false;
        }
        node = object.get(key);
        if (!node.isObject()) {
          return true;
        }
      }
      return true;
    }
  }

  /**
   * Expands every sweep of {@code root} in place: each swept arm is replaced by its arms, and the
   * {@code sweep} keys are removed. Throws every error of the sweeps (their form, their size, the
   * names they give, references to a swept arm) with the file's field paths, before anything is
   * merged or bound; returns how to name the fields of the expanded arms for later errors.
   */
  static Expansion expand(ObjectNode root) {
    JsonNode defaults = root.get("defaults");
    JsonNode defaultsSweep = defaults instanceof ObjectNode d ? d.remove(SWEEP) : null;
    JsonNode armsNode = root.get("arms");
    if (!(armsNode instanceof ArrayNode arms) || (isAbsent(defaultsSweep) && !anySweep(arms))) {
      return Expansion.NONE;
    }
    List<SpecException> errors = new ArrayList<>();
    Map<String, Axis> shared = isAbsent(defaultsSweep) ? Map.of() : parse(defaultsSweep, "defaults." + SWEEP, errors);
    List<Map<String, Axis>> axesOfArm = new ArrayList<>();
    Set<Integer> ownSweeps = new HashSet<>();
    for (int i = 0; i < arms.size(); i++) {
      Map<String, Axis> axes = new LinkedHashMap<>(shared);
      if (arms.get(i) instanceof ObjectNode arm) {
        JsonNode own = arm.remove(SWEEP);
        if (!isAbsent(own)) {
          ownSweeps.add(i);
          axes.putAll(parse(own, "arms[" + i + "]." + SWEEP, errors));
        }
      } else {
        axes.clear();
      }
      checkAxes(axes, errors);
      axesOfArm.add(axes);
    }
    SpecException.throwIfAny(errors);
    checkSize(root, arms, axesOfArm, ownSweeps);

    ArrayNode expanded = JsonNodeFactory.instance.arrayNode();
    List<Origin> origins = new ArrayList<>();
    Map<Integer, Integer> sizes = new HashMap<>();
    Map<String, List<String>> sweptNames = new LinkedHashMap<>();
    for (int i = 0; i < arms.size(); i++) {
      Map<String, Axis> axes = axesOfArm.get(i);
      if (axes.isEmpty()) {
        expanded.add(arms.get(i));
        origins.add(new Origin(i, null, null));
        continue;
      }
      ObjectNode arm = (ObjectNode) arms.get(i);
      int before = expanded.size();
      expandArm(arm, i, List.copyOf(axes.values()), expanded, origins, errors);
      sizes.put(i, expanded.size() - before);
      if (arm.get("name") != null && arm.get("name").isTextual()) {
        List<String> names = new ArrayList<>();
        for (int k = before; k < expanded.size(); k++) {
          names.add(expanded.get(k).get("name").asText());
        }
        sweptNames.put(arm.get("name").asText(), names);
      }
    }
    SpecException.throwIfAny(errors);
    Expansion expansion = new Expansion(origins, sizes);
    checkNamesAndReferences(expanded, origins, sweptNames, errors);
    if (!errors.isEmpty()) {
      throw expansion.locate(SpecException.of(errors));
    }
    root.set("arms", expanded);
    return expansion;
  }

  private static boolean isAbsent(JsonNode node) {
    return node == null || node.isNull();
  }

  private static boolean anySweep(ArrayNode arms) {
    for (JsonNode arm : arms) {
      if (arm instanceof ObjectNode object && object.has(SWEEP)) {
        return true;
      }
    }
    return false;
  }

  /** The axes of one sweep, in the order written; each malformed axis is an error naming its field. */
  private static Map<String, Axis> parse(JsonNode sweep, String at, List<SpecException> errors) {
    Map<String, Axis> axes = new LinkedHashMap<>();
    if (!(sweep instanceof ObjectNode object) || object.isEmpty()) {
      errors.add(new SpecException(at, (sweep.isObject() ? "is empty" : "expected a mapping")
          + ": field paths with lists of values (distill.temperature: [2, 4]), labelled axes (method: {label: settings, ...})"
          + " and zip (paired lists)"));
      return axes;
    }
    if (object.size() > SpecLimits.MAX_SWEEP_AXES) {
      errors.add(new SpecException(at, "has " + object.size() + " axes; the limit is " + SpecLimits.MAX_SWEEP_AXES));
      return axes;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      String key = entry.getKey();
      JsonNode value = entry.getValue();
      String field = entryField(at, key);
      Axis axis;
      if (key.equals(ZIP)) {
        axis = zip(value, field, errors);
      } else if (value.isArray()) {
        axis = grid(key, (ArrayNode) value, field, errors);
      } else if (value.isObject()) {
        axis = labelled(key, (ObjectNode) value, field, errors);
      } else {
        errors.add(new SpecException(field, "expected a list of values (or, for a labelled axis, a mapping of labels to arm settings), got "
            + (value.isNull() ? "null" : Check.quote(value.asText()))));
        axis = null;
      }
      if (axis != null) {
        axes.put(key, axis);
      }
    }
    return axes;
  }

  /** {@code at.key}, or {@code at["a.b"]} for a key with a dot or another character a path does not hold. */
  private static String entryField(String at, String key) {
    return key.matches("[A-Za-z0-9_-]+") ? at + "." + key : at + "[\"" + key + "\"]";
  }

  private static String pathError(String path) {
    if (path.equals("name")) {
      return "the arms of a sweep are named by the arm's name: a template (kd-t{temperature}) or the name followed by their coordinates"
          + " (kd[temperature=4]); it is not swept";
    }
    return SpecShape.pathError(ArmSpec.class, path, NOT_SWEPT);
  }

  private static Axis grid(String path, ArrayNode values, String field, List<SpecException> errors) {
    String wrong = pathError(path);
    if (wrong != null) {
      errors.add(new SpecException(field, wrong));
      return null;
    }
    if (values.isEmpty()) {
      errors.add(new SpecException(field, "is an empty list: an axis needs at least one value"));
      return null;
    }
    List<Step> steps = new ArrayList<>();
    for (int i = 0; i < values.size(); i++) {
      steps.add(new Step(Map.of(path, values.get(i)), List.of(new Setting(path, values.get(i), field + "[" + i + "]"))));
    }
    return new Axis(path, field, List.of(path), steps);
  }

  private static Axis zip(JsonNode zip, String field, List<SpecException> errors) {
    if (!(zip instanceof ObjectNode object) || object.isEmpty()) {
      errors.add(new SpecException(field, "expected a mapping of field paths to lists of one length, whose values go together"));
      return null;
    }
    int first = -1;
    String firstPath = null;
    List<String> paths = new ArrayList<>();
    List<ArrayNode> lists = new ArrayList<>();
    boolean ok = true;
    for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      String pathField = entryField(field, entry.getKey());
      String wrong = pathError(entry.getKey());
      if (wrong != null) {
        errors.add(new SpecException(pathField, wrong));
        ok = false;
        continue;
      }
      if (!(entry.getValue() instanceof ArrayNode list)) {
        errors.add(new SpecException(pathField, "expected a list of values"));
        ok = false;
        continue;
      }
      if (list.isEmpty()) {
        errors.add(new SpecException(pathField, "is an empty list: an axis needs at least one value"));
        ok = false;
        continue;
      }
      if (first < 0) {
        first = list.size();
        firstPath = entry.getKey();
      } else if (list.size() != first) {
        errors.add(new SpecException(pathField, "has " + values(list.size()) + " but " + firstPath + " has " + first
            + ": zipped lists are taken value by value and must be of one length"));
        ok = false;
        continue;
      }
      paths.add(entry.getKey());
      lists.add(list);
    }
    if (!ok) {
      return null;
    }
    List<Step> steps = new ArrayList<>();
    for (int i = 0; i < first; i++) {
      Map<String, JsonNode> coordinates = new LinkedHashMap<>();
      List<Setting> settings = new ArrayList<>();
      for (int p = 0; p < paths.size(); p++) {
        coordinates.put(paths.get(p), lists.get(p).get(i));
        settings.add(new Setting(paths.get(p), lists.get(p).get(i), entryField(field, paths.get(p)) + "[" + i + "]"));
      }
      steps.add(new Step(coordinates, settings));
    }
    return new Axis(ZIP, field, paths, steps);
  }

  private static String values(int count) {
    return count + (count == 1 ? " value" : " values");
  }

  private static Axis labelled(String key, ObjectNode labels, String field, List<SpecException> errors) {
    if (key.contains(".") || SpecShape.pathError(ArmSpec.class, key, Set.of()) == null) {
      errors.add(new SpecException(field, "is a mapping, which makes a labelled axis (label: arm settings), but " + Check.quote(key)
          + " is a field of an arm: sweep a field with a list of values (" + key + ": [a, b]), or a field inside it by its dotted path"
          + " (optimizer.lr: [0.001, 0.0003])"));
      return null;
    }
    if (!AXIS_NAME.matcher(key).matches()) {
      errors.add(new SpecException(field, "a labelled axis's name must be letters, digits, '_' or '-', starting with a letter"));
      return null;
    }
    if (labels.isEmpty()) {
      errors.add(new SpecException(field, "is an empty mapping: an axis needs at least one label"));
      return null;
    }
    List<Step> steps = new ArrayList<>();
    Set<String> paths = new LinkedHashSet<>();
    boolean ok = true;
    for (Iterator<Map.Entry<String, JsonNode>> it = labels.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      String labelField = entryField(field, entry.getKey());
      if (!LABEL.matcher(entry.getKey()).matches()) {
        errors.add(new SpecException(labelField, "a label must be letters, digits, '.', '_', '+' or '-', starting with a letter or digit:"
            + " it becomes part of the arms' names"));
        ok = false;
      } else if (!(entry.getValue() instanceof ObjectNode settings)) {
        errors.add(new SpecException(labelField, "expected a mapping of the arm settings this label stands for"));
        ok = false;
      } else if (settings.has("name") || settings.has(SWEEP) || settings.has("sweepPoint")) {
        String bad = settings.has("name") ? "name" : settings.has(SWEEP) ? SWEEP : "sweepPoint";
        errors.add(new SpecException(labelField + "." + bad, "a label sets arm settings; the name and the sweep are the arm's own"));
        ok = false;
      } else {
        leafPaths(settings, "", paths);
        steps.add(new Step(Map.of(key, TextNode.valueOf(entry.getKey())), List.of(new Setting("", settings, labelField))));
      }
    }
    return ok ? new Axis(key, field, List.copyOf(paths), steps) : null;
  }

  private static void leafPaths(JsonNode node, String prefix, Set<String> out) {
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      String path = prefix.isEmpty() ? entry.getKey() : prefix + "." + entry.getKey();
      if (entry.getValue().isObject() && !entry.getValue().isEmpty()) {
        leafPaths(entry.getValue(), path, out);
      } else {
        out.add(path);
      }
    }
  }

  /** Two axes of one arm may not set one field: which value would it take? */
  private static void checkAxes(Map<String, Axis> axes, List<SpecException> errors) {
    List<Axis> list = List.copyOf(axes.values());
    for (int b = 1; b < list.size(); b++) {
      for (int a = 0; a < b; a++) {
        String clash = clash(list.get(a), list.get(b));
        if (clash != null) {
          errors.add(new SpecException(list.get(b).field(), "sets " + clash + ", which " + list.get(a).field()
              + " sets too: sweep each field on one axis (zip pairs fields that vary together)"));
        }
      }
    }
  }

  private static String clash(Axis a, Axis b) {
    for (String p : a.paths()) {
      for (String q : b.paths()) {
        if (p.equals(q) || p.startsWith(q + ".") || q.startsWith(p + ".")) {
          return p.length() >= q.length() ? p : q;
        }
      }
    }
    return null;
  }

  /** Points of a sweep: the product of its axes' lengths, saturating instead of overflowing. */
  private static long points(Collection<Axis> axes) {
    long points = 1;
    for (Axis axis : axes) {
      points = points > Long.MAX_VALUE / axis.steps().size() ? Long.MAX_VALUE : points * axis.steps().size();
    }
    return points;
  }

  /**
   * Refuses a sweep whose arms times the seeds exceed {@link SpecLimits#MAX_RUNS} runs, or whose
   * copies would hold more than {@link SpecLimits#MAX_MERGED_VALUES} values, before a single arm is
   * built; the error names the sweep with the most arms.
   */
  private static void checkSize(ObjectNode root, ArrayNode arms, List<Map<String, Axis>> axesOfArm, Set<Integer> ownSweeps) {
    long seeds = root.get("seeds") instanceof ArrayNode list && !list.isEmpty() ? list.size() : 1;
    long total = 0;
    long values = 0;
    int largest = -1;
    long largestPoints = 0;
    for (int i = 0; i < arms.size(); i++) {
      long points = points(axesOfArm.get(i).values());
      total = total > Long.MAX_VALUE - points ? Long.MAX_VALUE : total + points;
      long armValues = SpecReader.values(arms.get(i));
      values = points > (Long.MAX_VALUE - values) / armValues ? Long.MAX_VALUE : values + armValues * points;
      if (!axesOfArm.get(i).isEmpty() && points > largestPoints) {
        largest = i;
        largestPoints = points;
      }
    }
    if (largest < 0) {
      return;
    }
    long runs = total > Long.MAX_VALUE / seeds ? Long.MAX_VALUE : total * seeds;
    String field = ownSweeps.contains(largest) ? "arms[" + largest + "]." + SWEEP : "defaults." + SWEEP;
    String grid = axesOfArm.get(largest).values().stream().map(a -> a.key() + " " + a.steps().size()).collect(Collectors.joining(" × "));
    if (runs > SpecLimits.MAX_RUNS) {
      throw new SpecException(field, "makes " + (largestPoints == Long.MAX_VALUE ? "more than " + Long.MAX_VALUE : largestPoints) + " arms ("
          + grid + "); the experiment's " + (total == Long.MAX_VALUE ? "arms" : total + " arms") + " × " + seeds + " seeds = "
          + (runs == Long.MAX_VALUE ? "too many" : runs) + " runs, and the limit is " + SpecLimits.MAX_RUNS
          + " runs per experiment: sweep fewer values, or split the study into several experiments");
    }
    if (values > SpecLimits.MAX_MERGED_VALUES) {
      throw new SpecException(field, "copies its arm into " + largestPoints + " arms, " + values + " values in all; the limit is "
          + SpecLimits.MAX_MERGED_VALUES + ": put the settings the arms share under defaults");
    }
  }

  private static void expandArm(ObjectNode arm, int index, List<Axis> axes, ArrayNode out, List<Origin> origins, List<SpecException> errors) {
    String at = "arms[" + index + "]";
    JsonNode written = arm.get("name");
    if (written == null || !written.isTextual() || written.asText().isBlank()) {
      errors.add(new SpecException(at + ".name", "is required: the arms of a sweep are named after it (kd, giving kd[temperature=4], or a"
          + " template such as kd-t{temperature})"));
      return;
    }
    String template = written.asText();
    List<String> keys = new ArrayList<>();
    for (Axis axis : axes) {
      keys.addAll(axis.steps().get(0).coordinates().keySet());
    }
    Map<String, String> shortKeys = shortKeys(keys);
    boolean isTemplate = template.contains("{");
    if (isTemplate) {
      Matcher m = PLACEHOLDER.matcher(template);
      while (m.find()) {
        if (!shortKeys.containsKey(m.group(1)) && !keys.contains(m.group(1))) {
          errors.add(new SpecException(at + ".name", "names {" + m.group(1) + "}, which is not an axis of its sweep; axes: " + keys.stream()
              .map(k -> shortKey(shortKeys, k).equals(k) ? k : shortKey(shortKeys, k) + " (" + k + ")").collect(Collectors.joining(", "))));
          return;
        }
      }
    }
    Map<String, Integer> names = new HashMap<>();
    int[] digits = new int[axes.size()];
    long points = points(axes);
    for (long p = 0; p < points; p++) {
      Map<String, JsonNode> coordinates = new LinkedHashMap<>();
      List<Setting> settings = new ArrayList<>();
      for (int a = 0; a < axes.size(); a++) {
        Step step = axes.get(a).steps().get(digits[a]);
        coordinates.putAll(step.coordinates());
        settings.addAll(step.settings());
      }
      String name = isTemplate ? fill(template, coordinates, shortKeys) : template + "[" + coordinates.entrySet().stream()
          .map(c -> shortKey(shortKeys, c.getKey()) + "=" + format(c.getValue())).collect(Collectors.joining(",")) + "]";
      try {
        Check.armName("name", name);
      } catch (SpecException e) {
        errors.add(new SpecException(at + ".name", "gives an arm of its sweep the name " + Check.quote(name) + ", which is not a valid arm name"
            + " (" + e.reason().replaceFirst("; got .*", "") + ")" + (isTemplate ? "" : ": give a name template such as " + template + "-{"
                + shortKey(shortKeys, keys.get(0)) + "} with values that fit")));
        return;
      }
      Integer earlier = names.putIfAbsent(name, (int) p);
      if (earlier != null) {
        errors.add(new SpecException(at + (isTemplate ? ".name" : "." + SWEEP), "gives two of its arms the name " + Check.quote(name)
            + (isTemplate ? ": the template must use every axis whose values differ" : ": two values of an axis are written alike")));
        return;
      }
      ObjectNode copy = arm.deepCopy();
      for (Setting setting : settings) {
        if (setting.merges()) {
          SpecReader.deepMerge(copy, (ObjectNode) setting.value().deepCopy());
        } else {
          set(copy, setting.path(), setting.value());
        }
      }
      copy.put("name", name);
      ObjectNode values = JsonNodeFactory.instance.objectNode();
      coordinates.forEach((k, v) -> values.set(k, v.deepCopy()));
      ObjectNode point = copy.putObject("sweepPoint");
      point.put("arm", template);
      point.put("index", index);
      point.set("values", values);
      out.add(copy);
      origins.add(new Origin(index, name, List.copyOf(settings)));
      for (int a = axes.size() - 1; a >= 0; a--) {
        if (++digits[a] < axes.get(a).steps().size()) {
          break;
        }
        digits[a] = 0;
      }
    }
  }

  /** Sets the field at {@code path}, making the mappings on the way; a mapping merges into the one there, as an arm's own values do. */
  private static void set(ObjectNode arm, String path, JsonNode value) {
    String[] segments = path.split("\\.");
    ObjectNode node = arm;
    for (int i = 0; i < segments.length - 1; i++) {
      node = node.get(segments[i]) instanceof ObjectNode child ? child : node.putObject(segments[i]);
    }
    String last = segments[segments.length - 1];
    if (node.get(last) instanceof ObjectNode existing && value instanceof ObjectNode given && !SpecReader.changesType(existing, given)) {
      SpecReader.deepMerge(existing, given.deepCopy());
    } else {
      node.set(last, value.deepCopy());
    }
  }

  /** Each coordinate key's short form for names: the last segment of its path, or the whole path when two keys end alike. */
  private static Map<String, String> shortKeys(List<String> keys) {
    Map<String, Long> counts = keys.stream().collect(Collectors.groupingBy(Sweeps::lastSegment, Collectors.counting()));
    Map<String, String> shortToKey = new LinkedHashMap<>();
    for (String key : keys) {
      shortToKey.put(counts.get(lastSegment(key)) == 1 ? lastSegment(key) : key, key);
    }
    return shortToKey;
  }

  private static String shortKey(Map<String, String> shortKeys, String key) {
    for (Map.Entry<String, String> e : shortKeys.entrySet()) {
      if (e.getValue().equals(key)) {
        return e.getKey();
      }
    }
    return key;
  }

  private static String lastSegment(String path) {
    return path.substring(path.lastIndexOf('.') + 1);
  }

  private static String fill(String template, Map<String, JsonNode> coordinates, Map<String, String> shortKeys) {
    Matcher m = PLACEHOLDER.matcher(template);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String key = shortKeys.getOrDefault(m.group(1), m.group(1));
      m.appendReplacement(out, Matcher.quoteReplacement(format(coordinates.get(key))));
    }
    m.appendTail(out);
    return out.toString();
  }

  /**
   * A value as it appears in a name: text as it is, a whole number without a point, another
   * number in its shortest plain form up to 6 characters (0.9, 0.0003) and in scientific form
   * beyond (1e-5), a list as its values joined by '_', a mapping by its keys' values joined by
   * '_' (a label says more: use a labelled axis for settings that go together).
   */
  static String format(JsonNode value) {
    if (value == null || value.isNull()) {
      return "null";
    }
    if (value.isIntegralNumber()) {
      return value.bigIntegerValue().toString();
    }
    if (value.isNumber()) {
      double d = value.doubleValue();
      if (d == Math.rint(d) && Math.abs(d) < 1e15) {
        return Long.toString((long) d);
      }
      BigDecimal exact = new BigDecimal(Double.toString(d)).stripTrailingZeros();
      String plain = exact.toPlainString();
      if (plain.length() <= 6) {
        return plain;
      }
      int exponent = exact.precision() - exact.scale() - 1;
      return exact.movePointLeft(exponent).stripTrailingZeros().toPlainString() + "e" + exponent;
    }
    if (value.isContainerNode()) {
      List<String> parts = new ArrayList<>();
      value.elements().forEachRemaining(v -> parts.add(format(v)));
      return String.join("_", parts);
    }
    return value.asText();
  }

  /**
   * Names must stay unique after expansion, and an arm that names a swept arm ({@code init.from},
   * {@code distill.teacher.arm}) by its name as written names no arm: which of its arms is meant?
   */
  private static void checkNamesAndReferences(ArrayNode arms, List<Origin> origins, Map<String, List<String>> sweptNames,
      List<SpecException> errors) {
    Map<String, Integer> seen = new HashMap<>();
    for (int k = 0; k < arms.size(); k++) {
      JsonNode name = arms.get(k).get("name");
      if (name != null && name.isTextual()) {
        Integer earlier = seen.putIfAbsent(name.asText(), k);
        if (earlier != null) {
          Origin first = origins.get(earlier);
          errors.add(new SpecException("arms[" + k + "].name", Check.quote(name.asText()) + " is already the name of arms[" + first.index() + "]"
              + (first.swept() ? ", expanded from its sweep" : "")));
        }
      }
    }
    sweptNames.keySet().removeIf(seen::containsKey);
    for (int k = 0; k < arms.size(); k++) {
      reference(arms.get(k), "init.from", k, sweptNames, errors);
      reference(arms.get(k), "distill.teacher.arm", k, sweptNames, errors);
    }
  }

  private static void reference(JsonNode arm, String path, int k, Map<String, List<String>> sweptNames, List<SpecException> errors) {
    JsonNode node = arm;
    for (String segment : path.split("\\.")) {
      node = node == null ? null : node.get(segment);
    }
    if (node != null && node.isTextual() && sweptNames.containsKey(node.asText())) {
      List<String> names = sweptNames.get(node.asText());
      errors.add(new SpecException("arms[" + k + "]." + path, Check.quote(node.asText()) + " is swept into " + names.size() + " arms ("
          + Check.listed(names) + "): name one of them, or sweep " + path + " over the ones meant"));
    }
  }
}
