package dev.mentor.messages.job;

import java.util.List;

/**
 * A request on the control topic, keyed by experiment id; {@code action} is {@code cancel} (stop
 * every run at the end of its epoch, checkpoints kept), {@code pause} (hold them there, start no
 * new run) or {@code resume}.
 */
public record ControlRequest(int schemaVersion, String experimentId, String action) {
  public static final int SCHEMA_VERSION = 1;
  public static final List<String> ACTIONS = List.of("cancel", "pause", "resume");

  public ControlRequest {
    if (!ACTIONS.contains(action)) {
      throw new IllegalArgumentException("action must be one of " + ACTIONS + ", got " + action);
    }
  }

  public static ControlRequest cancel(String experimentId) {
    return new ControlRequest(SCHEMA_VERSION, experimentId, "cancel");
  }

  public static ControlRequest of(String experimentId, String action) {
    return new ControlRequest(SCHEMA_VERSION, experimentId, action);
  }
}
