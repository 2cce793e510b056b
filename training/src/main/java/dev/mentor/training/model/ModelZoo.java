package dev.mentor.training.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import dev.mentor.messages.spec.ModelSpec;
import dev.mentor.training.engine.EngineSelfCheck;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the models a spec names, initialised and ready to train. Stage layout per type is
 * documented on {@link ModelSpec}; the names produced here are exactly
 * {@link ModelSpec#stageNames()}, which the spec validator relies on.
 */
public final class ModelZoo {
  private ModelZoo() {}

  /**
   * A model for {@code numClasses} classes on samples of {@code inputShape} (channels, height,
   * width), with parameters created in {@code manager} and initialised from {@code seed}.
   */
  public static StagedModel create(ModelSpec spec, int numClasses, Shape inputShape, NDManager manager, long seed) {
    // Every model Mentor trains or evaluates is made here: the engine proves its numbers first (once per process).
    EngineSelfCheck.ensurePassed();
    Map<String, Block> stages = switch (spec.type()) {
      case LOGISTIC -> new LinkedHashMap<>();
      case MLP -> mlp(spec);
      case CNN -> cnn(spec);
      case RESNET -> resnet(spec, (int) inputShape.get(0));
    };
    SequentialBlock head = new SequentialBlock();
    if (stages.isEmpty()) {
      head.add(Blocks.batchFlattenBlock());
    }
    stages.put("head", head.add(Linear.builder().setUnits(numClasses).build()));
    List<String> expected = spec.stageNames();
    if (!expected.equals(List.copyOf(stages.keySet()))) {
      throw new IllegalStateException("zoo stages " + stages.keySet() + " differ from spec stages " + expected);
    }
    StagedModel model = new StagedModel(spec, numClasses, inputShape, stages);
    model.initialize(manager, DataType.FLOAT32, new Shape(1).addAll(inputShape));
    Initialization.apply(model, seed);
    return model;
  }

  private static Map<String, Block> mlp(ModelSpec spec) {
    Map<String, Block> stages = new LinkedHashMap<>();
    float dropout = spec.dropout().floatValue();
    for (int i = 0; i < spec.widths().size(); i++) {
      SequentialBlock stage = new SequentialBlock();
      if (i == 0) {
        stage.add(Blocks.batchFlattenBlock());
      }
      stage.add(Linear.builder().setUnits(spec.widths().get(i)).build()).add(Activation::relu);
      if (dropout > 0) {
        stage.add(new SeededDropout(dropout));
      }
      stages.put("stage" + (i + 1), stage);
    }
    return stages;
  }

  private static Map<String, Block> cnn(ModelSpec spec) {
    Map<String, Block> stages = new LinkedHashMap<>();
    List<Integer> channels = spec.channels();
    for (int i = 0; i < channels.size(); i++) {
      stages.put("stage" + (i + 1), new SequentialBlock()
          .add(ResidualBlock.conv(channels.get(i), 3, 1))
          .add(new BatchNormLayer())
          .add(Activation::relu)
          .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2))));
    }
    SequentialBlock dense = new SequentialBlock()
        .add(Blocks.batchFlattenBlock())
        .add(Linear.builder().setUnits(spec.hidden()).build())
        .add(Activation::relu);
    if (spec.dropout() > 0) {
      dense.add(new SeededDropout(spec.dropout().floatValue()));
    }
    stages.put("stage" + (channels.size() + 1), dense);
    return stages;
  }

  private static Map<String, Block> resnet(ModelSpec spec, int inputChannels) {
    Map<String, Block> stages = new LinkedHashMap<>();
    List<Integer> channels = spec.channels();
    stages.put("stem", new SequentialBlock()
        .add(ResidualBlock.conv(channels.get(0), 3, 1))
        .add(new BatchNormLayer())
        .add(Activation::relu));
    int in = channels.get(0);
    for (int i = 0; i < channels.size(); i++) {
      SequentialBlock stage = new SequentialBlock();
      for (int b = 0; b < spec.blocks(); b++) {
        int stride = i > 0 && b == 0 ? 2 : 1;
        stage.add(new ResidualBlock(in, channels.get(i), stride));
        in = channels.get(i);
      }
      if (i == channels.size() - 1) {
        stage.add(Pool.globalAvgPool2dBlock());
        if (spec.dropout() > 0) {
          stage.add(new SeededDropout(spec.dropout().floatValue()));
        }
      }
      stages.put("stage" + (i + 1), stage);
    }
    return stages;
  }
}
