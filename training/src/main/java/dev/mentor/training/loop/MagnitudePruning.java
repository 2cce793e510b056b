package dev.mentor.training.loop;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import dev.mentor.messages.spec.PruningSpec;
import dev.mentor.training.engine.GradMode;
import dev.mentor.training.model.StagedModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Magnitude pruning of convolution and linear kernels: the given fraction of weights with the
 * smallest absolute value is zeroed, ranked globally or per layer, and the zero mask is
 * re-applied after every optimiser step so pruned weights stay pruned while the rest fine-tune.
 */
public final class MagnitudePruning {
  private final List<Parameter> weights;
  private final List<NDArray> masks;

  private MagnitudePruning(List<Parameter> weights, List<NDArray> masks) {
    this.weights = weights;
    this.masks = masks;
  }

  public static MagnitudePruning prune(StagedModel model, PruningSpec spec) {
    List<Parameter> weights = new ArrayList<>();
    for (Parameter p : model.namedParameters().values()) {
      if (p.getType() == Parameter.Type.WEIGHT) {
        weights.add(p);
      }
    }
    double globalThreshold = spec.scope() == PruningSpec.Scope.GLOBAL ? threshold(weights, spec.fraction()) : Double.NaN;
    List<NDArray> masks = new ArrayList<>();
    try (GradMode off = GradMode.off()) {
      for (Parameter p : weights) {
        double t = Double.isNaN(globalThreshold) ? threshold(List.of(p), spec.fraction()) : globalThreshold;
        float[] values = p.getArray().toFloatArray();
        float[] mask = new float[values.length];
        for (int i = 0; i < values.length; i++) {
          mask[i] = Math.abs(values[i]) > t ? 1f : 0f;
        }
        NDArray m = p.getArray().getManager().create(mask, p.getArray().getShape());
        masks.add(m);
        p.getArray().muli(m);
      }
    }
    return new MagnitudePruning(weights, masks);
  }

  /** Magnitude at or below which {@code fraction} of the values fall. */
  private static double threshold(List<Parameter> params, double fraction) {
    int total = params.stream().mapToInt(p -> Math.toIntExact(p.getArray().size())).sum();
    float[] all = new float[total];
    int offset = 0;
    for (Parameter p : params) {
      float[] values = p.getArray().toFloatArray();
      for (float v : values) {
        all[offset++] = Math.abs(v);
      }
    }
    Arrays.sort(all);
    int cut = (int) Math.floor(fraction * total);
    return cut == 0 ? -1 : all[cut - 1];
  }

  /** Zeroes the pruned weights again (call after each optimiser step). */
  public void reapply() {
    try (GradMode off = GradMode.off()) {
      for (int i = 0; i < weights.size(); i++) {
        weights.get(i).getArray().muli(masks.get(i));
      }
    }
  }

  /** Fraction of prunable weights that are exactly zero. */
  public double sparsity() {
    long zeros = 0;
    long total = 0;
    for (Parameter p : weights) {
      for (float v : p.getArray().toFloatArray()) {
        zeros += v == 0f ? 1 : 0;
        total++;
      }
    }
    return total == 0 ? 0 : zeros / (double) total;
  }
}
