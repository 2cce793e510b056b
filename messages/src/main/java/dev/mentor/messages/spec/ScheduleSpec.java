package dev.mentor.messages.spec;

import java.util.List;

/**
 * Learning-rate schedule over optimiser steps: a linear warmup from ~0 to the peak rate over
 * {@code warmupEpochs}, then {@code decay}: {@code none}, {@code cosine} (to {@code minLrFactor}·peak
 * at the last step) or {@code step} (multiplied by {@code stepFactor} every {@code stepEpochs}).
 */
public record ScheduleSpec(Double warmupEpochs, Decay decay, Double minLrFactor, Integer stepEpochs, Double stepFactor) {
  /** How the rate falls after warmup (see the class comment). */
  public enum Decay implements SpecName {
    NONE, COSINE, STEP;

    @Override
    public String toString() {
      return specName();
    }
  }

  public ScheduleSpec {
    warmupEpochs = Check.nonNegative("warmupEpochs", warmupEpochs == null ? 0.0 : warmupEpochs);
    decay = decay == null ? Decay.NONE : decay;
    minLrFactor = Check.inRange("minLrFactor", minLrFactor == null ? 0.0 : minLrFactor, 0, 1);
    stepEpochs = stepEpochs == null ? 10 : Check.positive("stepEpochs", stepEpochs);
    stepFactor = stepFactor == null ? 0.1 : stepFactor;
    if (!(stepFactor > 0 && stepFactor <= 1)) {
      throw new SpecException("stepFactor", "must be in (0, 1], got " + stepFactor);
    }
  }

  public static ScheduleSpec constant() {
    return new ScheduleSpec(null, null, null, null, null);
  }
}
