package dev.mentor.messages.spec;

/**
 * Born-again networks (Furlanello et al. 2018): an arm with {@code bornAgain} is expanded into
 * {@code generations} arms of its own architecture, {@code <name>-g1} ... {@code <name>-gN}, each
 * a run of its own in the plan. Generation 1 learns from the labels (or, with {@code from}, is
 * distilled from that earlier arm); generation k+1 is distilled from generation k
 * ({@code teacher: previous}) or from the ensemble of generations 1..k ({@code teacher: all}),
 * with the loss the arm's {@code distill} settings give (its teacher is left out: the generations
 * set it). With {@code baseline} (default true) an arm {@code <name>-scratch} trains the same
 * model from the labels for all generations' epochs together, the equal-budget comparison. An
 * arm {@code from} of another architecture is refused unless {@code architectureChange: true}
 * says that is meant (the sequence is then no longer "born again" in the paper's sense).
 *
 * <p>The expansion happens when the spec is read; the resolved spec holds the generated arms,
 * each with its {@link GenerationPoint}.
 */
public record BornAgainSpec(Integer generations, Teachers teacher, String from, Boolean architectureChange, Boolean baseline) {
  /** Which earlier generations teach generation k+1. */
  public enum Teachers implements SpecName {
    PREVIOUS, ALL;

    @Override
    public String toString() {
      return specName();
    }
  }

  public BornAgainSpec {
    if (generations == null) {
      throw new SpecException("generations", "is required: the number of generations (>= 1)");
    }
    if (generations < 1 || generations > SpecLimits.MAX_GENERATIONS) {
      throw new SpecException("generations", "must be in [1, " + SpecLimits.MAX_GENERATIONS + "], got " + generations);
    }
    teacher = teacher == null ? Teachers.PREVIOUS : teacher;
    architectureChange = Boolean.TRUE.equals(architectureChange);
    baseline = baseline == null || baseline;
    if (architectureChange && from == null) {
      throw new SpecException("architectureChange", "applies to the arm named by 'from', and there is none: every generation has this arm's model");
    }
  }
}
