package dev.mentor.messages.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Expands each born-again arm ({@code bornAgain}, see {@link BornAgainSpec}) into its generations
 * and its equal-budget scratch baseline, on the tree once {@code defaults} are merged (so the
 * baseline's budget is the generations' epochs as the arm resolves them) and before anything is
 * bound: every generated arm is then checked as a hand-written one, its teacher included. Errors
 * in a generated arm name it after the arm as written, {@code arms[3](ban-g2).distill.alpha}.
 */
final class Generations {
  static final String BORN_AGAIN = "bornAgain";
  private static final Pattern ARM_FIELD = Pattern.compile("arms\\[(\\d+)](.*)", Pattern.DOTALL);

  private Generations() {}

  /** Where each arm of the expanded list came from: the index before expansion, and a generated arm's name. */
  private record Origin(int index, String name) {}

  /** Maps the fields of the expanded arms back to the arms as written. */
  static final class Expansion {
    private static final Expansion NONE = new Expansion(null);
    private final List<Origin> origins;

    private Expansion(List<Origin> origins) {
      this.origins = origins;
    }

    SpecException locate(SpecException e) {
      if (origins == null) {
        return e;
      }
      return SpecException.of(e.errors().stream().map(this::locateOne).toList(), e.errorsLeftOut());
    }

    private SpecException locateOne(SpecException error) {
      Matcher m = ARM_FIELD.matcher(error.field());
      if (!m.matches() || m.group(1).length() > 9 || Integer.parseInt(m.group(1)) >= origins.size()) {
        return error;
      }
      Origin origin = origins.get(Integer.parseInt(m.group(1)));
      String rest = m.group(2);
      // A generated arm's bornAgain fields are the arm's own as written.
      String named = origin.name() == null || rest.startsWith("." + BORN_AGAIN) ? "" : "(" + origin.name() + ")";
      return new SpecException("arms[" + origin.index() + "]" + named + rest, error.reason());
    }
  }

  /**
   * Replaces every born-again arm of {@code root}'s arms by its generated arms, in place. Throws
   * every error of the {@code bornAgain} settings with the arms' fields; returns how to name the
   * generated arms' fields in later errors.
   */
  static Expansion expand(ObjectNode root, Function<JsonNode, BornAgainSpec> reader) {
    JsonNode armsNode = root.get("arms");
    if (!(armsNode instanceof ArrayNode arms) || !anyBornAgain(arms)) {
      return Expansion.NONE;
    }
    List<SpecException> errors = new ArrayList<>();
    ArrayNode expanded = JsonNodeFactory.instance.arrayNode();
    List<Origin> origins = new ArrayList<>();
    Map<String, List<String>> generated = new LinkedHashMap<>();
    for (int i = 0; i < arms.size(); i++) {
      JsonNode node = arms.get(i);
      if (!(node instanceof ObjectNode arm) || !arm.has(BORN_AGAIN)) {
        expanded.add(node);
        origins.add(new Origin(i, null));
        continue;
      }
      String at = "arms[" + i + "]";
      BornAgainSpec bornAgain;
      try {
        bornAgain = reader.apply(arm.remove(BORN_AGAIN));
      } catch (SpecException e) {
        errors.add(e.under(at + "." + BORN_AGAIN));
        continue;
      }
      JsonNode name = arm.get("name");
      if (name == null || !name.isTextual() || name.asText().isBlank()) {
        errors.add(new SpecException(at + ".name", "is required: a born-again arm's generations are named after it (ban gives ban-g1, ban-g2, ...)"));
        continue;
      }
      if (arm.get("distill") instanceof ObjectNode distill && distill.has("teacher")) {
        errors.add(new SpecException(at + ".distill.teacher", "bornAgain sets each generation's teacher: remove distill.teacher"
            + " (bornAgain.from names the arm the first generation learns from)"));
        continue;
      }
      for (String conflicting : List.of("ensemble", "psKd")) {
        if (arm.has(conflicting) && !arm.get(conflicting).isNull()) {
          errors.add(new SpecException(at + "." + conflicting, "a born-again arm trains one model per generation, each taught by the"
              + " earlier ones; remove " + conflicting + " or bornAgain"));
        }
      }
      if (errors.stream().anyMatch(e -> e.field().startsWith(at + "."))) {
        continue;
      }
      List<String> names = new ArrayList<>();
      for (int g = 1; g <= bornAgain.generations(); g++) {
        String own = name.asText() + "-g" + g;
        ObjectNode copy = arm.deepCopy();
        List<String> teachers = new ArrayList<>();
        if (bornAgain.from() != null && (g == 1 || bornAgain.teacher() == BornAgainSpec.Teachers.ALL)) {
          teachers.add(bornAgain.from());
        }
        if (g > 1) {
          teachers.addAll(bornAgain.teacher() == BornAgainSpec.Teachers.ALL ? names : List.of(names.get(names.size() - 1)));
        }
        if (teachers.isEmpty()) {
          copy.remove("distill");
        } else {
          ObjectNode distill = copy.get("distill") instanceof ObjectNode d ? d : copy.putObject("distill");
          ObjectNode teacher = distill.putObject("teacher");
          if (teachers.size() == 1) {
            teacher.put("arm", teachers.get(0));
          } else {
            ArrayNode list = teacher.putArray("arms");
            teachers.forEach(list::add);
          }
        }
        copy.put("name", own);
        copy.set("generation", point(name.asText(), g, bornAgain));
        expanded.add(copy);
        origins.add(new Origin(i, own));
        names.add(own);
      }
      if (bornAgain.baseline()) {
        ObjectNode copy = arm.deepCopy();
        copy.remove("distill");
        String own = name.asText() + "-scratch";
        JsonNode epochs = arm.get("epochs");
        int each = epochs != null && epochs.canConvertToInt() ? epochs.asInt() : ArmSpec.DEFAULT_EPOCHS;
        copy.put("epochs", (long) each * bornAgain.generations());
        copy.put("name", own);
        copy.set("generation", point(name.asText(), 0, bornAgain));
        expanded.add(copy);
        origins.add(new Origin(i, own));
      }
      generated.put(name.asText(), names);
    }
    SpecException.throwIfAny(errors);
    checkReferences(expanded, generated, errors);
    Expansion expansion = new Expansion(origins);
    if (!errors.isEmpty()) {
      throw expansion.locate(SpecException.of(errors));
    }
    root.set("arms", expanded);
    return expansion;
  }

  private static ObjectNode point(String arm, int number, BornAgainSpec bornAgain) {
    ObjectNode point = JsonNodeFactory.instance.objectNode();
    point.put("arm", arm);
    point.put("number", number);
    point.put("of", bornAgain.generations());
    point.put("teachers", bornAgain.teacher().specName());
    if (bornAgain.from() != null) {
      point.put("from", bornAgain.from());
    }
    if (bornAgain.architectureChange()) {
      point.put("architectureChange", true);
    }
    return point;
  }

  private static boolean anyBornAgain(ArrayNode arms) {
    for (JsonNode arm : arms) {
      if (arm instanceof ObjectNode object && object.has(BORN_AGAIN)) {
        return true;
      }
    }
    return false;
  }

  /** An arm that names a born-again arm by its name as written names no arm: which generation is meant? */
  private static void checkReferences(ArrayNode arms, Map<String, List<String>> generated, List<SpecException> errors) {
    for (int k = 0; k < arms.size(); k++) {
      for (String path : List.of("init.from", "distill.teacher.arm")) {
        JsonNode node = arms.get(k);
        for (String segment : path.split("\\.")) {
          node = node == null ? null : node.get(segment);
        }
        if (node != null && node.isTextual() && generated.containsKey(node.asText())) {
          List<String> names = generated.get(node.asText());
          errors.add(new SpecException("arms[" + k + "]." + path, Check.quote(node.asText()) + " is born again as " + names.size()
              + " generations (" + Check.listed(names) + "): name one of them, usually the last"));
        }
      }
    }
  }

  /** For {@link SpecReader}: binding errors of the bornAgain mapping itself. */
  static BornAgainSpec read(JsonNode node, com.fasterxml.jackson.databind.ObjectMapper json, Function<JsonProcessingException, SpecException> translate) {
    try {
      return json.treeToValue(node, BornAgainSpec.class);
    } catch (JsonProcessingException e) {
      throw translate.apply(e);
    }
  }
}
