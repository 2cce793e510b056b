package dev.mentor.training.distill;

import java.util.Map;

/**
 * Frozen teachers' logits kept beyond one process ("teacher as a service"): per sample id, the
 * members' logits ({@code floatsPerSample} = members × classes floats, the sample's row of the
 * teacher's sample-major output, as in {@link TeacherCache}) of one teacher on one view of
 * the data, under a key that names both by content (the weights' bytes, the model, the data and
 * the task view). A student of any experiment with the same key starts with a full cache and
 * never runs the teacher. The actor runtime keeps them on a compacted Kafka topic.
 */
public interface TeacherOutputStore {
  /** The stored logits of {@code key} (empty when none are stored). */
  Map<Long, float[]> load(String key, int floatsPerSample);

  /** Stores the logits of {@code key}; a later save of the same key replaces them. */
  void save(String key, Map<Long, float[]> logits, int floatsPerSample);
}
