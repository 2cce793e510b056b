package dev.mentor.training.distill;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.mentor.training.model.Initialization;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * FitNets' regressor (Romero et al. 2015): the small trainable map from the student's guided-layer
 * output to the shape of the teacher's hint layer, trained with {@link HintLoss} and discarded after
 * the hint stage. Shapes are per sample, without the batch axis. When both are (C, H, W) the student
 * map is first resized to the teacher's H×W with {@link FeatureResampling#resize} and then goes
 * through a 1×1 convolution with bias, {@code y[o] = bias[o] + Σ_c weight[o, c, 0, 0] · x[c]} at
 * every position (weight of shape (C_t, C_s, 1, 1)); otherwise the student sample is flattened to
 * d_s values, mapped by {@code y = W·x + bias} (W of shape (d_t, d_s), d_t the teacher sample's
 * element count) and reshaped to the teacher's sample shape. Weight and bias start uniform in
 * ±1/√fan_in (PyTorch's default for convolutions and linear layers; fan_in = C_s or d_s), drawn from
 * the given seed, and require gradients.
 */
public final class HintRegressor extends AbstractBlock {
  private final Shape studentSample;
  private final Shape teacherSample;
  private final boolean convolution;
  private final Parameter weight;
  private final Parameter bias;

  private HintRegressor(Shape studentSample, Shape teacherSample, boolean convolution) {
    super((byte) 1);
    this.studentSample = studentSample;
    this.teacherSample = teacherSample;
    this.convolution = convolution;
    weight = addParameter(Parameter.builder().setName("weight").setType(Parameter.Type.WEIGHT).build());
    bias = addParameter(Parameter.builder().setName("bias").setType(Parameter.Type.BIAS).build());
  }

  /**
   * A regressor from per-sample shape {@code studentSample} to {@code teacherSample}, its
   * parameters created in {@code manager} and initialised from {@code seed}. Throws
   * IllegalArgumentException when both shapes are (C, H, W) and the student's H×W cannot be
   * resampled to the teacher's (see {@link FeatureResampling#incompatibility}).
   */
  public static HintRegressor create(Shape studentSample, Shape teacherSample, NDManager manager, long seed) {
    if (studentSample.dimension() == 0 || teacherSample.dimension() == 0 || studentSample.size() <= 0 || teacherSample.size() <= 0) {
      throw new IllegalArgumentException("a hint regressor needs non-empty per-sample shapes, got student " + studentSample + " and teacher " + teacherSample);
    }
    boolean convolution = studentSample.dimension() == 3 && teacherSample.dimension() == 3;
    if (convolution) {
      String reason = FeatureResampling.incompatibility(studentSample.getShape(), teacherSample.getShape());
      if (reason != null) {
        throw new IllegalArgumentException("no hint regressor from student " + studentSample + " to teacher " + teacherSample + ": " + reason);
      }
    }
    HintRegressor regressor = new HintRegressor(studentSample, teacherSample, convolution);
    long fanIn = convolution ? studentSample.get(0) : studentSample.size();
    long outputs = convolution ? teacherSample.get(0) : teacherSample.size();
    Shape weightShape = convolution ? new Shape(outputs, fanIn, 1, 1) : new Shape(outputs, fanIn);
    regressor.initialise(regressor.weight, weightShape, fanIn, manager, seed);
    regressor.initialise(regressor.bias, new Shape(outputs), fanIn, manager, seed);
    return regressor;
  }

  private void initialise(Parameter parameter, Shape shape, long fanIn, NDManager manager, long seed) {
    float[] values = Initialization.uniform(shape.size(), 1 / Math.sqrt(fanIn), seed, "hint/" + parameter.getName());
    NDArray array = manager.create(values, shape);
    array.setRequiresGradient(true);
    parameter.setArray(array);
  }

  /** The regressed features of shape (b, teacherSample...) for student features of shape (b, studentSample...). */
  public NDArray apply(ParameterStore store, NDArray studentFeatures, boolean training) {
    return forward(store, new NDList(studentFeatures), training).singletonOrThrow();
  }

  /** "weight" and "bias", in that order. */
  public Map<String, Parameter> namedParameters() {
    Map<String, Parameter> named = new LinkedHashMap<>();
    named.put("weight", weight);
    named.put("bias", bias);
    return Collections.unmodifiableMap(named);
  }

  /** What the regressor computes, e.g. "1x1 conv 16->64" or "linear 64->1568", for logs and reports. */
  public String describe() {
    if (!convolution) {
      return "linear " + studentSample.size() + "->" + teacherSample.size();
    }
    String conv = "1x1 conv " + studentSample.get(0) + "->" + teacherSample.get(0);
    return resamples()
        ? conv + " after resampling " + studentSample.get(1) + "x" + studentSample.get(2) + "->" + teacherSample.get(1) + "x" + teacherSample.get(2)
        : conv;
  }

  private boolean resamples() {
    return studentSample.get(1) != teacherSample.get(1) || studentSample.get(2) != teacherSample.get(2);
  }

  @Override
  protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    Shape shape = x.getShape();
    if (shape.dimension() != studentSample.dimension() + 1 || !shape.slice(1).equals(studentSample)) {
      throw new IllegalArgumentException("this hint regressor takes student features of shape (batch, " + join(studentSample) + "), got " + shape);
    }
    Device device = x.getDevice();
    NDArray w = store.getValue(weight, device, training);
    NDArray b = store.getValue(bias, device, training);
    if (convolution) {
      NDArray resized = FeatureResampling.resize(x, teacherSample.get(1), teacherSample.get(2));
      return Conv2d.conv2d(resized, w, b);
    }
    NDArray flat = x.reshape(shape.get(0), -1);
    return new NDList(Linear.linear(flat, w, b).singletonOrThrow().reshape(new Shape(shape.get(0)).addAll(teacherSample)));
  }

  private static String join(Shape shape) {
    StringBuilder out = new StringBuilder();
    for (long dim : shape.getShape()) {
      out.append(out.length() == 0 ? "" : ", ").append(dim);
    }
    return out.toString();
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(inputShapes[0].get(0)).addAll(teacherSample)};
  }
}
