package dev.mentor.training.distill;

/** Argument checks shared by the distillation losses, with messages that name the argument. */
final class Arguments {
  private Arguments() {}

  /** {@code value} itself when it is finite and > 0; otherwise IllegalArgumentException naming {@code what}. */
  static double positive(String what, double value) {
    if (!(value > 0) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(what + " must be a finite number > 0, got " + value);
    }
    return value;
  }
}
