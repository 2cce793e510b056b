package dev.mentor.messages.spec;


/**
 * Stop when the validation {@code metric} has not improved for {@code patience} epochs (by more
 * than {@code minDelta}) and restore the weights of the best validation epoch.
 */
public record EarlyStoppingSpec(Integer patience, Metric metric, Double minDelta) {
  /** The validation metric watched: loss (lower is better) or accuracy (higher is better). */
  public enum Metric implements SpecName {
    LOSS, ACCURACY;

    @Override
    public String toString() {
      return specName();
    }
  }

  public EarlyStoppingSpec {
    patience = Check.positive("patience", patience == null ? 5 : patience);
    metric = metric == null ? Metric.LOSS : metric;
    minDelta = Check.nonNegative("minDelta", minDelta == null ? 0.0 : minDelta);
  }
}
