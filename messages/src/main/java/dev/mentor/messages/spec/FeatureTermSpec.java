package dev.mentor.messages.spec;

import java.util.List;

/**
 * A feature-based distillation term added to the student's loss with {@code weight}, over one or
 * more matched (student stage, teacher stage) pairs, each pair contributing one named term:
 * <ul>
 *   <li>{@code attention}: attention transfer (Zagoruyko &amp; Komodakis), maps Σ_c |A_c|^p
 *       ({@code p}, default 2), L2-normalised per sample; needs feature maps (CNN stages). Its
 *       {@code form} (attention only) picks the loss:
 *       <ul>
 *         <li>{@code paper} (the default, so specs written before the field keep their meaning and
 *             numbers): the paper's equation, the unsquared L2 distance ‖Q_S − Q_T‖₂ averaged over
 *             the batch, default weight 1. The paper states its β only for its code's squared form,
 *             so weight 1 for this form is Mentor's choice, not the paper's; the examples use this
 *             form (with weight 2).</li>
 *         <li>{@code reference-code}: the authors' code, (β/2) · the mean over batch and H·W
 *             positions of (Q_S − Q_T)², β being this term's {@code weight}, default 1000 (their β).</li>
 *       </ul></li>
 *   <li>{@code similarity}: similarity-preserving (Tung &amp; Mori), batch Gram matrices; any stages;
 *       default weight 3000</li>
 *   <li>{@code fitnets}: hint learning (Romero et al.), a trainable regressor from the student's
 *       guided stage to the teacher's hint stage, MSE, default weight 1; {@code hintEpochs} = 0
 *       trains hint and task loss together (one stage), &gt; 0 first trains the student up to the
 *       guided stage on the hint alone for that many epochs (two stages: FitNets' original recipe),
 *       then without the hint</li>
 * </ul>
 * Pairs must keep depth order: a deeper student stage never matches a shallower teacher stage
 * than an earlier pair's.
 */
public record FeatureTermSpec(Method method, List<StagePair> pairs, Double weight, Double p, Integer hintEpochs, Form form) {
  /** A feature-distillation method (see the class comment). */
  public enum Method implements SpecName {
    ATTENTION, SIMILARITY, FITNETS;

    @Override
    public String toString() {
      return specName();
    }
  }

  /** The attention-transfer loss: the paper's equation or the authors' code. */
  public enum Form implements SpecName {
    PAPER, REFERENCE_CODE;

    @Override
    public String toString() {
      return specName();
    }
  }

  public FeatureTermSpec {
    if (method == null) {
      throw new SpecException("method", "is required; allowed: " + SpecName.listed(Method.class));
    }
    pairs = Check.nonEmpty("pairs", pairs);
    Check.noNulls("pairs", pairs);
    if (form != null && method != Method.ATTENTION) {
      throw new SpecException("form", "applies to method 'attention' only");
    }
    form = method == Method.ATTENTION ? (form == null ? Form.PAPER : form) : null;
    weight = Check.positive("weight", weight == null ? defaultWeight(method, form) : weight);
    if (p != null && method != Method.ATTENTION) {
      throw new SpecException("p", "applies to method 'attention' only");
    }
    p = method == Method.ATTENTION ? (p == null ? 2.0 : p) : null;
    if (p != null && !(p >= 1)) {
      throw new SpecException("p", "must be >= 1 (|A|^p has an infinite gradient at 0 below 1, and feature maps after ReLU hold zeros), got " + p);
    }
    if (hintEpochs != null && method != Method.FITNETS) {
      throw new SpecException("hintEpochs", "applies to method 'fitnets' only");
    }
    hintEpochs = method == Method.FITNETS ? Check.nonNegative("hintEpochs", hintEpochs == null ? 0 : hintEpochs) : null;
    if (method == Method.FITNETS && hintEpochs > 0 && pairs.size() != 1) {
      throw new SpecException("pairs", "two-stage FitNets (hintEpochs > 0) pre-trains up to one guided stage: give one pair, got " + pairs.size());
    }
  }

  /**
   * The default weight of a method's term (see the class comment): attention in the authors'
   * code's form takes their β = 1000; in the paper's form, 1 (Mentor's choice); similarity 3000;
   * FitNets 1.
   */
  private static double defaultWeight(Method method, Form form) {
    return switch (method) {
      case ATTENTION -> form == Form.REFERENCE_CODE ? 1000.0 : 1.0;
      case SIMILARITY -> 3000.0;
      case FITNETS -> 1.0;
    };
  }
}
