package dev.mentor.messages.spec;

/**
 * Where an arm's starting weights come from: another arm of the same experiment trained with
 * the same seed ({@code from}), or a checkpoint file of an earlier run ({@code checkpoint}).
 * Every stage but the head is loaded (names and shapes checked); the head is loaded too only when
 * {@code keepHead} is set and the label spaces match, otherwise a fresh head is initialised for
 * the arm's task.
 */
public record InitSpec(String from, String checkpoint, Boolean keepHead) {
  public InitSpec {
    if ((from == null) == (checkpoint == null)) {
      throw new SpecException("", "give exactly one of 'from' (an arm name) or 'checkpoint' (a file)");
    }
    keepHead = keepHead != null && keepHead;
  }
}
