package dev.mentor.messages.tensor;

import java.util.Objects;

/**
 * A student's request, on the teacher-requests topic, for a teacher to stream its logits: any
 * service process that serves teachers takes it, replays the student run's batches from epoch
 * {@code epochsDone + 1} and publishes one logits frame per batch on the tensor topic under the
 * key {@code stream}, at most {@code maxLead} frames ahead of the student's acknowledgements.
 * {@code memberStreams} > 0 asks an ensemble teacher's members to publish side by side, each its
 * own logits frames ({@code member-m}), which the student averages once all have arrived; 0 sends
 * one frame with every member. {@code spec} is the experiment's resolved spec as JSON, so the serving process needs nothing
 * but the shared output folder holding the teacher's weights.
 */
public record TeacherStreamRequest(int schemaVersion, String experimentId, String spec, String studentArm, long seed, int epochsDone,
    String stream, int maxLead, int memberStreams) {
  public static final int SCHEMA_VERSION = 1;

  public TeacherStreamRequest {
    Objects.requireNonNull(experimentId, "experimentId");
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(studentArm, "studentArm");
    Objects.requireNonNull(stream, "stream");
    if (epochsDone < 0 || maxLead < 1 || memberStreams < 0) {
      throw new IllegalArgumentException("epochsDone and memberStreams must be >= 0 and maxLead >= 1, got " + epochsDone + ", "
          + memberStreams + " and " + maxLead);
    }
  }
}
