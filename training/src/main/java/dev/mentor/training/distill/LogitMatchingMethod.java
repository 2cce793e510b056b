package dev.mentor.training.distill;

import ai.djl.ndarray.NDArray;
import dev.mentor.messages.spec.DistillSpec.LogitMode;
import dev.mentor.messages.spec.DistillSpec;
import java.util.List;
import java.util.function.DoubleFunction;

/** Logit matching (Ba and Caruana): α·MSE between the student's and the teacher's pre-softmax logits. */
final class LogitMatchingMethod implements LogitMethod {
  @Override
  public LogitMode mode() {
    return LogitMode.LOGIT_MATCHING;
  }

  @Override
  public CompositeLoss.Term term(DistillSpec spec, double alpha) {
    return new CompositeLoss.Term("logits", alpha, new LogitMatchingLoss(), List.of("teacherLogits"), List.of("logits"));
  }

  @Override
  public NDArray target(NDArray memberLogits, DistillSpec spec) {
    NDArray target = EnsembleTargets.meanLogits(memberLogits);
    target.setName("teacherLogits");
    return target;
  }

  @Override
  public String formula(DistillSpec spec) {
    return "(1 − α)·CE(y, p_S) + α·MSE(z_S, z_T) (mean over batch and classes)";
  }

  @Override
  public String ensembleTarget(DistillSpec spec, int members) {
    return "; ensemble target from the mean of the " + members + " members' logits";
  }

  @Override
  public String constants(DistillSpec spec, DoubleFunction<String> number) {
    return ", with α = " + number.apply(spec.logitWeight());
  }

  @Override
  public String shortName(DistillSpec spec) {
    return "logit matching (MSE)";
  }
}
