package dev.mentor.messages.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Where an arm expanded from a {@code sweep} sits in it: the arm as the file wrote it
 * ({@code arm}, its name or name template, at {@code index} in the file's {@code arms}) and the
 * value of each of the sweep's axes ({@code values}, in the sweep's order): a swept field by its
 * dotted path ({@code "distill.temperature": 4}, any JSON value), a labelled axis by its name
 * ({@code "method": "probe"}). Reports group and draw the arms of one sweep by these coordinates;
 * the resolved spec keeps them, so it reads back as the same experiment. A hand-written arm has none.
 */
public record SweepPoint(String arm, Integer index, JsonNode values) {
  public SweepPoint {
    arm = Check.required("arm", arm);
    index = Check.required("index", index);
    if (index < 0) {
      throw new SpecException("index", "must be >= 0, got " + index);
    }
    if (values == null || !values.isObject()) {
      throw new SpecException("values", "must be a mapping of the sweep's axes to this arm's values");
    }
    values = values.deepCopy();
  }

  /** The value of one axis ({@code "optimizer.lr"}, a labelled axis's name), or null when the sweep has no such axis. */
  public JsonNode value(String axis) {
    return values.get(axis);
  }

  /** The coordinates for a person, as names write values: {@code distill.temperature = 4, method = probe}. */
  public String describe() {
    List<String> axes = new ArrayList<>();
    values.fields().forEachRemaining(axis -> axes.add(axis.getKey() + " = " + Sweeps.format(axis.getValue())));
    return String.join(", ", axes);
  }

  /** The axes and their values, in the sweep's order (a copy: a record's value does not change). */
  @Override
  public JsonNode values() {
    return values.deepCopy();
  }
}
