package dev.mentor.training.distill;

/**
 * Teacher logits that come from elsewhere — another thread, process or machine — for the
 * student's batches, in the student's order: the members' logits of batch {@code batch} of
 * epoch {@code epoch}, member-major ({@code members × samples × classes}), for exactly the
 * samples {@code sampleIds}. An implementation must check the samples and fail rather than hand
 * back another batch's outputs. The actor runtime implements it over Kafka.
 */
public interface RemoteTeacher extends AutoCloseable {
  float[] memberLogits(int epoch, int batch, long[] sampleIds);

  /** Called after the student has used batch {@code batch} of {@code epoch} (lets the teacher run ahead by a bounded amount). */
  default void consumed(int epoch, int batch) {}

  /** The student is done with this teacher (finished, stopped early or failed). */
  @Override
  default void close() {}
}
