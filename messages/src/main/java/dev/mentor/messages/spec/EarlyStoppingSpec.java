package dev.mentor.messages.spec;

import java.util.List;

/**
 * Stop when the validation {@code metric} has not improved for {@code patience} epochs (by more
 * than {@code minDelta}) and restore the weights of the best validation epoch.
 */
public record EarlyStoppingSpec(Integer patience, String metric, Double minDelta) {
  public static final List<String> METRICS = List.of("loss", "accuracy");

  public EarlyStoppingSpec {
    patience = Check.positive("patience", patience == null ? 5 : patience);
    metric = Check.oneOf("metric", metric, "loss", METRICS);
    minDelta = Check.nonNegative("minDelta", minDelta == null ? 0.0 : minDelta);
  }
}
