package dev.mentor.messages.spec;

import java.util.List;

/**
 * Makes an arm a distillation student. Its loss is
 * {@code (1 − α)·CE(y, s) + α·L_logits + Σ weight·L_feature}, where {@code L_logits} is
 * <ul>
 *   <li>{@code soft-targets} (default): T²·KL(p_T ‖ p_S), both softmaxes at temperature
 *       {@code temperature}, KL summed over classes and averaged over the batch ("batchmean");
 *       {@code softLoss: cross-entropy} uses the soft cross-entropy instead (same gradient)</li>
 *   <li>{@code logit-matching}: mean squared error between pre-softmax logits</li>
 *   <li>{@code none}: feature terms only, with the hard-label cross-entropy at weight 1</li>
 * </ul>
 * Inference is always at T = 1. An ensemble teacher's target averages its members' tempered
 * probabilities ({@code average: probabilities}, default) or their logits ({@code logits}).
 * {@code teacherInput: clean} gives the teacher the student's samples without the student task's
 * shift (self-distillation from full to degraded inputs); {@code same} (default) gives it the
 * student's own inputs.
 */
public record DistillSpec(
    TeacherSpec teacher,
    LogitMode logits,
    Double temperature,
    Double alpha,
    SoftLoss softLoss,
    Average average,
    TeacherInput teacherInput,
    List<FeatureTermSpec> features) {

  /** The logit term (see the class comment). */
  public enum LogitMode implements SpecName {
    SOFT_TARGETS, LOGIT_MATCHING, NONE;

    @Override
    public String toString() {
      return specName();
    }
  }

  /** The soft-target loss: KL divergence or the soft cross-entropy (same gradient). */
  public enum SoftLoss implements SpecName {
    KL, CROSS_ENTROPY;

    @Override
    public String toString() {
      return specName();
    }
  }

  /** What an ensemble teacher averages over its members: tempered probabilities or logits. */
  public enum Average implements SpecName {
    PROBABILITIES, LOGITS;

    @Override
    public String toString() {
      return specName();
    }
  }

  /** The teacher's inputs: the student's own, or the student's samples without the task's shift. */
  public enum TeacherInput implements SpecName {
    SAME, CLEAN;

    @Override
    public String toString() {
      return specName();
    }
  }

  public DistillSpec {
    teacher = Check.required("teacher", teacher);
    logits = logits == null ? LogitMode.SOFT_TARGETS : logits;
    features = features == null ? List.of() : Check.noNulls("features", features);
    boolean soft = logits == LogitMode.SOFT_TARGETS;
    if (temperature != null && !soft) {
      throw new SpecException("temperature", "applies to logits 'soft-targets' only, this student uses '" + logits + "'");
    }
    if (temperature != null && !(temperature > 0)) {
      throw new SpecException("temperature", "must be > 0, got " + temperature);
    }
    // What does not apply stays absent, so that the resolved spec reads back as itself.
    temperature = soft ? (temperature == null ? 4.0 : temperature) : null;
    if (logits == LogitMode.NONE) {
      if (alpha != null) {
        throw new SpecException("alpha", "weights the teacher's logit term, and logits is 'none'; remove alpha");
      }
      if (features.isEmpty()) {
        throw new SpecException("features", "logits 'none' leaves nothing to distil: add a feature term or choose logits "
            + LogitMode.SOFT_TARGETS + ", " + LogitMode.LOGIT_MATCHING);
      }
    } else {
      alpha = Check.inRange("alpha", alpha == null ? 0.9 : alpha, 0, 1);
    }
    if (softLoss != null && !soft) {
      throw new SpecException("softLoss", "applies to logits 'soft-targets' only");
    }
    softLoss = soft ? (softLoss == null ? SoftLoss.KL : softLoss) : null;
    average = average == null ? Average.PROBABILITIES : average;
    teacherInput = teacherInput == null ? TeacherInput.SAME : teacherInput;
    long twoStage = features.stream().filter(f -> f.hintEpochs() != null && f.hintEpochs() > 0).count();
    if (twoStage > 1) {
      throw new SpecException("features", "at most one two-stage FitNets term (hintEpochs > 0), got " + twoStage);
    }
  }

  /** The temperature of the logit term: {@code temperature} for soft targets, 1 otherwise. */
  public double logitTemperature() {
    return temperature == null ? 1.0 : temperature;
  }

  /** The weight α of the logit term: 0 for logits {@code none} (hard-label cross-entropy at weight 1). */
  public double logitWeight() {
    return alpha == null ? 0.0 : alpha;
  }

  /** Epochs of FitNets hint pre-training before the distillation phase; 0 when there is none. */
  public int hintEpochs() {
    return features.stream().filter(f -> f.hintEpochs() != null).mapToInt(FeatureTermSpec::hintEpochs).max().orElse(0);
  }

  /** The two-stage FitNets term, or null. */
  public FeatureTermSpec hintTerm() {
    return features.stream().filter(f -> f.hintEpochs() != null && f.hintEpochs() > 0).findFirst().orElse(null);
  }
}
