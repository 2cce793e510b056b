package dev.mentor.training.distill;

import ai.djl.ndarray.NDArray;
import dev.mentor.messages.spec.DistillSpec.Average;
import dev.mentor.messages.spec.DistillSpec.LogitMode;
import dev.mentor.messages.spec.DistillSpec.SoftLoss;
import dev.mentor.messages.spec.DistillSpec;
import java.util.List;
import java.util.function.DoubleFunction;

/** Soft targets (Hinton et al.): α·T²·KL(p_T ‖ p_S), batchmean, or the soft cross-entropy with the same gradient. */
final class SoftTargetsMethod implements LogitMethod {
  @Override
  public LogitMode mode() {
    return LogitMode.SOFT_TARGETS;
  }

  @Override
  public CompositeLoss.Term term(DistillSpec spec, double alpha) {
    return new CompositeLoss.Term("kd", alpha, new SoftTargetLoss(spec.logitTemperature(), kl(spec)), List.of("target"), List.of("logits"));
  }

  @Override
  public boolean tempered() {
    return true;
  }

  @Override
  public NDArray target(NDArray memberLogits, DistillSpec spec) {
    NDArray target = EnsembleTargets.probabilities(memberLogits, spec.logitTemperature(), spec.average() == Average.LOGITS);
    target.setName("target");
    return target;
  }

  @Override
  public String formula(DistillSpec spec) {
    return "(1 − α)·CE(y, p_S) + α·T²·" + (kl(spec) ? "KL(p_T‖p_S)" : "CE(p_T, p_S)")
        + " (softmaxes at temperature T, summed over classes, averaged over the batch: batchmean)";
  }

  @Override
  public String ensembleTarget(DistillSpec spec, int members) {
    return spec.average() == Average.LOGITS ? "; ensemble target from the mean of the " + members + " members' logits"
        : "; ensemble target p_T = mean of the " + members + " members' tempered probabilities";
  }

  @Override
  public String constants(DistillSpec spec, DoubleFunction<String> number) {
    double t = spec.logitTemperature();
    double alpha = spec.logitWeight();
    return ", with T = " + number.apply(t) + " and α = " + number.apply(alpha) + ", i.e. " + number.apply(1 - alpha) + "·CE + "
        + number.apply(alpha * t * t) + "·" + (kl(spec) ? "KL" : "soft CE");
  }

  @Override
  public String shortName(DistillSpec spec) {
    return "soft targets, " + (kl(spec) ? "KL" : "soft cross-entropy");
  }

  private static boolean kl(DistillSpec spec) {
    return spec.softLoss() == SoftLoss.KL;
  }
}
