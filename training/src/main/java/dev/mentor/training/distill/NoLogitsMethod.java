package dev.mentor.training.distill;

import ai.djl.ndarray.NDArray;
import dev.mentor.messages.spec.DistillSpec.LogitMode;
import dev.mentor.messages.spec.DistillSpec;
import java.util.function.DoubleFunction;

/** No logit term ({@code logits: none}): the feature terms and the hard-label cross-entropy at weight 1. */
final class NoLogitsMethod implements LogitMethod {
  @Override
  public LogitMode mode() {
    return LogitMode.NONE;
  }

  @Override
  public CompositeLoss.Term term(DistillSpec spec, double alpha) {
    return null;
  }

  @Override
  public NDArray target(NDArray memberLogits, DistillSpec spec) {
    return null;
  }

  @Override
  public boolean readsTeacherLogits() {
    return false;
  }

  @Override
  public String formula(DistillSpec spec) {
    return "CE(y, p_S)";
  }

  @Override
  public String ensembleTarget(DistillSpec spec, int members) {
    return "";
  }

  @Override
  public String constants(DistillSpec spec, DoubleFunction<String> number) {
    return "";
  }

  @Override
  public String shortName(DistillSpec spec) {
    return "none (hard-label CE at weight 1)";
  }
}
