package dev.mentor.training.data;

/**
 * Data that cannot be used as asked: a missing or corrupt file, a task that asks for more samples
 * than exist, a class index out of range. The message names the file or field concerned and says
 * what was expected and what was found, so a researcher can fix the input without reading code.
 */
public final class DataException extends RuntimeException {
  public DataException(String message) {
    super(message);
  }

  public DataException(String message, Throwable cause) {
    super(message, cause);
  }
}
