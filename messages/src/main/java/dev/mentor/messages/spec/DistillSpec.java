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
    String logits,
    Double temperature,
    Double alpha,
    String softLoss,
    String average,
    String teacherInput,
    List<FeatureTermSpec> features) {

  public static final List<String> LOGIT_METHODS = List.of("soft-targets", "logit-matching", "none");
  public static final List<String> SOFT_LOSSES = List.of("kl", "cross-entropy");
  public static final List<String> AVERAGES = List.of("probabilities", "logits");
  public static final List<String> TEACHER_INPUTS = List.of("same", "clean");

  public DistillSpec {
    teacher = Check.required("teacher", teacher);
    logits = Check.oneOf("logits", logits, "soft-targets", LOGIT_METHODS);
    features = features == null ? List.of() : Check.noNulls("features", features);
    boolean soft = logits.equals("soft-targets");
    if (temperature != null && !soft) {
      throw new SpecException("temperature", "applies to logits 'soft-targets' only, this student uses '" + logits + "'");
    }
    if (temperature != null && !(temperature > 0)) {
      throw new SpecException("temperature", "must be > 0, got " + temperature);
    }
    // What does not apply stays absent, so that the resolved spec reads back as itself.
    temperature = soft ? (temperature == null ? 4.0 : temperature) : null;
    if (logits.equals("none")) {
      if (alpha != null) {
        throw new SpecException("alpha", "weights the teacher's logit term, and logits is 'none'; remove alpha");
      }
      if (features.isEmpty()) {
        throw new SpecException("features", "logits 'none' leaves nothing to distil: add a feature term or choose logits "
            + String.join(", ", LOGIT_METHODS.subList(0, 2)));
      }
    } else {
      alpha = Check.inRange("alpha", alpha == null ? 0.9 : alpha, 0, 1);
    }
    if (softLoss != null && !soft) {
      throw new SpecException("softLoss", "applies to logits 'soft-targets' only");
    }
    softLoss = soft ? Check.oneOf("softLoss", softLoss, "kl", SOFT_LOSSES) : null;
    average = Check.oneOf("average", average, "probabilities", AVERAGES);
    teacherInput = Check.oneOf("teacherInput", teacherInput, "same", TEACHER_INPUTS);
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
