package dev.mentor.training.run;

import dev.mentor.messages.spec.SpecException;
import dev.mentor.training.model.ModelWeights;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Checks that a checkpoint's head predicts the classes a task labels, in the task's order. The
 * class count alone is not enough: a head trained on classes [0..4] has five outputs for a task on
 * [5..9] too, and every prediction would silently mean another class. Mentor's own weights files
 * record their classes ({@link ModelWeights#save(dev.mentor.training.model.StagedModel, Path, List)});
 * for another file the spec states them.
 */
final class HeadClasses {
  private HeadClasses() {}

  /**
   * @param field the spec field naming the checkpoint, e.g. {@code arms[2].init.checkpoint}
   * @param classesField the spec field that may state the file's classes
   * @param stated the classes the spec states for the file, or null
   * @param taskClasses the task's source classes, in label order
   */
  static void check(Path file, String field, String classesField, List<Integer> stated, List<Integer> taskClasses) {
    Optional<List<Integer>> recorded;
    try {
      recorded = ModelWeights.classes(file);
    } catch (IOException e) {
      throw new SpecException(field, "cannot read " + file + ": " + e.getMessage());
    }
    if (recorded.isPresent() && stated != null && !recorded.get().equals(stated)) {
      throw new SpecException(classesField, "states classes " + stated + " but " + file + " records that its head predicts " + recorded.get());
    }
    List<Integer> head = recorded.orElse(stated);
    if (head == null) {
      throw new SpecException(classesField, "the head in " + file + " does not record which classes it predicts (it was not written by"
          + " Mentor); state them, in output order, e.g. classes: " + taskClasses);
    }
    if (!head.equals(taskClasses)) {
      throw new SpecException(field, "the head in " + file + " predicts classes " + head + " but the task has classes " + taskClasses
          + ": its outputs would mean other classes than the labels; use a checkpoint trained on the task's classes in the task's order"
          + " (or, to start from the backbone only, keepHead: false)");
    }
  }
}
