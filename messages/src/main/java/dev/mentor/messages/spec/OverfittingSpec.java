package dev.mentor.messages.spec;

/**
 * The overfitting detector: training loss falling while validation loss rises for
 * {@code epochs} consecutive epochs is recorded as an event; with {@code stop} the run ends there.
 */
public record OverfittingSpec(Integer epochs, Boolean stop) {
  public OverfittingSpec {
    epochs = Check.positive("epochs", epochs == null ? 3 : epochs, SpecLimits.MAX_EPOCHS);
    stop = stop != null && stop;
  }

  public static OverfittingSpec defaults() {
    return new OverfittingSpec(null, null);
  }
}
