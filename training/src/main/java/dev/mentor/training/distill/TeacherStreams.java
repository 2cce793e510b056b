package dev.mentor.training.distill;

/**
 * Where a student run gets a teacher that runs elsewhere (another thread, process or machine),
 * for distillation whose teacher must run live every epoch (augmented inputs) on logits only.
 * {@link #open} is called when the run starts (or resumes after {@code epochsDone} epochs); the
 * returned teacher is closed when the run ends, however it ends. Returning null keeps the teacher
 * in the student's own loop.
 */
public interface TeacherStreams {
  RemoteTeacher open(Request request);

  /** The student run a teacher stream is for: the teacher must replay its batches from epoch {@code epochsDone + 1}. */
  record Request(String experiment, String studentArm, long seed, int epochsDone, int members, int classes) {}
}
