package dev.mentor.messages.spec;

import java.util.List;

/**
 * Where a student's teacher comes from: an earlier arm of the same experiment trained with the
 * same seed ({@code arm}; an arm with {@code ensemble} members gives an ensemble teacher), or a
 * model file of an earlier run ({@code checkpoint}, with the {@code model} it was trained as).
 * Either way the teacher runs in inference mode and must predict the student's classes in the
 * student's order. A checkpoint written by Mentor records its classes; for any other file,
 * {@code classes} states the source classes its head predicts, in order.
 */
public record TeacherSpec(String arm, String checkpoint, ModelSpec model, List<Integer> classes) {
  public TeacherSpec {
    if ((arm == null) == (checkpoint == null)) {
      throw new SpecException("", "give exactly one of 'arm' (an earlier arm's name) or 'checkpoint' (a model file, with 'model')");
    }
    if (checkpoint != null && model == null) {
      throw new SpecException("model", "a teacher checkpoint needs the model it was trained as (the same fields as an arm's model)");
    }
    if (arm != null && model != null) {
      throw new SpecException("model", "a teacher arm brings its own model; remove model");
    }
    if (arm != null && classes != null) {
      throw new SpecException("classes", "a teacher arm's classes are its task's; remove classes");
    }
    classes = classes == null ? null : Check.nonEmpty("classes", classes);
  }
}
