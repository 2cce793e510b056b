package dev.mentor.messages.spec;

import java.util.List;

/**
 * Magnitude pruning: before training, the {@code fraction} of weights (conv and linear kernels,
 * not biases or BatchNorm) with the smallest magnitude is set to zero, ranked over the whole
 * model ({@code global}) or within each layer ({@code layer}); the mask is re-applied after
 * every step, so the model is fine-tuned with the remaining weights. Sparsity is reported.
 */
public record PruningSpec(Double fraction, String scope) {
  public static final List<String> SCOPES = List.of("global", "layer");

  public PruningSpec {
    fraction = Check.required("fraction", fraction);
    if (!(fraction > 0 && fraction < 1)) {
      throw new SpecException("fraction", "must be in (0, 1), got " + fraction);
    }
    scope = Check.oneOf("scope", scope, "global", SCOPES);
  }
}
