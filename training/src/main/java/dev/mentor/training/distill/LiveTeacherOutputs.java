package dev.mentor.training.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.mentor.training.loop.Batches;
import java.util.Arrays;
import java.util.Set;

/**
 * The teacher run in the student's loop on every batch: on the student's inputs, or on the
 * teacher's own batches of the same samples ({@code teacherBatches}: their clean versions, shuffled
 * alike, checked sample by sample).
 */
final class LiveTeacherOutputs implements TeacherOutputs {
  private final Teacher teacher;
  private final Batches teacherBatches;

  /** {@code teacherBatches}: null to give the teacher the student's inputs. */
  LiveTeacherOutputs(Teacher teacher, Batches teacherBatches) {
    this.teacher = teacher;
    this.teacherBatches = teacherBatches;
  }

  @Override
  public Teacher.Output forBatch(int epoch, int index, Batches.Batch batch, Set<String> taps, NDManager step) {
    return teacher.forward(input(index, batch, step), taps);
  }

  private NDArray input(int index, Batches.Batch batch, NDManager step) {
    if (teacherBatches == null) {
      return batch.inputs();
    }
    Batches.Batch clean = teacherBatches.get(index, step);
    if (!Arrays.equals(clean.sampleIds(), batch.sampleIds())) {
      throw new IllegalStateException("teacher and student batches " + index + " hold different samples: the teacher's view of the data"
          + " is misaligned with the student's");
    }
    return clean.inputs();
  }
}
