package dev.mentor.messages.spec;

import java.util.HashSet;
import java.util.List;

/**
 * A task carved out of the data: which classes (labels remapped to 0..k-1 in the listed order),
 * how many training samples per class ({@code null} = all), how many validation samples per class
 * (taken from the training file, disjoint from the training samples; default: 10% of each class
 * when {@code perClass} is null, otherwise {@code max(perClass, 10)}), how many test samples per class
 * ({@code null} = all of the test file), a {@code shift} applied to every split (the target
 * domain of a domain-adaptation task) and {@code ood} shifts evaluated on the test split in addition.
 * A seed fixes which samples are drawn.
 *
 * <p>Tasks of one experiment that list the same class draw from one order of its samples, and no
 * task trains on a sample another task validates on: each class holds back the largest validation
 * block of the tasks listing it, training samples come from before that block ({@code perClass}
 * null: all of them), and a {@code perClass} that does not fit there is refused.
 * {@code allowOverlap: true} (default false) lifts that for this task: it then draws as if it were
 * alone (its first {@code perClass} samples, or all but its own validation samples), even if some
 * are another task's validation samples; its run records count them.
 */
public record TaskSpec(
    List<Integer> classes,
    Integer perClass,
    Integer validationPerClass,
    Integer testPerClass,
    ShiftSpec shift,
    List<ShiftSpec> ood,
    Boolean allowOverlap) {

  public TaskSpec {
    classes = Check.nonEmpty("classes", classes);
    if (classes.size() < 2) {
      throw new SpecException("classes", "a classification task needs at least 2 classes, got " + classes);
    }
    HashSet<Integer> distinct = new HashSet<>();
    for (int i = 0; i < classes.size(); i++) {
      if (classes.get(i) == null || classes.get(i) < 0) {
        throw new SpecException("classes[" + i + "]", "must be a class index >= 0, got " + classes.get(i));
      }
      if (!distinct.add(classes.get(i))) {
        throw new SpecException("classes", "lists class " + classes.get(i) + " twice");
      }
    }
    if (perClass != null) {
      Check.positive("perClass", perClass);
    }
    if (validationPerClass != null) {
      Check.nonNegative("validationPerClass", validationPerClass);
    }
    if (testPerClass != null) {
      Check.positive("testPerClass", testPerClass);
    }
    ood = ood == null ? List.of() : Check.noNulls("ood", ood);
    allowOverlap = allowOverlap != null && allowOverlap;
    HashSet<String> labels = new HashSet<>();
    for (int i = 0; i < ood.size(); i++) {
      if (!labels.add(ood.get(i).label())) {
        throw new SpecException("ood[" + i + "]", "lists the shift '" + ood.get(i).label() + "' twice");
      }
    }
  }

  /** Validation samples per class this task draws; -1 means "10% of each class". */
  public int effectiveValidationPerClass() {
    if (validationPerClass != null) {
      return validationPerClass;
    }
    return perClass == null ? -1 : Math.max(perClass, 10);
  }
}
