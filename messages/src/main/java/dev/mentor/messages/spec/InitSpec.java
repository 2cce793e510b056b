package dev.mentor.messages.spec;

import java.util.List;

/**
 * Where an arm's starting weights come from: another arm of the same experiment trained with
 * the same seed ({@code from}), or a checkpoint file of an earlier run ({@code checkpoint}).
 * Every stage but the head is loaded (names and shapes checked); the head is loaded too only when
 * {@code keepHead} is set, and only for the same classes in the same order as the arm's task
 * (checked, since a head for other classes has outputs of the right count but the wrong meaning),
 * otherwise a fresh head is initialised for the arm's task. A checkpoint written by Mentor records
 * its classes; for any other file, {@code classes} states the source classes its head predicts,
 * in order.
 */
public record InitSpec(String from, String checkpoint, Boolean keepHead, List<Integer> classes) {
  public InitSpec {
    if ((from == null) == (checkpoint == null)) {
      throw new SpecException("", "give exactly one of 'from' (an arm name) or 'checkpoint' (a file)");
    }
    keepHead = keepHead != null && keepHead;
    if (classes != null && (checkpoint == null || !keepHead)) {
      throw new SpecException("classes", "states the classes of a checkpoint's kept head: it applies with checkpoint and keepHead: true only");
    }
    classes = classes == null ? null : Check.nonEmpty("classes", classes);
  }
}
