package dev.mentor.training.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Deterministic initialisation with PyTorch's defaults for {@code nn.Linear} and {@code nn.Conv2d}
 * (weights and biases uniform in ±1/√fan_in) and BatchNorm (γ = 1, β = 0, mean 0, variance 1).
 * Values come from a Java generator seeded by (seed, parameter name), so a model's starting
 * point depends on its seed alone, not on which thread or run touched the engine's generator first.
 */
public final class Initialization {
  private Initialization() {}

  public static void apply(StagedModel model, long seed) {
    for (String stage : model.stageNames()) {
      initialise(model.stage(stage), stage, seed);
    }
  }

  private static void initialise(Block block, String path, long seed) {
    double fanIn = 0;
    for (Parameter p : block.getDirectParameters().values()) {
      if (p.getType() == Parameter.Type.WEIGHT) {
        long[] shape = p.getArray().getShape().getShape();
        fanIn = 1;
        for (int i = 1; i < shape.length; i++) {
          fanIn *= shape[i];
        }
      }
    }
    for (Parameter p : block.getDirectParameters().values()) {
      NDArray array = p.getArray();
      String name = path + "/" + p.getName();
      switch (p.getType()) {
        case WEIGHT, BIAS -> array.set(uniform(array.size(), 1 / Math.sqrt(Math.max(fanIn, 1)), seed, name));
        case GAMMA, RUNNING_VAR -> array.set(filled(array.size(), 1f));
        default -> array.set(filled(array.size(), 0f));
      }
    }
    for (Pair<String, Block> child : block.getChildren()) {
      initialise(child.getValue(), path + "/" + child.getKey(), seed);
    }
  }

  /**
   * {@code size} values uniform in ±{@code bound}, drawn from a generator seeded by
   * ({@code seed}, {@code name}): PyTorch's default for a weight or bias when bound = 1/√fan_in.
   * Blocks built outside a {@link StagedModel} use it to start where a model's layers would.
   */
  public static float[] uniform(long size, double bound, long seed, String name) {
    SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ name.hashCode());
    float[] values = new float[Math.toIntExact(size)];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
    }
    return values;
  }

  private static float[] filled(long size, float value) {
    float[] values = new float[Math.toIntExact(size)];
    Arrays.fill(values, value);
    return values;
  }
}
