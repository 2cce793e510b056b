package dev.mentor.messages.spec;

import java.util.List;

/**
 * A feature-based distillation term added to the student's loss with {@code weight}, over one or
 * more matched (student stage, teacher stage) pairs, each pair contributing one named term:
 * <ul>
 *   <li>{@code attention}: attention transfer (Zagoruyko &amp; Komodakis), maps Σ_c |A_c|^p
 *       ({@code p}, default 2), L2-normalised; needs feature maps (CNN stages)</li>
 *   <li>{@code similarity}: similarity-preserving (Tung &amp; Mori), batch Gram matrices; any stages</li>
 *   <li>{@code fitnets}: hint learning (Romero et al.), a trainable regressor from the student's
 *       guided stage to the teacher's hint stage, MSE; {@code hintEpochs} = 0 trains hint and task
 *       loss together (one stage), &gt; 0 first trains the student up to the guided stage on the hint
 *       alone for that many epochs (two stages: FitNets' original recipe), then without the hint</li>
 * </ul>
 * Pairs must keep depth order: a deeper student stage never matches a shallower teacher stage
 * than an earlier pair's.
 */
public record FeatureTermSpec(String method, List<StagePair> pairs, Double weight, Double p, Integer hintEpochs) {
  public static final List<String> METHODS = List.of("attention", "similarity", "fitnets");

  public FeatureTermSpec {
    method = Check.oneOf("method", method, null, METHODS);
    pairs = Check.nonEmpty("pairs", pairs);
    Check.noNulls("pairs", pairs);
    weight = Check.positive("weight", weight == null ? defaultWeight(method) : weight);
    if (p != null && !method.equals("attention")) {
      throw new SpecException("p", "applies to method 'attention' only");
    }
    p = method.equals("attention") ? (p == null ? 2.0 : p) : null;
    if (p != null && !(p >= 1)) {
      throw new SpecException("p", "must be >= 1 (|A|^p has an infinite gradient at 0 below 1, and feature maps after ReLU hold zeros), got " + p);
    }
    if (hintEpochs != null && !method.equals("fitnets")) {
      throw new SpecException("hintEpochs", "applies to method 'fitnets' only");
    }
    hintEpochs = method.equals("fitnets") ? Check.nonNegative("hintEpochs", hintEpochs == null ? 0 : hintEpochs) : null;
    if (method.equals("fitnets") && hintEpochs > 0 && pairs.size() != 1) {
      throw new SpecException("pairs", "two-stage FitNets (hintEpochs > 0) pre-trains up to one guided stage: give one pair, got " + pairs.size());
    }
  }

  /** The usual weights from the methods' papers, scaled to this loss's reductions. */
  private static double defaultWeight(String method) {
    return switch (method) {
      case "attention" -> 1.0;
      case "similarity" -> 3000.0;
      default -> 1.0;
    };
  }
}
