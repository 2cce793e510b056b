package dev.mentor.actors.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.mentor.messages.job.JobCodec;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Hostile payloads for the jobs topic, deterministic for a seed: a fixed set that covers every kind
 * of attack once (empty and null values, null and mismatched keys, 600,000-character names, 600 KB
 * of quotes, invalid UTF-8, 10,000-level nesting in JSON and YAML, YAML billion laughs, alias
 * amplification, tags and anchors, binary garbage, 5 MB values, huge, negative and unknown
 * values, missing and duplicated keys), then random mutations of a small valid spec (byte flips,
 * wrong types, truncation, ...) up to the size asked for. Each input keyed by {@code h<index>}
 * carries that id as its spec's name too, so that only its defect can make it invalid. Random
 * mutations that today's spec reader would accept (a flipped digit can make another valid spec) are
 * drawn again: every input of the random part is one a correct service must reject.
 */
final class HostileCorpus {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int HUGE_NAME = 600_000;
  private static final int NESTING = 10_000;

  /** One record to send: its key and value as bytes (either may be null), what kind of attack it is, and what exactly. */
  record Input(int index, String category, String description, byte[] key, byte[] value) {
    String keyText() {
      return key == null ? null : new String(key, StandardCharsets.UTF_8);
    }

    /** SHA-256 of the value's bytes (of no bytes for a null value), lower-case hex. */
    String sha256() {
      try {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value == null ? new byte[0] : value));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    int size() {
      return (key == null ? 0 : key.length) + (value == null ? 0 : value.length);
    }

    String label() {
      return "#" + index + " " + category + " (" + description + ")";
    }
  }

  private final SplittableRandom random;
  private final List<Input> inputs = new ArrayList<>();

  private HostileCorpus(long seed) {
    this.random = new SplittableRandom(seed);
  }

  /** {@code count} inputs (at least the fixed set) for {@code seed}. */
  static List<Input> generate(long seed, int count) {
    HostileCorpus corpus = new HostileCorpus(seed);
    corpus.fixedSet();
    while (corpus.inputs.size() < count) {
      corpus.randomMutation();
    }
    return List.copyOf(corpus.inputs);
  }

  private String nextId() {
    return String.format("h%04d", inputs.size());
  }

  private void add(String category, String description, byte[] key, byte[] value) {
    inputs.add(new Input(inputs.size(), category, description, key, value));
  }

  private void keyed(String category, String description, Function<String, byte[]> value) {
    String id = nextId();
    add(category, description, utf8(id), value.apply(id));
  }

  /** A valid spec named {@code id} (one tiny run), as a tree to mutate. */
  private static ObjectNode valid(String id) {
    try {
      return (ObjectNode) YAML.readTree(ChaosSpecs.tiny(id, 1));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] json(JsonNode tree) {
    try {
      return JSON.writeValueAsBytes(tree);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] yaml(JsonNode tree) {
    try {
      return YAML.writeValueAsBytes(tree);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private byte[] either(JsonNode tree) {
    return random.nextBoolean() ? json(tree) : yaml(tree);
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  private static ObjectNode with(ObjectNode tree, String path, JsonNode value) {
    JsonNode parent = tree;
    String[] steps = path.split("\\.");
    for (int i = 0; i < steps.length - 1; i++) {
      parent = steps[i].matches("\\d+") ? parent.get(Integer.parseInt(steps[i])) : parent.get(steps[i]);
    }
    String last = steps[steps.length - 1];
    if (parent instanceof ArrayNode array) {
      array.set(Integer.parseInt(last), value);
    } else {
      ((ObjectNode) parent).set(last, value);
    }
    return tree;
  }

  private static ObjectNode without(ObjectNode tree, String path) {
    int dot = path.lastIndexOf('.');
    JsonNode parent = dot < 0 ? tree : tree.at("/" + path.substring(0, dot).replace('.', '/'));
    ((ObjectNode) parent).remove(path.substring(dot + 1));
    return tree;
  }

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** Numeric fields of the valid spec, for huge and negative values. */
  private static final List<String> NUMBERS = List.of("defaults.epochs", "defaults.batchSize", "data.syntheticClasses", "data.syntheticPerClass",
      "arms.0.model.widths.0", "tasks.t.classes.0");
  private static final List<String> REQUIRED = List.of("name", "seeds", "tasks", "arms", "tasks.t.classes", "arms.0.name");
  private static final List<String> ENUMS = List.of("data.source", "arms.0.model.type");

  private void fixedSet() {
    // Empty, null and blank values; null keys.
    keyed("empty", "value of 0 bytes", id -> new byte[0]);
    keyed("empty", "null value (tombstone)", id -> null);
    keyed("empty", "whitespace only", id -> utf8("  \n\t \n"));
    add("null-key", "null key, empty value", null, new byte[0]);
    add("null-key", "null key, binary garbage", null, garbage(512));
    add("null-key", "null key, name of " + HUGE_NAME + " characters", null, json(with(valid("x"), "name", NODES.textNode("n".repeat(HUGE_NAME)))));
    add("null-key", "null key, name '../../escape' (path traversal)", null, yaml(with(valid("x"), "name", NODES.textNode("../../escape"))));
    add("null-key", "null key, name '/tmp/absolute'", null, yaml(with(valid("x"), "name", NODES.textNode("/tmp/absolute"))));
    keyed("key-name", "key differs from the spec's name", id -> yaml(with(valid(id), "name", NODES.textNode("other-" + id))));
    add("key-name", "key of invalid UTF-8 bytes", new byte[] {(byte) 0xFF, (byte) 0xFE, 'k'}, yaml(valid("k")));
    add("key-name", "key of " + HUGE_NAME + " characters, garbage value", utf8("k".repeat(HUGE_NAME)), garbage(64));
    // Oversized text.
    keyed("huge-name", "name of " + HUGE_NAME + " characters (JSON)", id -> json(with(valid(id), "name", NODES.textNode("n".repeat(HUGE_NAME)))));
    keyed("huge-name", "name of " + HUGE_NAME + " characters (YAML)", id -> yaml(with(valid(id), "name", NODES.textNode("n".repeat(HUGE_NAME)))));
    keyed("quotes", "600 KB of '\"' characters", id -> utf8("\"".repeat(600_000)));
    keyed("quotes", "spec whose name is 300,000 '\"' characters (600 KB escaped)",
        id -> json(with(valid(id), "name", NODES.textNode("\"".repeat(300_000)))));
    // Invalid UTF-8.
    keyed("utf8", "name with bytes C3 28", id -> concat(utf8("name: " + id), new byte[] {(byte) 0xC3, 0x28}, utf8("\n"), tail(id)));
    keyed("utf8", "lone FF inside the spec", id -> concat(utf8("description: a"), new byte[] {(byte) 0xFF}, utf8("b\n"), yaml(valid(id))));
    keyed("utf8", "overlong encoding C0 AF", id -> concat(yaml(valid(id)), utf8("description: "), new byte[] {(byte) 0xC0, (byte) 0xAF}));
    keyed("utf8", "UTF-16 surrogate encoded as UTF-8 (ED A0 80)", id -> concat(yaml(valid(id)), utf8("description: "),
        new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}));
    keyed("utf8", "truncated multi-byte sequence at the end (E2 82)", id -> concat(yaml(valid(id)), utf8("description: x"),
        new byte[] {(byte) 0xE2, (byte) 0x82}));
    keyed("utf8", "valid spec encoded as UTF-16 with BOM", id -> concat(new byte[] {(byte) 0xFF, (byte) 0xFE},
        ChaosSpecs.tiny(id, 1).getBytes(StandardCharsets.UTF_16LE)));
    keyed("control", "1,000 NUL characters", id -> new byte[1000]);
    // Nesting.
    keyed("deep-json", NESTING + "-level array", id -> utf8("[".repeat(NESTING) + "]".repeat(NESTING)));
    keyed("deep-json", NESTING + "-level object", id -> utf8("{\"a\":".repeat(NESTING) + "1" + "}".repeat(NESTING)));
    keyed("deep-json", NESTING + "-level array in a spec's description", id -> utf8("{\"name\":\"" + id + "\",\"description\":" + "[".repeat(NESTING)
        + "]".repeat(NESTING) + "}"));
    keyed("deep-json", NESTING + "-level unclosed array", id -> utf8("{\"name\":\"" + id + "\",\"seeds\":" + "[".repeat(NESTING)));
    keyed("deep-yaml", NESTING + "-level flow sequence", id -> utf8("name: " + id + "\ndescription: " + "[".repeat(NESTING) + "]".repeat(NESTING)
        + "\n"));
    keyed("deep-yaml", NESTING + "-level flow mapping", id -> utf8("name: " + id + "\ndescription: " + "{a: ".repeat(NESTING) + "1"
        + "}".repeat(NESTING) + "\n"));
    keyed("deep-yaml", NESTING + "-level block sequence", id -> utf8("- ".repeat(NESTING) + "x\n"));
    // YAML entity expansion, tags, anchors.
    keyed("yaml-bomb", "billion laughs (9 levels of 9 aliases)", id -> utf8(billionLaughs("")));
    keyed("yaml-bomb", "billion laughs in a spec's description", id -> utf8(ChaosSpecs.tiny(id, 1) + billionLaughs("description")));
    keyed("yaml-bomb", "alias amplification: a 50 KB scalar referenced 2,000 times", id -> utf8("name: " + id + "\nbig: &b '" + "x".repeat(50_000)
        + "'\nmany: [" + String.join(", ", Collections.nCopies(2000, "*b")) + "]\n"));
    keyed("yaml-tag", "python object tag (os.system)", id -> utf8(ChaosSpecs.tiny(id, 1).replace("name: " + id,
        "name: !!python/object/apply:os.system [\"touch pwned\"]")));
    keyed("yaml-tag", "Java class tag (ScriptEngineManager)", id -> utf8(ChaosSpecs.tiny(id, 1).replace("arms:\n",
        "arms: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[!!java.net.URL [\"http://127.0.0.1:1/\"]]]]\nx:\n")));
    keyed("yaml-tag", "!!binary name", id -> utf8(ChaosSpecs.tiny(id, 1).replace("name: " + id, "name: !!binary aGVsbG8=")));
    keyed("yaml-tag", "custom tag !include /etc/passwd as data", id -> utf8(ChaosSpecs.tiny(id, 1).replaceFirst("data: .*\n",
        "data: !include /etc/passwd\n")));
    keyed("yaml-tag", "!!map tag on a scalar", id -> utf8(ChaosSpecs.tiny(id, 1).replace("seeds: [1]", "seeds: !!map 1")));
    keyed("yaml-anchor", "undefined alias", id -> utf8(ChaosSpecs.tiny(id, 1).replace("seeds: [1]", "seeds: *missing")));
    keyed("yaml-anchor", "recursive anchor", id -> utf8(ChaosSpecs.tiny(id, 1).replace("seeds: [1]", "seeds: &a [*a]")));
    keyed("yaml-anchor", "merge of an undefined anchor", id -> utf8(ChaosSpecs.tiny(id, 1).replace("tasks:\n", "tasks:\n  <<: *nothing\n")));
    keyed("yaml-anchor", "alias as a mapping key", id -> utf8("k: &k name\n*k : " + id + "\n"
        + ChaosSpecs.tiny(id, 1).replace("name: " + id + "\n", "").replace("seeds: [1]", "seeds: {a: 1}")));
    // Garbage and values too large for the broker.
    keyed("garbage", "64 KB of random bytes", id -> garbage(64 * 1024));
    keyed("too-large", "5 MB spec (description of 5 MB)", id -> json(with(valid(id), "description", NODES.textNode("d".repeat(5 * 1024 * 1024)))));
    add("too-large", "null key, 5 MB of random bytes", null, garbage(5 * 1024 * 1024));
    // Values a spec must bound, and values out of every range.
    for (String field : List.of("defaults.epochs", "defaults.batchSize", "data.syntheticPerClass", "data.syntheticClasses",
        "arms.0.model.widths.0")) {
      keyed("huge-number", field + " = 2147483647", id -> yaml(with(valid(id), field, NODES.numberNode(Integer.MAX_VALUE))));
    }
    keyed("huge-number", "epochs = 99999999999999999999",
        id -> yaml(with(valid(id), "defaults.epochs", NODES.numberNode(new BigInteger("99999999999999999999")))));
    keyed("huge-number", "epochs = 1e400", id -> utf8(ChaosSpecs.tiny(id, 1).replace("epochs: 1", "epochs: 1e400")));
    for (String field : NUMBERS) {
      keyed("negative", field + " = -5", id -> either(with(valid(id), field, NODES.numberNode(-5))));
    }
    for (String field : ENUMS) {
      keyed("unknown-enum", field + " = 'transformer'", id -> either(with(valid(id), field, NODES.textNode("transformer"))));
    }
    for (String field : REQUIRED) {
      keyed("missing-key", "without " + field, id -> either(without(valid(id), field)));
    }
    keyed("duplicate-key", "seeds twice (YAML)", id -> utf8(ChaosSpecs.tiny(id, 1) + "seeds: [2]\n"));
    keyed("duplicate-key", "name twice (JSON)", id -> concat(utf8("{\"name\":\"" + id + "\","), Arrays.copyOfRange(json(valid(id)), 1,
        json(valid(id)).length)));
    keyed("wrong-type", "seeds as text", id -> either(with(valid(id), "seeds", NODES.textNode("abc"))));
    keyed("wrong-type", "name as a list", id -> either(with(valid(id), "name", NODES.arrayNode().add(1).add(2))));
    keyed("wrong-type", "tasks as a number", id -> either(with(valid(id), "tasks", NODES.numberNode(5))));
    keyed("wrong-type", "epochs as an object", id -> either(with(valid(id), "defaults.epochs", NODES.objectNode().put("a", 1))));
    keyed("top-level", "a JSON array", id -> utf8("[]"));
    keyed("top-level", "a number", id -> utf8("42"));
    keyed("top-level", "YAML null", id -> utf8("~"));
    keyed("top-level", "an empty JSON object", id -> utf8("{}"));
    keyed("trailing", "a valid JSON spec followed by garbage", id -> concat(json(valid(id)), utf8(" trailing garbage")));
  }

  /** YAML whose 9 levels of 9 aliases expand to 9^9 strings; under {@code key} when not empty. */
  private static String billionLaughs(String key) {
    StringBuilder out = new StringBuilder(key.isEmpty() ? "" : key + ":\n");
    String indent = key.isEmpty() ? "" : "  ";
    out.append(indent).append("a: &a [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n");
    for (char level = 'b'; level <= 'i'; level++) {
      String previous = "*" + (char) (level - 1);
      out.append(indent).append(level).append(": &").append(level).append(" [").append(String.join(", ", Collections.nCopies(9, previous)))
          .append("]\n");
    }
    return out.toString();
  }

  /** The lines of a valid spec after its name. */
  private static byte[] tail(String id) {
    String spec = ChaosSpecs.tiny(id, 1);
    return utf8(spec.substring(spec.indexOf('\n') + 1));
  }

  private byte[] garbage(int size) {
    byte[] bytes = new byte[size];
    for (int i = 0; i < size; i++) {
      bytes[i] = (byte) random.nextInt(256);
    }
    return bytes;
  }

  /** One random mutation of a valid spec that today's spec reader rejects (drawn again until it does). */
  private void randomMutation() {
    String id = nextId();
    for (int attempt = 0; attempt < 50; attempt++) {
      Mutation mutation = switch (random.nextInt(8)) {
        case 0, 1, 2 -> byteFlips(id);
        case 3 -> new Mutation("truncated", "valid spec cut short", truncated(id));
        case 4 -> {
          String field = NUMBERS.get(random.nextInt(NUMBERS.size()));
          long value = random.nextBoolean() ? -1 - random.nextInt(1000) : Long.MAX_VALUE - random.nextInt(1000);
          yield new Mutation("out-of-range", field + " = " + value, either(with(valid(id), field, NODES.numberNode(value))));
        }
        case 5 -> {
          String field = REQUIRED.get(random.nextInt(REQUIRED.size()));
          yield new Mutation("missing-key", "without " + field, either(without(valid(id), field)));
        }
        case 6 -> {
          String field = pick(List.of("name", "seeds", "data", "tasks", "arms", "defaults.epochs", "arms.0.model", "tasks.t.classes"));
          JsonNode wrong = pick(List.of(NODES.booleanNode(true), NODES.objectNode().put("x", 1), NODES.arrayNode().add("x"), NODES.textNode("ten"),
              NODES.numberNode(3.5), NODES.nullNode()));
          yield new Mutation("wrong-type", field + " = " + wrong, either(with(valid(id), field, wrong)));
        }
        default -> new Mutation("garbage", "random bytes", garbage(1 + random.nextInt(4096)));
      };
      if (!acceptedToday(id, mutation.value())) {
        add(mutation.category(), mutation.description(), utf8(id), mutation.value());
        return;
      }
    }
    add("garbage", "random bytes", utf8(id), garbage(256));
  }

  private record Mutation(String category, String description, byte[] value) {}

  private Mutation byteFlips(String id) {
    byte[] bytes = either(valid(id));
    int flips = 1 + random.nextInt(8);
    StringBuilder where = new StringBuilder();
    for (int i = 0; i < flips; i++) {
      int at = random.nextInt(bytes.length);
      bytes[at] = (byte) random.nextInt(256);
      where.append(i == 0 ? "" : ",").append(at);
    }
    return new Mutation("byte-flip", flips + " random bytes at " + where, bytes);
  }

  private byte[] truncated(String id) {
    byte[] bytes = either(valid(id));
    return Arrays.copyOf(bytes, 1 + random.nextInt(bytes.length - 1));
  }

  private <T> T pick(List<T> choices) {
    return choices.get(random.nextInt(choices.size()));
  }

  /** Whether Mentor's job reader accepts the record today (so that a random mutation is redrawn). */
  private static boolean acceptedToday(String key, byte[] value) {
    try {
      JobCodec.decode(key, value);
      return true;
    } catch (Throwable rejected) {
      return false;
    }
  }
}
