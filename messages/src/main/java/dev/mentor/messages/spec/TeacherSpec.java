package dev.mentor.messages.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * Where a student's teacher comes from: an earlier arm of the same experiment trained with the
 * same seed ({@code arm}; an arm with {@code ensemble} members gives an ensemble teacher), the
 * ensemble of several earlier arms at that seed ({@code arms}, their probabilities averaged as
 * {@code distill.average} says; born-again generations taught by all earlier ones), or a
 * model file of an earlier run ({@code checkpoint}, with the {@code model} it was trained as).
 * Either way the teacher runs in inference mode and must predict the student's classes in the
 * student's order. A checkpoint written by Mentor records its classes; for any other file,
 * {@code classes} states the source classes its head predicts, in order.
 */
public record TeacherSpec(String arm, String checkpoint, ModelSpec model, List<Integer> classes,
    @JsonInclude(JsonInclude.Include.NON_NULL) List<String> arms) {
  public TeacherSpec {
    int given = (arm == null ? 0 : 1) + (checkpoint == null ? 0 : 1) + (arms == null ? 0 : 1);
    if (given != 1) {
      throw new SpecException("", "give exactly one of 'arm' (an earlier arm's name), 'arms' (earlier arms, as an ensemble) or 'checkpoint'"
          + " (a model file, with 'model')");
    }
    if (arms != null) {
      arms = Check.nonEmpty("arms", Check.noNulls("arms", arms));
      if (arms.stream().distinct().count() < arms.size()) {
        throw new SpecException("arms", "names an arm twice: " + arms);
      }
      if (model != null || classes != null) {
        throw new SpecException(model != null ? "model" : "classes", "teacher arms bring their own models and classes; remove it");
      }
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

  /** A teacher that is one earlier arm. */
  public static TeacherSpec ofArm(String arm) {
    return new TeacherSpec(arm, null, null, null, null);
  }

  /** The earlier arms this teacher is made of ({@code arm} or {@code arms}); empty for a checkpoint. */
  public List<String> armNames() {
    return arm != null ? List.of(arm) : arms != null ? List.copyOf(arms) : List.of();
  }
}
