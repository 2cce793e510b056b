package dev.mentor.messages.spec;

/**
 * Online co-distillation of an ensemble's members (Anil et al. 2018, "Large scale distributed
 * neural network training through online distillation"; deep mutual learning, Zhang et al. 2018):
 * the members train at the same time, and each adds to its cross-entropy a distillation term
 * towards its peers' average prediction on its own batch, computed with the peers' recently
 * published weights. Loss of member i: {@code (1 − weight)·CE(y, s_i) + weight·T²·KL(p̄_peers ‖ p_i)}
 * at temperature {@code temperature}, KL summed over classes and averaged over the batch. Peers
 * publish their weights after every epoch; at the start of epoch e a member uses peer weights at
 * least of epoch {@code e − 1 − staleness} (it waits for slower peers), so staleness is bounded;
 * the staleness actually used is recorded. {@code burnIn} first epochs train on CE alone (peers
 * are still random; Anil et al. start distilling after a burn-in).
 */
public record CodistillSpec(Double weight, Double temperature, Integer staleness, Integer burnIn) {
  public CodistillSpec {
    weight = weight == null ? 0.5 : weight;
    if (!(weight > 0 && weight <= 1)) {
      throw new SpecException("weight", "the distillation weight must be in (0, 1], got " + weight);
    }
    temperature = temperature == null ? 1.0 : temperature;
    if (!(temperature > 0)) {
      throw new SpecException("temperature", "the temperature must be > 0, got " + temperature);
    }
    staleness = staleness == null ? 1 : staleness;
    if (staleness < 0) {
      throw new SpecException("staleness", "the staleness bound is a number of epochs >= 0, got " + staleness);
    }
    burnIn = burnIn == null ? 0 : burnIn;
    if (burnIn < 0) {
      throw new SpecException("burnIn", "burn-in epochs must be >= 0, got " + burnIn);
    }
  }
}
