package dev.mentor.training.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mentor.training.loop.Batches;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** The teacher's outputs streamed from a process running it ({@link RemoteTeacher}), for {@code members} models over {@code classes}. */
final class RemoteTeacherOutputs implements TeacherOutputs {
  private final RemoteTeacher remote;
  private final int members;
  private final int classes;
  private final DirectArrays arrays = new DirectArrays();

  RemoteTeacherOutputs(RemoteTeacher remote, int members, int classes) {
    this.remote = remote;
    this.members = members;
    this.classes = classes;
  }

  @Override
  public Teacher.Output forBatch(int epoch, int index, Batches.Batch batch, Set<String> taps, NDManager step) {
    long[] ids = batch.sampleIds();
    float[] values = remote.memberLogits(epoch, index, ids);
    if (values.length != members * ids.length * classes) {
      throw new IllegalStateException("the remote teacher sent " + values.length + " logits for " + ids.length + " samples; expected "
          + ids.length + " × " + members + " members × " + classes + " classes");
    }
    NDArray memberLogits = arrays.create(values.length, view -> view.put(values), new Shape(ids.length, members, classes), step);
    Map<String, NDArray> stages = new HashMap<>();
    // Copied (not the reused direct buffer of the logits): several arrays of one step must not share memory.
    remote.stages(epoch, index, ids, taps).forEach((stage, out) -> stages.put(stage, step.create(out.values(), new Shape(out.shape()))));
    return new Teacher.Output(memberLogits, stages);
  }

  @Override
  public void consumed(int epoch, int index) {
    remote.consumed(epoch, index);
  }
}
