package dev.mentor.messages.spec;

/**
 * The overfitting detector: training loss falling while validation loss rises for
 * {@code epochs} consecutive epochs is recorded as an event; with {@code stop} the run ends there
 * and is evaluated with the weights of its best validation epoch: early stopping's best when the
 * phase has early stopping, else the epoch of lowest validation loss (never the last epoch's
 * weights, which follow the epochs of rising validation loss).
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
