package dev.mentor.training.distill;

import ai.djl.ndarray.NDManager;
import dev.mentor.training.loop.Batches;
import java.util.Set;

/**
 * Where a student's objective gets its teacher's outputs for a batch, always for exactly the
 * batch's samples: the members' logits {@code [batch, members, classes]} and the requested stage
 * outputs. Implementations: {@link LiveTeacherOutputs} (the teacher runs in the student's loop,
 * on the student's inputs or the samples' clean versions), {@link CachedTeacherOutputs} (logits
 * computed once per sample) and {@link RemoteTeacherOutputs} (streamed from a process running the
 * teacher).
 */
public interface TeacherOutputs {
  /** The teacher's outputs for batch {@code index} of {@code epoch}, with the stage outputs of {@code taps}, as arrays of {@code step}. */
  Teacher.Output forBatch(int epoch, int index, Batches.Batch batch, Set<String> taps, NDManager step);

  /** Told once the batch's loss is computed, so a stream can release it. */
  default void consumed(int epoch, int index) {}
}
