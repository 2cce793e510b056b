package dev.mentor.training.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.mentor.training.data.Normalization;
import dev.mentor.training.engine.GradMode;
import dev.mentor.training.model.StagedModel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A frozen teacher: one model or the members of an ensemble, always run in inference mode
 * (BatchNorm on running statistics, dropout off) with gradient recording off, so no graph is
 * built and nothing of the teacher ever changes. Its output is the members' logits stacked
 * sample-major, {@code [batch, members, classes]} (per sample, every member's logits: the one
 * layout from here to the loss, in the cache, the store and the tensor frames alike), and, for a
 * single model, the requested stage outputs. A member trained in another experiment gets its
 * inputs standardised as in its own training.
 */
public final class Teacher {
  /** How the teacher runs, for the record. */
  public static final String MODE = "inference: BatchNorm on running statistics, dropout off, no gradients, weights frozen";

  private final List<StagedModel> members;
  private final ParameterStore store;
  private final String source;
  private final Normalization given;
  private final List<Normalization> trainedOn;

  /** A teacher whose members were trained on inputs standardised as the inputs it is given. */
  public Teacher(List<StagedModel> members, ParameterStore store, String source) {
    this(members, store, source, null, Collections.nCopies(members.size(), null));
  }

  /**
   * A teacher given inputs standardised with {@code given}, whose member {@code m} was trained on
   * inputs standardised with {@code trainedOn.get(m)} (null: as given). Each member sees its
   * inputs restandardised to its own training's statistics: {@code (x·σ_g + μ_g − μ_m) / σ_m}.
   */
  public Teacher(List<StagedModel> members, ParameterStore store, String source, Normalization given, List<Normalization> trainedOn) {
    if (members.isEmpty()) {
      throw new IllegalArgumentException("a teacher needs at least one model");
    }
    if (trainedOn.size() != members.size()) {
      throw new IllegalArgumentException("one standardisation per member: " + members.size() + " members, " + trainedOn.size() + " given");
    }
    this.members = List.copyOf(members);
    this.store = store;
    this.source = source;
    this.given = given;
    this.trainedOn = Collections.unmodifiableList(new ArrayList<>(trainedOn));
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

  /** Member {@code m} alone, its inputs standardised as in this teacher. */
  public Teacher member(int m, ParameterStore store) {
    return new Teacher(List.of(members.get(m)), store, source + " member " + m, given, List.of(trainedOn.get(m)));
  }

  /** The standardisation member {@code m} needs its inputs in: its training's, or that of the inputs given when it records none. */
  public Normalization inputsOf(int m) {
    return rescales(m) ? trainedOn.get(m) : given;
  }

  /** Whether member {@code m} was trained on inputs standardised otherwise than those it is given. */
  public boolean rescales(int m) {
    Normalization own = trainedOn.get(m);
    return own != null && given != null && !own.equals(given);
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
      for (int m = 0; m < members.size(); m++) {
        StagedModel.ModelOutput out;
        if (rescales(m)) {
          Normalization own = trainedOn.get(m);
          try (NDArray rescaled = inputs.mul(given.std() / own.std()).add((given.mean() - own.mean()) / own.std())) {
            out = members.get(m).forward(store, rescaled, false, taps);
          }
        } else {
          out = members.get(m).forward(store, inputs, false, taps);
        }
        logits.add(out.logits());
        tapped = out.taps();
      }
      return new Output(NDArrays.stack(logits, 1), tapped);
    }
  }

  /** The members' logits, sample-major {@code [batch, members, classes]}, and tapped stage outputs. */
  public record Output(NDArray memberLogits, Map<String, NDArray> taps) {}
}
