package dev.mentor.messages.spec;

/**
 * Stage 1 of LP-FT: the linear probe, trained to convergence (at most {@code epochs}, stopped
 * when validation loss has not improved for {@code patience} epochs, best weights restored) at
 * learning rate {@code lr}. Stage 2 is the arm's own full fine-tuning from those weights.
 */
public record LpFtSpec(Integer epochs, Double lr, Integer patience) {
  public LpFtSpec {
    epochs = Check.positive("epochs", epochs == null ? 50 : epochs, SpecLimits.MAX_EPOCHS);
    lr = Check.positive("lr", lr == null ? 1e-2 : lr);
    patience = Check.positive("patience", patience == null ? 5 : patience);
  }

  public static LpFtSpec defaults() {
    return new LpFtSpec(null, null, null);
  }
}
