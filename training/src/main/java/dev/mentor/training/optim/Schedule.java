package dev.mentor.training.optim;

import ai.djl.training.tracker.Tracker;
import dev.mentor.messages.spec.ScheduleSpec;

/**
 * Learning-rate multiplier over optimiser steps, as a DJL {@link Tracker} of the factor applied
 * to the peak rate: linear warmup from 1/(warmupSteps+1) to 1 over the first {@code warmupSteps}
 * steps, then constant, cosine decay that reaches {@code minLrFactor} just after the last step, or step decay
 * by {@code stepFactor} every {@code stepEpochs} epochs. {@code numUpdate} counts from 0.
 */
public final class Schedule implements Tracker {
  private final ScheduleSpec spec;
  private final int warmupSteps;
  private final int totalSteps;
  private final int stepsPerEpoch;

  public Schedule(ScheduleSpec spec, int stepsPerEpoch, int epochs) {
    this.spec = spec;
    this.stepsPerEpoch = Math.max(1, stepsPerEpoch);
    this.totalSteps = this.stepsPerEpoch * epochs;
    this.warmupSteps = (int) Math.round(spec.warmupEpochs() * this.stepsPerEpoch);
  }

  @Override
  public float getNewValue(int numUpdate) {
    return (float) factor(numUpdate);
  }

  public double factor(int step) {
    if (step < warmupSteps) {
      return (step + 1.0) / (warmupSteps + 1.0);
    }
    return switch (spec.decay()) {
      case COSINE -> {
        int span = Math.max(1, totalSteps - warmupSteps);
        double progress = Math.min(1.0, (step - warmupSteps) / (double) span);
        double min = spec.minLrFactor();
        yield min + (1 - min) * 0.5 * (1 + Math.cos(Math.PI * progress));
      }
      case STEP -> Math.pow(spec.stepFactor(), Math.floor(step / (double) (spec.stepEpochs() * stepsPerEpoch)));
      case NONE -> 1.0;
    };
  }
}
