package dev.mentor.messages.job;

import dev.mentor.messages.record.EpochMetrics;
import java.util.List;

/**
 * What happens to a job, published on the status topic keyed by experiment id, in order:
 * {@code queued} (accepted), {@code started}, per run {@code run-started}, {@code epoch} (with the
 * epoch's metrics), {@code early-stopping} or {@code overfitting} at the epoch a run detects it
 * (what happened in {@code message}), and {@code run-finished}, then {@code finished}; or {@code failed} /
 * {@code cancelled} with the reason in {@code message} ({@code retrying} when a run that failed is
 * started again from its checkpoint); {@code duplicate} when an id already
 * accepted is submitted again. {@code arm}, {@code seed}, {@code epoch} and {@code metrics} are
 * set where they apply, null otherwise.
 */
public record StatusEvent(
    int schemaVersion,
    String experimentId,
    String kind,
    String arm,
    Long seed,
    Integer epoch,
    String message,
    EpochMetrics metrics,
    long timeMillis) {

  public static final int SCHEMA_VERSION = 1;
  public static final List<String> KINDS =
      List.of("queued", "started", "run-scheduled", "run-started", "epoch", "early-stopping", "overfitting", "run-finished", "retrying", "paused",
          "resumed", "finished", "failed", "cancelled", "duplicate");

  public StatusEvent {
    if (!KINDS.contains(kind)) {
      throw new IllegalArgumentException("kind must be one of " + KINDS + ", got " + kind);
    }
  }

  public static StatusEvent of(String experimentId, String kind, String message) {
    return new StatusEvent(SCHEMA_VERSION, experimentId, kind, null, null, null, message, null, System.currentTimeMillis());
  }
}
