package dev.mentor.training.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import dev.mentor.messages.spec.ModelSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The M members of a deep ensemble as one model whose layers are grouped: the members' inputs
 * side by side, convolutions with {@code groups = M}, BatchNorm per channel of the stacked
 * channels (each member's channels are its own), and linear layers as batched matrix products
 * over a leading member axis. Stacks the zoo's {@code logistic}, {@code mlp} and {@code cnn}
 * models (see {@link ModelSpec}), in training mode with BatchNorm learning statistics and affine
 * (BatchNorm mode {@code follow-stage} of a model trained from scratch).
 *
 * <p>Every stacked parameter holds the members' values member after member ("member-major"), so
 * that member m's part is one contiguous block equal to its own parameter: a convolution weight
 * is {@code [M·out, in, k, k]}, a BatchNorm vector {@code [M·C]}, a linear weight
 * {@code [M, out, in]} and its bias {@code [M, 1, out]}. The parameters keep the members' names
 * ({@link StagedModel#namedParameters()}), so {@link #stack} and {@link #unstack} copy by name.
 *
 * <p>Inputs: a {@code cnn} takes {@code [B, M·C, H, W]} (member m's batch in channels
 * m·C..(m+1)·C), the others {@code [M, B, C·H·W]}; see {@link #stackInputs} and {@link #shareInput}.
 * Logits come out as {@code [M, B, classes]}. Dropout draws each member's mask from the member's
 * own generator in the member's own element order, so that a member's masks are exactly those it
 * would draw alone (see {@link SeededDropout} and {@link #reseedDropout}).
 */
public final class StackedModel {
  private static final float BATCH_NORM_MOMENTUM = 0.9f;
  private static final float BATCH_NORM_EPSILON = 1e-5f;

  private final ModelSpec spec;
  private final int members;
  private final int numClasses;
  private final Shape inputShape;
  /** Stacked parameters by member parameter name, in the members' forward order. */
  private final Map<String, Stacked> parameters = new LinkedHashMap<>();
  private final List<Layer> layers = new ArrayList<>();
  /** Per dropout layer (in forward order), one generator per member. */
  private final List<SplittableRandom[]> dropoutRandoms = new ArrayList<>();
  private final List<ByteBuffer> dropoutMasks = new ArrayList<>();
  private final float dropout;

  /** One stacked parameter: its array, its type, its stage and one member's shape. */
  public record Stacked(String name, String stage, Parameter.Type type, NDArray array, long[] memberShape) {
    /** Values per member. */
    public long memberSize() {
      return new Shape(memberShape).size();
    }

    /** Whether the optimiser changes it (running statistics it does not). */
    public boolean trains() {
      return type != Parameter.Type.RUNNING_MEAN && type != Parameter.Type.RUNNING_VAR;
    }
  }

  private enum Kind { CONV_STAGE, DENSE, HEAD }

  private record Layer(Kind kind, String stage, List<String> names, boolean flattenFirst, int dropoutIndex) {}

  private StackedModel(ModelSpec spec, int members, int numClasses, Shape inputShape) {
    this.spec = spec;
    this.members = members;
    this.numClasses = numClasses;
    this.inputShape = inputShape;
    this.dropout = spec.dropout().floatValue();
  }

  /**
   * Why models of {@code spec} cannot be stacked, or null when they can: the stacker knows the
   * layouts of {@code logistic}, {@code mlp} and {@code cnn}.
   */
  public static String obstacle(ModelSpec spec) {
    return spec.type() == ModelSpec.Type.RESNET ? "model 'resnet' cannot be stacked" : null;
  }

  /**
   * A stacked model holding copies of {@code members}' current parameters (weights and BatchNorm
   * statistics), created in {@code manager}; the trainable ones record gradients. The members must
   * be models of one spec, class count and input shape.
   */
  public static StackedModel stack(List<StagedModel> members, NDManager manager) {
    if (members.isEmpty()) {
      throw new IllegalArgumentException("no members to stack");
    }
    StagedModel first = members.get(0);
    String obstacle = obstacle(first.spec());
    if (obstacle != null) {
      throw new IllegalArgumentException(obstacle);
    }
    for (StagedModel m : members) {
      if (!m.spec().equals(first.spec()) || m.numClasses() != first.numClasses() || !m.inputShape().equals(first.inputShape())) {
        throw new IllegalArgumentException("stacked members must share one model spec, class count and input shape");
      }
    }
    StackedModel model = new StackedModel(first.spec(), members.size(), first.numClasses(), first.inputShape());
    List<String> stages = first.stageNames();
    int dropouts = 0;
    for (int s = 0; s < stages.size(); s++) {
      String stage = stages.get(s);
      Map<String, Parameter> named = first.namedParameters(stage);
      Kind kind = stage.equals("head") ? Kind.HEAD
          : first.spec().type() == ModelSpec.Type.CNN && s < first.spec().channels().size() ? Kind.CONV_STAGE : Kind.DENSE;
      List<Parameter.Type> expected = switch (kind) {
        case CONV_STAGE -> List.of(Parameter.Type.WEIGHT, Parameter.Type.GAMMA, Parameter.Type.BETA, Parameter.Type.RUNNING_MEAN,
            Parameter.Type.RUNNING_VAR);
        case DENSE, HEAD -> List.of(Parameter.Type.WEIGHT, Parameter.Type.BIAS);
      };
      List<Parameter.Type> found = named.values().stream().map(Parameter::getType).toList();
      if (!found.equals(expected)) {
        throw new IllegalStateException("stage " + stage + " has parameters " + found + ", the stacker expects " + expected);
      }
      List<String> names = List.copyOf(named.keySet());
      for (String name : names) {
        Parameter p = named.get(name);
        long[] shape = p.getArray().getShape().getShape();
        model.parameters.put(name, model.createStacked(name, stage, p.getType(), shape, kind, members, manager));
      }
      boolean flattenFirst = kind == Kind.DENSE && first.spec().type() == ModelSpec.Type.CNN;
      int dropoutIndex = -1;
      if (kind == Kind.DENSE && model.dropout > 0) {
        dropoutIndex = dropouts++;
        SplittableRandom[] randoms = new SplittableRandom[members.size()];
        Arrays.fill(randoms, new SplittableRandom(0));
        model.dropoutRandoms.add(randoms);
        model.dropoutMasks.add(ByteBuffer.allocateDirect(0));
      }
      model.layers.add(new Layer(kind, stage, names, flattenFirst, dropoutIndex));
    }
    return model;
  }

  private Stacked createStacked(String name, String stage, Parameter.Type type, long[] memberShape, Kind kind, List<StagedModel> from,
      NDManager manager) {
    int size = Math.toIntExact(new Shape(memberShape).size());
    float[] values = new float[size * from.size()];
    for (int m = 0; m < from.size(); m++) {
      float[] own = from.get(m).namedParameters().get(name).getArray().toFloatArray();
      System.arraycopy(own, 0, values, m * size, size);
    }
    Shape shape;
    if (kind == Kind.CONV_STAGE && type == Parameter.Type.WEIGHT) {
      long[] s = memberShape.clone();
      s[0] *= from.size();
      shape = new Shape(s);
    } else if (kind == Kind.CONV_STAGE) {
      shape = new Shape(memberShape[0] * from.size());
    } else if (type == Parameter.Type.WEIGHT) {
      shape = new Shape(from.size(), memberShape[0], memberShape[1]);
    } else {
      shape = new Shape(from.size(), 1, memberShape[0]);
    }
    NDArray array = manager.create(values, shape);
    Stacked stacked = new Stacked(name, stage, type, array, memberShape);
    if (stacked.trains()) {
      array.setRequiresGradient(true);
    }
    return stacked;
  }

  public ModelSpec spec() {
    return spec;
  }

  public int members() {
    return members;
  }

  public int numClasses() {
    return numClasses;
  }

  /** Every stacked parameter, in the members' forward order, by member parameter name. */
  public Map<String, Stacked> parameters() {
    return Collections.unmodifiableMap(parameters);
  }

  /** Member {@code m}'s values of every parameter, by name. */
  public Map<String, float[]> memberValues(int m) {
    Map<String, float[]> values = new LinkedHashMap<>();
    parameters.forEach((name, p) -> {
      int size = Math.toIntExact(p.memberSize());
      float[] all = p.array().toFloatArray();
      values.put(name, Arrays.copyOfRange(all, m * size, (m + 1) * size));
    });
    return values;
  }

  /** Copies each member's part of every stacked parameter into {@code models.get(m)}. */
  public void unstack(List<StagedModel> models) {
    if (models.size() != members) {
      throw new IllegalArgumentException("unstacking " + members + " members into " + models.size() + " models");
    }
    for (Stacked p : parameters.values()) {
      int size = Math.toIntExact(p.memberSize());
      float[] all = p.array().toFloatArray();
      for (int m = 0; m < members; m++) {
        models.get(m).namedParameters().get(p.name()).getArray().set(Arrays.copyOfRange(all, m * size, (m + 1) * size));
      }
    }
  }

  /**
   * Starts each member's dropout generators as {@code Trainer} does for a member trained alone:
   * member m's d-th dropout layer from {@code seeds[m] + d}.
   */
  public void reseedDropout(long[] seeds) {
    for (int d = 0; d < dropoutRandoms.size(); d++) {
      for (int m = 0; m < members; m++) {
        dropoutRandoms.get(d)[m] = new SplittableRandom(seeds[m] + d);
      }
    }
  }

  /** The members' batches (each {@code [B, C, H, W]}, one size) as this model's stacked input. */
  public NDArray stackInputs(List<NDArray> inputs) {
    if (inputs.size() != members) {
      throw new IllegalArgumentException("stacking " + inputs.size() + " inputs for " + members + " members");
    }
    if (spec.type() == ModelSpec.Type.CNN) {
      return NDArrays.concat(new NDList(inputs), 1);
    }
    NDList flat = new NDList();
    for (NDArray x : inputs) {
      flat.add(x.reshape(x.getShape().get(0), -1));
    }
    return NDArrays.stack(flat, 0);
  }

  /** One batch {@code [B, C, H, W]} given to every member, as this model's stacked input. */
  public NDArray shareInput(NDArray input) {
    if (spec.type() == ModelSpec.Type.CNN) {
      NDList copies = new NDList(members);
      for (int m = 0; m < members; m++) {
        copies.add(input);
      }
      return NDArrays.concat(copies, 1);
    }
    return input.reshape(1, input.getShape().get(0), -1).repeat(0, members);
  }

  /** Logits {@code [M, B, classes]} of a stacked input; {@code training} is a training pass (batch statistics, dropout). */
  public NDArray forward(NDArray input, boolean training) {
    NDArray x = input;
    long batch = spec.type() == ModelSpec.Type.CNN ? input.getShape().get(0) : input.getShape().get(1);
    for (Layer layer : layers) {
      switch (layer.kind()) {
        case CONV_STAGE -> {
          Stacked w = parameters.get(layer.names().get(0));
          NDArray conv = Conv2d.conv2d(x, w.array(), null, new Shape(1, 1), new Shape(1, 1), new Shape(1, 1), members).singletonOrThrow();
          NDArray normed = BatchNorm.batchNorm(conv, parameters.get(layer.names().get(3)).array(), parameters.get(layer.names().get(4)).array(),
              parameters.get(layer.names().get(1)).array(), parameters.get(layer.names().get(2)).array(), 1, BATCH_NORM_MOMENTUM,
              BATCH_NORM_EPSILON, training).singletonOrThrow();
          x = Pool.maxPool2d(Activation.relu(normed), new Shape(2, 2), new Shape(2, 2), new Shape(0, 0), false);
        }
        case DENSE, HEAD -> {
          if (layer.flattenFirst()) {
            // [B, M·C, h, w] -> [M, B, C·h·w]: member m's flatten order is its own (channel, row, column).
            x = x.reshape(batch, members, -1).transpose(1, 0, 2);
          }
          NDArray w = parameters.get(layer.names().get(0)).array();
          NDArray b = parameters.get(layer.names().get(1)).array();
          x = x.matMul(w.transpose(0, 2, 1)).add(b);
          if (layer.kind() == Kind.DENSE) {
            x = Activation.relu(x);
            if (training && layer.dropoutIndex() >= 0) {
              x = x.mul(dropoutMask(layer.dropoutIndex(), x));
            }
          }
        }
      }
    }
    return x;
  }

  /**
   * The inverted-dropout mask of {@code x} ({@code [M, B, units]}): member m's block drawn from its
   * own generator in the order {@link SeededDropout} draws a {@code [B, units]} mask.
   */
  private NDArray dropoutMask(int index, NDArray x) {
    float keep = 1f - dropout;
    int size = Math.toIntExact(x.size());
    int perMember = size / members;
    ByteBuffer bytes = dropoutMasks.get(index);
    if (bytes.capacity() < size * Float.BYTES) {
      bytes = ByteBuffer.allocateDirect(size * Float.BYTES).order(ByteOrder.nativeOrder());
      dropoutMasks.set(index, bytes);
    }
    bytes.clear();
    FloatBuffer mask = bytes.asFloatBuffer();
    SplittableRandom[] randoms = dropoutRandoms.get(index);
    for (int m = 0; m < members; m++) {
      SplittableRandom random = randoms[m];
      for (int i = 0; i < perMember; i++) {
        mask.put(random.nextFloat() < keep ? 1f / keep : 0f);
      }
    }
    bytes.limit(size * Float.BYTES);
    return x.getManager().create(bytes, x.getShape(), DataType.FLOAT32);
  }

  /** One sample's input shape (channels, height, width). */
  public Shape inputShape() {
    return inputShape;
  }
}
