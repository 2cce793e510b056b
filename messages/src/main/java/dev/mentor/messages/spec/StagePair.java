package dev.mentor.messages.spec;

/** A student stage matched to a teacher stage for a feature-based distillation term. */
public record StagePair(String student, String teacher) {
  public StagePair {
    student = Check.required("student", student);
    teacher = Check.required("teacher", teacher);
  }
}
