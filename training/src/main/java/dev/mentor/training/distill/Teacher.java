package dev.mentor.training.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.mentor.training.engine.GradMode;
import dev.mentor.training.model.StagedModel;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A frozen teacher: one model or the members of an ensemble, always run in inference mode
 * (BatchNorm on running statistics, dropout off) with gradient recording off, so no graph is
 * built and nothing of the teacher ever changes. Its output is the members' logits stacked
 * {@code [members, batch, classes]} and, for a single model, the requested stage outputs.
 */
public final class Teacher {
  /** How the teacher runs, for the record. */
  public static final String MODE = "inference: BatchNorm on running statistics, dropout off, no gradients, weights frozen";

  private final List<StagedModel> members;
  private final ParameterStore store;
  private final String source;

  public Teacher(List<StagedModel> members, ParameterStore store, String source) {
    if (members.isEmpty()) {
      throw new IllegalArgumentException("a teacher needs at least one model");
    }
    this.members = List.copyOf(members);
    this.store = store;
    this.source = source;
    for (StagedModel member : members) {
      for (Parameter p : member.namedParameters().values()) {
        p.freeze(true);
      }
    }
  }

  /** Where the teacher came from ("arm teacher seed 1", a checkpoint file, an ensemble arm). */
  public String source() {
    return source;
  }

  public List<StagedModel> members() {
    return members;
  }

  public int numClasses() {
    return members.get(0).numClasses();
  }

  /** Logits of every member and, from a single teacher, the outputs of {@code taps}. */
  public Output forward(NDArray inputs, Set<String> taps) {
    if (!taps.isEmpty() && members.size() > 1) {
      throw new IllegalStateException("feature taps need a single teacher, this one has " + members.size() + " members");
    }
    try (GradMode off = GradMode.off()) {
      NDList logits = new NDList();
      Map<String, NDArray> tapped = Map.of();
      for (StagedModel member : members) {
        StagedModel.ModelOutput out = member.forward(store, inputs, false, taps);
        logits.add(out.logits());
        tapped = out.taps();
      }
      return new Output(NDArrays.stack(logits), tapped);
    }
  }

  /** Member logits {@code [members, batch, classes]} and tapped stage outputs. */
  public record Output(NDArray memberLogits, Map<String, NDArray> taps) {}
}
