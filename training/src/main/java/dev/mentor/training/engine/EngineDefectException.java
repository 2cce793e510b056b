package dev.mentor.training.engine;

/** The engine computed wrong numbers in {@link EngineSelfCheck}: training on this process would not be trustworthy. */
public final class EngineDefectException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  public EngineDefectException(String message) {
    super(message);
  }
}
