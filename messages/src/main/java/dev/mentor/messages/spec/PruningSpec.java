package dev.mentor.messages.spec;


/**
 * Magnitude pruning: before training, the {@code fraction} of weights (conv and linear kernels,
 * not biases or BatchNorm) with the smallest magnitude is set to zero, ranked over the whole
 * model ({@code global}) or within each layer ({@code layer}); the mask is re-applied after
 * every step, so the model is fine-tuned with the remaining weights. Sparsity is reported.
 */
public record PruningSpec(Double fraction, Scope scope) {
  /** Where the magnitude threshold is taken: over all pruned weights at once, or per layer. */
  public enum Scope implements SpecName {
    GLOBAL, LAYER;

    @Override
    public String toString() {
      return specName();
    }
  }

  public PruningSpec {
    fraction = Check.required("fraction", fraction);
    if (!(fraction > 0 && fraction < 1)) {
      throw new SpecException("fraction", "must be in (0, 1), got " + fraction);
    }
    scope = scope == null ? Scope.GLOBAL : scope;
  }
}
