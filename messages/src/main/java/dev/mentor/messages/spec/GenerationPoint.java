package dev.mentor.messages.spec;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * Where an arm expanded from a born-again arm ({@code bornAgain}) sits among its generations: the
 * arm as the file wrote it ({@code arm}), its generation {@code number} of {@code of} (from 1;
 * 0 marks the scratch baseline trained for the generations' total epochs), which earlier
 * generations teach it ({@code teachers}: the previous one, or the ensemble of all of them), the
 * arm its first generation learns from ({@code from}, null when generation 1 learns from the
 * labels alone), and whether that arm's architecture may differ ({@code architectureChange}).
 * Reports group generations by it; the resolved spec keeps it, so it reads back as the same
 * experiment. An arm written by hand has none.
 */
public record GenerationPoint(String arm, Integer number, Integer of, BornAgainSpec.Teachers teachers, String from, Boolean architectureChange) {
  public GenerationPoint {
    arm = Check.required("arm", arm);
    of = Check.positive("of", Check.required("of", of), SpecLimits.MAX_GENERATIONS);
    number = Check.required("number", number);
    if (number < 0 || number > of) {
      throw new SpecException("number", "must be in [0, " + of + "] (0: the budget-matched scratch baseline), got " + number);
    }
    teachers = teachers == null ? BornAgainSpec.Teachers.PREVIOUS : teachers;
    architectureChange = Boolean.TRUE.equals(architectureChange);
  }

  /** Whether this is the scratch baseline with the generations' total budget rather than a generation. */
  @JsonIgnore
  public boolean isBaseline() {
    return number == 0;
  }
}
