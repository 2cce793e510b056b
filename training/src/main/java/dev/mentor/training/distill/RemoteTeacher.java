package dev.mentor.training.distill;

import java.util.Map;
import java.util.Set;

/**
 * Teacher outputs that come from elsewhere — another thread, process or machine — for the
 * student's batches, in the student's order: the members' logits of batch {@code batch} of
 * epoch {@code epoch}, sample-major ({@code samples × members × classes}, as the teacher produced
 * them and the frames carry them), for exactly the samples {@code sampleIds}. An implementation
 * must check the samples and fail rather than hand back another batch's outputs. The actor
 * runtime implements it over Kafka.
 */
public interface RemoteTeacher extends AutoCloseable {
  float[] memberLogits(int epoch, int batch, long[] sampleIds);

  /** A tapped teacher stage's output for one batch: float values and their shape (batch first). */
  record Stage(float[] values, long[] shape) {}

  /**
   * The outputs of the teacher stages {@code stages} for the same batch (a single teacher's),
   * after {@link #memberLogits} for it; for feature terms. The default has none.
   */
  default Map<String, Stage> stages(int epoch, int batch, long[] sampleIds, Set<String> stages) {
    if (!stages.isEmpty()) {
      throw new UnsupportedOperationException("this remote teacher sends logits only, not stages " + stages);
    }
    return Map.of();
  }

  /** Called after the student has used batch {@code batch} of {@code epoch} (lets the teacher run ahead by a bounded amount). */
  default void consumed(int epoch, int batch) {}

  /** The student is done with this teacher (finished, stopped early or failed). */
  @Override
  default void close() {}
}
