package dev.mentor.training.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mentor.training.loop.Batches;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * The teacher's logits computed once per sample and reused across epochs and students (the
 * teacher's input must repeat: no augmentation, no feature terms); a batch with a sample not yet
 * cached runs the teacher live and fills the cache. Lookups and hits are counted.
 */
final class CachedTeacherOutputs implements TeacherOutputs {
  private final TeacherOutputs live;
  private final int members;
  private final TeacherCache cache;
  private final TeacherCache.Counter counter;
  private final DirectArrays arrays = new DirectArrays();

  CachedTeacherOutputs(TeacherOutputs live, int members, TeacherCache cache, TeacherCache.Counter counter) {
    this.live = live;
    this.members = members;
    this.cache = cache;
    this.counter = counter;
  }

  @Override
  public Teacher.Output forBatch(int epoch, int index, Batches.Batch batch, Set<String> taps, NDManager step) {
    if (!taps.isEmpty()) {
      throw new IllegalStateException("cached teacher outputs hold logits only, not stages " + taps);
    }
    long[] ids = batch.sampleIds();
    int per = cache.floatsPerSample();
    float[][] rows = new float[ids.length][];
    int hits = 0;
    for (int i = 0; i < ids.length; i++) {
      rows[i] = cache.get(ids[i]);
      hits += rows[i] == null ? 0 : 1;
    }
    counter.record(ids.length, hits);
    if (hits < ids.length) {
      Teacher.Output computed = live.forBatch(epoch, index, batch, Set.of(), step);
      // Sample-major: sample i's members' logits are the i-th run of floatsPerSample values.
      float[] values = computed.memberLogits().toFloatArray();
      for (int i = 0; i < ids.length; i++) {
        if (rows[i] == null) {
          cache.put(ids[i], Arrays.copyOfRange(values, i * per, (i + 1) * per));
        }
      }
      return computed;
    }
    NDArray memberLogits = arrays.create(ids.length * per, view -> {
      for (float[] row : rows) {
        view.put(row);
      }
    }, new Shape(ids.length, members, per / members), step);
    return new Teacher.Output(memberLogits, Map.of());
  }
}
