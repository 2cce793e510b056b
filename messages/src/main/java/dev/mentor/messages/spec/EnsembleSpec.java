package dev.mentor.messages.spec;

/**
 * Makes an arm a deep ensemble: {@code members} copies of the arm's model, each trained with its
 * own seed (initialisation, data order, dropout and augmentation), derived from the run's seed.
 * The run is evaluated as the ensemble (average of member probabilities) with its uncertainty.
 * {@code codistill} makes the members learn from each other while they train (see {@link CodistillSpec}).
 *
 * <p>{@code stacked} trains the members as one model whose layers are grouped (grouped
 * convolutions, batched matrix products), each member keeping its own initial weights, data order,
 * dropout draws and optimiser state, then writes each member's weights and record as if it had
 * trained alone. {@code true} asks for it and is refused for an arm the stacker cannot stack (see
 * {@link ArmSpec#stackingObstacle()}); {@code false} trains the members one after another; left
 * out ({@code null}), the arm is stacked when {@link #STACKED_BY_DEFAULT} and the arm can be stacked.
 */
public record EnsembleSpec(Integer members, CodistillSpec codistill, Boolean stacked) {
  /**
   * Whether an ensemble arm that does not say {@code stacked} is stacked when it can be: chosen by
   * measurement (docs/benchmarks.md, "Stacked ensembles").
   */
  public static final boolean STACKED_BY_DEFAULT = false;

  public EnsembleSpec(Integer members) {
    this(members, null, null);
  }

  public EnsembleSpec(Integer members, CodistillSpec codistill) {
    this(members, codistill, null);
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
    if (codistill != null && Boolean.TRUE.equals(stacked)) {
      throw new SpecException("stacked", "co-distilled members learn from each other's published weights, one thread each; "
          + "stacking trains independent members only: remove codistill or set stacked: false");
    }
  }
}
