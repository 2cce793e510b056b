package dev.mentor.training.model;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;

/**
 * Size and cost of a model: trainable-or-not parameter count, multiply-adds per sample
 * (convolutions and linear layers, which dominate; BatchNorm, activations and pooling are not
 * counted) and the bytes its float32 parameters take on disk.
 */
public record ModelStats(long parameters, long multiplyAdds, long bytes) {

  public static ModelStats of(StagedModel model) {
    long params = 0;
    for (Parameter p : model.namedParameters().values()) {
      if (p.getType() != Parameter.Type.RUNNING_MEAN && p.getType() != Parameter.Type.RUNNING_VAR) {
        params += p.getArray().size();
      }
    }
    long stored = 0;
    for (Parameter p : model.namedParameters().values()) {
      stored += p.getArray().size() * 4L;
    }
    Shape shape = new Shape(1).addAll(model.inputShape());
    long macs = 0;
    for (String stage : model.stageNames()) {
      Block block = model.stage(stage);
      macs += macs(block, shape);
      shape = block.getOutputShapes(new Shape[] {shape})[0];
    }
    return new ModelStats(params, macs, stored);
  }

  private static long macs(Block block, Shape input) {
    if (block instanceof Conv2d conv) {
      Shape out = conv.getOutputShapes(new Shape[] {input})[0];
      Shape kernel = weightShape(conv);
      return out.size() * kernel.size(1) * kernel.get(2) * kernel.get(3);
    }
    if (block instanceof Linear linear) {
      Shape w = weightShape(linear);
      return w.get(0) * w.get(1);
    }
    if (block instanceof SequentialBlock sequence) {
      long total = 0;
      Shape shape = input;
      for (Block child : sequence.getChildren().values()) {
        total += macs(child, shape);
        shape = child.getOutputShapes(new Shape[] {shape})[0];
      }
      return total;
    }
    if (block instanceof ResidualBlock residual) {
      return macs(residual.body(), input) + (residual.shortcut() == null ? 0 : macs(residual.shortcut(), input));
    }
    return 0;
  }

  private static Shape weightShape(Block block) {
    for (Parameter p : block.getDirectParameters().values()) {
      if (p.getType() == Parameter.Type.WEIGHT) {
        return p.getArray().getShape();
      }
    }
    throw new IllegalStateException("no weight in " + block);
  }
}
