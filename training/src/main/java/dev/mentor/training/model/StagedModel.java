package dev.mentor.training.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.mentor.messages.spec.ModelSpec;
import dev.mentor.training.engine.GradMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A classifier made of named stages run in order ({@code stem}, {@code stage1}, ..., {@code head}),
 * so that freezing, per-stage learning rates and intermediate outputs ("taps") are addressed by
 * name. The head is always a single linear layer: replacing it for a new label space means
 * building the same architecture with another class count and loading every other stage.
 */
public final class StagedModel extends AbstractBlock {
  private final ModelSpec spec;
  private final int numClasses;
  private final Shape inputShape;
  private final LinkedHashMap<String, Block> stages = new LinkedHashMap<>();
  private final Set<String> inferenceStages = new HashSet<>();
  private int frozenPrefix;

  StagedModel(ModelSpec spec, int numClasses, Shape inputShape, Map<String, Block> orderedStages) {
    super((byte) 1);
    this.spec = spec;
    this.numClasses = numClasses;
    this.inputShape = inputShape;
    orderedStages.forEach((name, block) -> stages.put(name, addChildBlock(name, block)));
  }

  public ModelSpec spec() {
    return spec;
  }

  public int numClasses() {
    return numClasses;
  }

  /** Shape of one sample (channels, height, width). */
  public Shape inputShape() {
    return inputShape;
  }

  public List<String> stageNames() {
    return List.copyOf(stages.keySet());
  }

  public Block stage(String name) {
    Block block = stages.get(name);
    if (block == null) {
      throw new IllegalArgumentException("the model has no stage '" + name + "'; its stages: " + String.join(", ", stages.keySet()));
    }
    return block;
  }

  /** Every parameter, keyed {@code stage/path} in forward order; the key is stable across runs. */
  public Map<String, Parameter> namedParameters() {
    Map<String, Parameter> named = new LinkedHashMap<>();
    stages.forEach((stage, block) -> block.getParameters().forEach(p -> named.put(stage + "/" + p.getKey(), p.getValue())));
    return named;
  }

  public Map<String, Parameter> namedParameters(String stage) {
    Map<String, Parameter> named = new LinkedHashMap<>();
    stage(stage).getParameters().forEach(p -> named.put(stage + "/" + p.getKey(), p.getValue()));
    return named;
  }

  /** The BatchNorm layers of one stage, in order. */
  public List<BatchNormLayer> batchNorms(String stage) {
    List<BatchNormLayer> found = new ArrayList<>();
    collect(stage(stage), BatchNormLayer.class, found);
    return found;
  }

  public List<BatchNormLayer> batchNorms() {
    List<BatchNormLayer> found = new ArrayList<>();
    stages.keySet().forEach(s -> found.addAll(batchNorms(s)));
    return found;
  }

  public List<SeededDropout> dropouts() {
    List<SeededDropout> found = new ArrayList<>();
    collect(this, SeededDropout.class, found);
    return found;
  }

  /** The dropout layers of one stage, in order. */
  public List<SeededDropout> dropouts(String stage) {
    List<SeededDropout> found = new ArrayList<>();
    collect(stage(stage), SeededDropout.class, found);
    return found;
  }

  private static <T> void collect(Block block, Class<T> type, List<T> out) {
    if (type.isInstance(block)) {
      out.add(type.cast(block));
    }
    block.getChildren().values().forEach(child -> collect(child, type, out));
  }

  /**
   * How stages run in training passes: stages in {@code inference} run as in evaluation (dropout
   * off, BatchNorm on running statistics unless told otherwise), and the first {@code noGradPrefix}
   * stages run with gradient recording off, so a frozen backbone builds no backward graph. A frozen
   * stage outside {@code inference} (its BatchNorm learns) has its dropout disabled instead, see
   * {@link SeededDropout#setEnabled}.
   */
  public void setStageModes(Set<String> inference, int noGradPrefix) {
    inferenceStages.clear();
    inferenceStages.addAll(inference);
    frozenPrefix = noGradPrefix;
  }

  /** The current stage modes, to put back after a pass that needs every stage in training mode. */
  public StageModes stageModes() {
    return new StageModes(Set.copyOf(inferenceStages), frozenPrefix);
  }

  /** Stages that run as in evaluation during training passes, and the leading stages that record no graph. */
  public record StageModes(Set<String> inference, int noGradPrefix) {}

  /** Logits and the outputs of the requested stages, all from one forward pass. */
  public ModelOutput forward(ParameterStore store, NDArray input, boolean training, Set<String> taps) {
    NDList current = new NDList(input);
    Map<String, NDArray> tapped = taps.isEmpty() ? Collections.emptyMap() : new LinkedHashMap<>();
    int index = 0;
    for (Map.Entry<String, Block> stage : stages.entrySet()) {
      boolean stageTraining = training && !inferenceStages.contains(stage.getKey());
      if (training && index < frozenPrefix) {
        try (GradMode off = GradMode.off()) {
          current = stage.getValue().forward(store, current, stageTraining);
        }
      } else {
        current = stage.getValue().forward(store, current, stageTraining);
      }
      if (taps.contains(stage.getKey())) {
        tapped.put(stage.getKey(), current.singletonOrThrow());
      }
      index++;
    }
    return new ModelOutput(current.singletonOrThrow(), tapped);
  }

  /** The output shape of every stage for one sample (no batch dimension), in forward order. */
  public Map<String, Shape> stageOutputShapes() {
    Map<String, Shape> shapes = new LinkedHashMap<>();
    Shape[] current = {new Shape(1).addAll(inputShape)};
    for (Map.Entry<String, Block> stage : stages.entrySet()) {
      current = stage.getValue().getOutputShapes(current);
      shapes.put(stage.getKey(), current[0].slice(1));
    }
    return shapes;
  }

  @Override
  protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    NDList current = inputs;
    for (Block stage : stages.values()) {
      current = stage.forward(store, current, training, params);
    }
    return current;
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape[] current = inputShapes;
    for (Block stage : stages.values()) {
      current = stage.getOutputShapes(current);
    }
    return current;
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape[] current = inputShapes;
    for (Block stage : stages.values()) {
      stage.initialize(manager, dataType, current);
      current = stage.getOutputShapes(current);
    }
  }

  /** Output of a forward pass: logits and the tapped stage outputs by stage name. */
  public record ModelOutput(NDArray logits, Map<String, NDArray> taps) {}
}
