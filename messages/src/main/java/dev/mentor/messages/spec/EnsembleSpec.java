package dev.mentor.messages.spec;

/**
 * Makes an arm a deep ensemble: {@code members} copies of the arm's model, each trained with its
 * own seed (initialisation, data order, dropout and augmentation), derived from the run's seed.
 * The run is evaluated as the ensemble (average of member probabilities) with its uncertainty.
 * {@code codistill} makes the members learn from each other while they train (see {@link CodistillSpec}).
 */
public record EnsembleSpec(Integer members, CodistillSpec codistill) {
  public EnsembleSpec(Integer members) {
    this(members, null);
  }

  public EnsembleSpec {
    if (members == null) {
      throw new SpecException("members", "give the number of ensemble members (>= 1)");
    }
    if (members < 1) {
      throw new SpecException("members", "an ensemble needs at least 1 member, got " + members);
    }
    if (codistill != null && members < 2) {
      throw new SpecException("codistill", "co-distillation needs at least 2 members to learn from each other, got " + members);
    }
  }
}
