package dev.mentor.messages.spec;

import java.util.ArrayList;
import java.util.List;

/**
 * A model of the zoo. Every model is a sequence of named stages ending in {@code head}, a single
 * linear layer, so any stage can be frozen, given its own learning rate or tapped.
 * <ul>
 *   <li>{@code logistic}: the head alone on raw pixels (multinomial logistic regression)</li>
 *   <li>{@code mlp}: {@code stage1..N} = linear({@code widths[i]}) + ReLU + dropout, then {@code head}</li>
 *   <li>{@code cnn}: {@code stage1..N} = 3×3 conv({@code channels[i]}) + BatchNorm + ReLU + 2×2 max-pool,
 *       {@code stage(N+1)} = flatten + linear({@code hidden}) + ReLU + dropout, then {@code head}</li>
 *   <li>{@code resnet}: {@code stem} = 3×3 conv({@code channels[0]}) + BatchNorm + ReLU,
 *       {@code stage1..N} = {@code blocks} basic residual blocks of {@code channels[i]} (stride 2 from stage 2 on),
 *       the last stage ending in global average pooling, then {@code head}</li>
 * </ul>
 */
public record ModelSpec(Type type, List<Integer> widths, List<Integer> channels, Integer hidden, Double dropout, Integer blocks) {
  /** A model of the zoo (see the class comment). */
  public enum Type implements SpecName {
    LOGISTIC, MLP, CNN, RESNET;

    @Override
    public String toString() {
      return specName();
    }
  }

  public ModelSpec {
    if (type == null) {
      throw new SpecException("type", "is required; allowed: " + SpecName.listed(Type.class));
    }
    dropout = dropout == null ? 0.0 : dropout;
    if (!(dropout >= 0 && dropout < 1)) {
      throw new SpecException("dropout", "must be in [0, 1), got " + dropout);
    }
    switch (type) {
      case MLP -> widths = positiveList("widths", widths == null ? List.of(256, 128) : widths);
      case CNN -> {
        channels = positiveList("channels", channels == null ? List.of(32, 64) : channels);
        hidden = hidden == null ? 128 : Check.positive("hidden", hidden, SpecLimits.MAX_SIZE);
      }
      case RESNET -> {
        channels = positiveList("channels", channels == null ? List.of(16, 32, 64) : channels);
        blocks = blocks == null ? 1 : Check.positive("blocks", blocks, 64);
      }
      case LOGISTIC -> { }
    }
    if (type != Type.CNN && hidden != null) {
      throw new SpecException("hidden", "applies to model type 'cnn' only, this model is '" + type + "'");
    }
    if (type != Type.RESNET && blocks != null) {
      throw new SpecException("blocks", "applies to model type 'resnet' only, this model is '" + type + "'");
    }
    if (type != Type.MLP && widths != null) {
      throw new SpecException("widths", "applies to model type 'mlp' only, this model is '" + type + "'");
    }
    if (!(type == Type.CNN || type == Type.RESNET) && channels != null) {
      throw new SpecException("channels", "applies to model types 'cnn' and 'resnet' only, this model is '" + type + "'");
    }
  }

  /** The model's stage names in forward order; the last is always {@code head}. */
  public List<String> stageNames() {
    List<String> names = new ArrayList<>();
    switch (type) {
      case MLP -> addStages(names, widths.size());
      case CNN -> addStages(names, channels.size() + 1);
      case RESNET -> {
        names.add("stem");
        addStages(names, channels.size());
      }
      case LOGISTIC -> { }
    }
    names.add("head");
    return List.copyOf(names);
  }

  private static void addStages(List<String> names, int count) {
    for (int i = 1; i <= count; i++) {
      names.add("stage" + i);
    }
  }

  private static List<Integer> positiveList(String field, List<Integer> values) {
    Check.nonEmpty(field, values);
    if (values.size() > 64) {
      throw new SpecException(field, "may list at most 64 layers, got " + values.size());
    }
    for (int i = 0; i < values.size(); i++) {
      if (values.get(i) == null || values.get(i) <= 0 || values.get(i) > SpecLimits.MAX_SIZE) {
        throw new SpecException(field + "[" + i + "]", "must be in [1, " + SpecLimits.MAX_SIZE + "], got " + values.get(i));
      }
    }
    return List.copyOf(values);
  }
}
