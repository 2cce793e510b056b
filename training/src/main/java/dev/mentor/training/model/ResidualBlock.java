package dev.mentor.training.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The basic residual block of ResNet-18/34: two 3×3 convolutions with BatchNorm, added to a
 * shortcut that is the identity, or a strided 1×1 convolution with BatchNorm when the block
 * changes resolution or width.
 */
public final class ResidualBlock extends AbstractBlock {
  private final SequentialBlock body;
  private final SequentialBlock shortcut;

  public ResidualBlock(int inChannels, int channels, int stride) {
    super((byte) 1);
    body = addChildBlock("body", new SequentialBlock()
        .add(conv(channels, 3, stride))
        .add(new BatchNormLayer())
        .add(Activation::relu)
        .add(conv(channels, 3, 1))
        .add(new BatchNormLayer()));
    shortcut = stride == 1 && inChannels == channels
        ? null
        : addChildBlock("shortcut", new SequentialBlock().add(conv(channels, 1, stride)).add(new BatchNormLayer()));
  }

  static Conv2d conv(int channels, int kernel, int stride) {
    return Conv2d.builder()
        .setKernelShape(new Shape(kernel, kernel))
        .optStride(new Shape(stride, stride))
        .optPadding(new Shape(kernel / 2, kernel / 2))
        .setFilters(channels)
        .optBias(false)
        .build();
  }

  SequentialBlock body() {
    return body;
  }

  SequentialBlock shortcut() {
    return shortcut;
  }

  @Override
  protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    NDArray main = body.forward(store, inputs, training, params).singletonOrThrow();
    NDArray skip = shortcut == null ? x : shortcut.forward(store, inputs, training, params).singletonOrThrow();
    return new NDList(Activation.relu(main.add(skip)));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return body.getOutputShapes(inputShapes);
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    body.initialize(manager, dataType, inputShapes);
    if (shortcut != null) {
      shortcut.initialize(manager, dataType, inputShapes);
    }
  }
}
