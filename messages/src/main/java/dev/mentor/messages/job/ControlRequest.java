package dev.mentor.messages.job;

import dev.mentor.messages.spec.Check;
import dev.mentor.messages.spec.SpecException;
import dev.mentor.messages.spec.SpecName;

/**
 * A request on the control topic, keyed by experiment id; {@code action} is {@code cancel} (stop
 * every run at the end of its epoch, checkpoints kept), {@code pause} (hold them there, start no
 * new run) or {@code resume}. Every field is required: a request without {@code schemaVersion} is
 * refused like one of another version, since every sender Mentor ships sets it and a request
 * Mentor cannot be sure to understand must not stop or start runs. A bad request is a
 * {@link SpecException} naming the field; read JSON with {@code SpecReader.readJson} to get it
 * unwrapped.
 */
public record ControlRequest(Integer schemaVersion, String experimentId, Action action) {
  public static final int SCHEMA_VERSION = 1;

  /** What the request asks of the experiment (see the class comment). */
  public enum Action implements SpecName {
    CANCEL, PAUSE, RESUME;

    @Override
    public String toString() {
      return specName();
    }
  }

  public ControlRequest {
    if (schemaVersion == null) {
      throw new SpecException("schemaVersion", "is required; this Mentor reads control requests of schema version " + SCHEMA_VERSION);
    }
    if (schemaVersion != SCHEMA_VERSION) {
      throw new SpecException("schemaVersion", "this Mentor reads control requests of schema version " + SCHEMA_VERSION + ", got " + schemaVersion);
    }
    experimentId = Check.name("experimentId", experimentId);
    if (action == null) {
      throw new SpecException("action", "is required; allowed: " + SpecName.listed(Action.class));
    }
  }

  public static ControlRequest cancel(String experimentId) {
    return of(experimentId, Action.CANCEL);
  }

  public static ControlRequest of(String experimentId, Action action) {
    return new ControlRequest(SCHEMA_VERSION, experimentId, action);
  }
}
