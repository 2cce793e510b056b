package dev.mentor.training.loop;

/** The loss became NaN or infinite: a failure with a reason, never a silent result. */
public final class TrainingDivergedException extends RuntimeException {
  public TrainingDivergedException(String message) {
    super(message);
  }
}
