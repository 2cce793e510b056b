package dev.mentor.messages.spec;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;


/**
 * Stop when the validation {@code metric} has not improved for {@code patience} epochs (by more
 * than {@code minDelta}) and restore the weights of the best validation epoch.
 */
public record EarlyStoppingSpec(Integer patience, Metric metric, Double minDelta) {
  /** The validation metric watched: loss (lower is better) or accuracy (higher is better). */
  public enum Metric implements SpecName {
    LOSS("loss"), ACCURACY("accuracy");

    private final String specName;

    Metric(String specName) {
      this.specName = specName;
    }

    @JsonValue
    @Override
    public String specName() {
      return specName;
    }

    @JsonCreator
    public static Metric of(String name) {
      return SpecName.parse(Metric.class, name);
    }

    @Override
    public String toString() {
      return specName;
    }
  }

  public EarlyStoppingSpec {
    patience = Check.positive("patience", patience == null ? 5 : patience);
    metric = metric == null ? Metric.LOSS : metric;
    minDelta = Check.nonNegative("minDelta", minDelta == null ? 0.0 : minDelta);
  }
}
